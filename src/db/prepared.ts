import type { Compilable, CompiledQuery, Insertable, Kysely, Selectable, Updateable, UpdateQueryBuilder, UpdateResult } from 'kysely';
import type { Executor } from './repositories/user-repository.js';
import type { Database } from './schema.js';

/**
 * A parameter's stand-in while a prepared query is built. Kysely passes it through as a bound
 * value; anything else (a comparison, a template string, `sql.lit`) would turn it into a
 * primitive, and that throws, so a query that does not bind its parameters fails the first time
 * it runs instead of caching the wrong SQL.
 */
class Placeholder {
  constructor(readonly name: string) {}

  [Symbol.toPrimitive](): never {
    throw new Error(`prepared query: the parameter "${this.name}" was used as a value while building, not bound`);
  }
}

/** A query built and compiled once per database, then run with new parameter values. */
export type PreparedQuery<P, R> = {
  all(db: Executor, params: P): Promise<R[]>;
  first(db: Executor, params: P): Promise<R | undefined>;
};

/**
 * Builds the query `build` describes once per database (per dialect adapter) and keeps its SQL;
 * every run only binds `params`. Building and compiling a Kysely query costs about as much as
 * SQLite takes to answer an indexed one (decision 015), and the hottest queries run on every
 * page. `build` must use each parameter only as a value Kysely binds (`where(…, '=', p.id)`,
 * `limit(p.limit)`), never to decide the shape of the query; a list (`in`) has a fixed length
 * at build time, so lists do not belong here.
 */
export function preparedQuery<P extends Record<string, unknown>, R>(build: (db: Executor, params: P) => Compilable<R>): PreparedQuery<P, R> {
  const compiledByAdapter = new WeakMap<object, { compiled: CompiledQuery<R>; slots: (string | undefined)[] }>();

  const compile = (db: Executor) => {
    const adapter = db.getExecutor().adapter;
    let entry = compiledByAdapter.get(adapter);
    if (!entry) {
      const placeholders = new Map<string, Placeholder>();
      const params = new Proxy({} as P, {
        get(_target, name) {
          if (typeof name !== 'string') return undefined;
          let placeholder = placeholders.get(name);
          if (!placeholder) placeholders.set(name, (placeholder = new Placeholder(name)));
          return placeholder;
        },
      });
      const compiled = build(db, params).compile();
      const slots = compiled.parameters.map((value) => (value instanceof Placeholder ? value.name : undefined));
      for (const name of placeholders.keys()) {
        if (!slots.includes(name)) throw new Error(`prepared query: the parameter "${name}" is not bound in ${compiled.sql}`);
      }
      entry = { compiled, slots };
      compiledByAdapter.set(adapter, entry);
    }
    return entry;
  };

  const run = async (db: Executor, params: P): Promise<R[]> => {
    const { compiled, slots } = compile(db);
    const parameters = compiled.parameters.map((value, i) => {
      const name = slots[i];
      if (name === undefined) return value;
      if (!(name in params)) throw new Error(`prepared query: no value for the parameter "${name}"`);
      return params[name];
    });
    return (await db.executeQuery<R>({ ...compiled, parameters })).rows;
  };

  return {
    all: run,
    first: async (db, params) => (await run(db, params))[0],
  };
}

/**
 * Prepared queries whose shape depends on something other than values: how many parts a union
 * has, whether an optional condition applies, which constant list an `in` takes. One
 * `preparedQuery` per shape key, made when the key is first used; shapes past `maxShapes` are
 * built on every run instead of kept, so an unexpected key cannot make the cache grow.
 */
export function preparedShapes<K extends string, P extends Record<string, unknown>, R>(
  build: (key: K) => (db: Executor, params: P) => Compilable<R>,
  maxShapes = 32,
): (key: K) => PreparedQuery<P, R> {
  const byKey = new Map<K, PreparedQuery<P, R>>();
  return (key) => {
    let query = byKey.get(key);
    if (!query) {
      query = preparedQuery(build(key));
      if (byKey.size < maxShapes) byKey.set(key, query);
    }
    return query;
  };
}

/**
 * The length of the list a prepared `in (…)` of `count` values takes: 1, 2, 4, … so that a few
 * shapes serve every count. The list is filled up by repeating its last value, which changes no
 * answer of an `in`.
 */
function inListLength(count: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, count)));
}

/**
 * A query with one `in (…)` list of values, prepared for each list length `inListLength` gives
 * (decision 025 on why a list and not an array). `build` gets the list's stand-ins to put in the
 * `in`, and those of any other parameters as `preparedQuery` does; the query is run with `values`
 * (at least one), the last repeated to fill the list.
 */
export function preparedInList<V, R, P extends Record<string, unknown> = Record<string, never>>(
  build: (db: Executor, list: V[], params: P) => Compilable<R>,
  maxShapes = 8,
): (db: Executor, values: readonly V[], params?: P) => Promise<R[]> {
  const shapes = preparedShapes(
    (length: `${number}`) => (db, p: Record<string, unknown>) =>
      build(db, Array.from({ length: Number(length) }, (_, i) => p[`in.${i}`] as V), p as P),
    maxShapes,
  );
  return (db, values, params) => {
    const length = inListLength(values.length);
    const all: Record<string, unknown> = { ...params };
    for (let i = 0; i < length; i++) all[`in.${i}`] = values[Math.min(i, values.length - 1)];
    return shapes(`${length}`).all(db, all);
  };
}

type TableName = keyof Database & string;

/** A value a kept statement can bind as it is; anything else (an SQL expression) goes through Kysely each time. */
const isBindable = (value: unknown) => value === null || typeof value !== 'object' || value instanceof Date || value instanceof Uint8Array;

