import type { Compilable, CompiledQuery } from 'kysely';
import type { Executor } from './repositories/user-repository.js';

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