/** The columns `rows` set, when every row sets the same ones to bindable values; undefined otherwise. */
function sharedColumns(rows: readonly Record<string, unknown>[]): string[] | undefined {
  const columns = Object.keys(rows[0]!).filter((column) => rows[0]![column] !== undefined);
  for (const row of rows) {
    let set = 0;
    for (const [column, value] of Object.entries(row)) {
      if (value === undefined) continue;
      if (!isBindable(value) || !columns.includes(column)) return undefined;
      set += 1;
    }
    if (set !== columns.length) return undefined;
  }
  return columns;
}

/** Kysely's builder for a table the helpers below know only by name. */
const untyped = (db: Executor) => db as unknown as Kysely<Record<string, Record<string, unknown>>>;

/**
 * Inserts rows into `table` through a statement kept for each set of columns and number of rows
 * (building an insert in Kysely costs more than SQLite takes to run it, decisions 015 and 026).
 * Rows that set different columns, or a column to an SQL expression, go through Kysely as before.
 */
export function preparedInsert<T extends TableName>(table: T): (db: Executor, rows: readonly Insertable<Database[T]>[]) => Promise<void> {
  const insert = insertInto(table, 'nothing');
  return async (db, rows) => {
    if (rows.length > 0) await insert(db, rows as readonly Record<string, unknown>[]);
  };
}

/** Inserts one row into `table` as `preparedInsert` does and answers its id. */
export function preparedInsertReturningId<T extends TableName>(table: T): (db: Executor, row: Insertable<Database[T]>) => Promise<number> {
  const insert = insertInto(table, 'id');
  return async (db, row) => Number(((await insert(db, [row as Record<string, unknown>]))[0] as { id: unknown }).id);
}

/** Inserts one row into `table` as `preparedInsert` does and answers the row as stored. */
export function preparedInsertReturningRow<T extends TableName>(table: T): (db: Executor, row: Insertable<Database[T]>) => Promise<Selectable<Database[T]>> {
  const insert = insertInto(table, 'row');
  return async (db, row) => (await insert(db, [row as Record<string, unknown>]))[0] as Selectable<Database[T]>;
}

/** The insert behind the three above: `returning` nothing, the new rows' ids or the rows. */
function insertInto(table: string, returning: 'nothing' | 'id' | 'row') {
  const insert = (db: Executor, rows: Record<string, unknown>[]) => {
    const query = untyped(db).insertInto(table).values(rows);
    return (returning === 'id' ? query.returning('id') : returning === 'row' ? query.returningAll() : query) as Compilable<unknown> & { execute(): Promise<unknown[]> };
  };
  const shapes = preparedShapes((key: string) => {
    const [names, count] = key.split('|') as [string, string];
    const columns = names.split(',');
    return (db, p: Record<string, unknown>) => insert(db, Array.from({ length: Number(count) }, (_, i) => Object.fromEntries(columns.map((column) => [column, p[`${column}.${i}`]]))));
  }, 64);
  return async (db: Executor, rows: readonly Record<string, unknown>[]): Promise<unknown[]> => {
    const columns = sharedColumns(rows);
    if (!columns) return insert(db, [...rows]).execute();
    const params: Record<string, unknown> = {};
    rows.forEach((row, i) => {
      for (const column of columns) params[`${column}.${i}`] = row[column];
    });
    return shapes(`${columns.join(',')}|${rows.length}`).all(db, params);
  };
}

/**
 * Changes the row of `table` with the given id through a statement kept for each set of columns
 * changed; a change to an SQL expression goes through Kysely as before.
 */
export function preparedUpdateById<T extends TableName>(table: T): (db: Executor, id: number, changes: Updateable<Database[T]>) => Promise<void> {
  const update = updateById(table, (query) => query);
  return async (db, id, changes) => {
    await update(db, id, changes as Record<string, unknown>);
  };
}

/**
 * Changes the row of `table` with the given id as `preparedUpdateById` does, and answers the
 * row `returning` reads back in the same statement (undefined when no row has that id).
 */
export function preparedUpdateByIdReturning<T extends TableName, R>(
  table: T,
  returning: (query: UntypedUpdate) => Compilable<R>,
): (db: Executor, id: number, changes: Updateable<Database[T]>) => Promise<R | undefined> {
  const update = updateById(table, returning);
  return async (db, id, changes) => (await update(db, id, changes as Record<string, unknown>))[0] as R | undefined;
}

/** An update of a table the helpers know only by name, before its `returning`. */
type UntypedUpdate = UpdateQueryBuilder<Record<string, Record<string, unknown>>, string, string, UpdateResult>;

/** The update behind the two above, finished by `finish` (a `returning`, or nothing); answers the rows. */
function updateById(table: string, finish: (query: UntypedUpdate) => Compilable<unknown>) {
  const update = (db: Executor, id: unknown, changes: Record<string, unknown>) =>
    finish(untyped(db).updateTable(table).set(changes).where('id', '=', id)) as Compilable<unknown> & { execute(): Promise<unknown[]> };
  const shapes = preparedShapes(
    (names: string) => (db, p: Record<string, unknown>) => update(db, p['id'], Object.fromEntries(names.split(',').map((column) => [column, p[`set.${column}`]]))),
    64,
  );
  return async (db: Executor, id: number, changes: Record<string, unknown>): Promise<unknown[]> => {
    const columns = sharedColumns([changes]);
    if (!columns) return update(db, id, changes).execute();
    if (columns.length === 0) return [];
    const params: Record<string, unknown> = { id };
    for (const column of columns) params[`set.${column}`] = changes[column];
    return shapes(columns.join(',')).all(db, params);
  };
}
