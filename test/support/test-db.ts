import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomToken } from '../../src/adapters/tokens.js';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle, type Db, type OpenOptions } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

/** The PostgreSQL server the postgres project uses (CI and this machine: trust auth on loopback). */
export const testPostgresUrl = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export function testEngine(): 'sqlite' | 'postgres' {
  return process.env['TEST_DB'] === 'postgres' ? 'postgres' : 'sqlite';
}

// Kysely's PostgreSQL introspection reads every schema's catalog, and fails when another test
// creates or drops a schema at that moment. All schema DDL of the tests (creating, migrating,
// dropping) therefore takes one advisory lock: cheap, and only tests ever take it.
const schemaDdlLock = 727_001;

async function withSchemaLock<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: testPostgresUrl });
  await admin.connect();
  try {
    await admin.query('select pg_advisory_lock($1)', [schemaDdlLock]);
    return await work(admin);
  } finally {
    await admin.end(); // ends the session, which releases the lock
  }
}

/** The PostgreSQL schema behind each test database, for opening more handles to it. */
const schemaOf = new WeakMap<DatabaseHandle, string>();

// Migrating a schema is the slow part of a PostgreSQL test (dozens of DDL statements under the
// lock above). A test file therefore migrates a schema once and reuses it: when a test's
// database is destroyed its schema goes back to this file's pool, and the next test gets it
// emptied (no rows, sequences from 1) and given back the rows the migrations themselves insert
// (the default document types), which is what a freshly migrated schema holds. The setup file
// drops the pool's schemas after the file.
const freeSchemas: string[] = [];
const pooledSchemas: string[] = [];
const schemaShapes = new Map<string, SchemaShape>();
/** Per schema: the rows each table held right after migrating, by table. */
const migratedRows = new Map<string, Map<string, Record<string, unknown>[]>>();

/** Reads the rows the migrations left in a freshly migrated schema. */
async function captureMigratedRows(db: Db, schema: string): Promise<void> {
  const shape = await shapeOf(db, schema);
  const rows = new Map<string, Record<string, unknown>[]>();
  for (const table of shape.deleteOrder) {
    const found = (await sql.raw<Record<string, unknown>>(`select * from ${schema}."${table}" order by 1`).execute(db)).rows;
    if (found.length > 0) rows.set(table, found);
  }
  migratedRows.set(schema, rows);
}

type SchemaShape = {
  /** One query naming every table that holds rows or whose identity sequence has moved. */
  usedTablesQuery: string;
  /** Tables ordered so that each comes before the tables it references (delete in this order). */
  deleteOrder: string[];
  /** Tables with an identity `id` column. */
  identityTables: Set<string>;
};

async function shapeOf(db: Db, schema: string): Promise<SchemaShape> {
  const tables = (
    await sql<{ name: string }>`
      select table_name as name from information_schema.tables
       where table_schema = ${schema} and table_type = 'BASE TABLE' and table_name not like ${'kysely\\_%'}`.execute(db)
  ).rows.map((r) => r.name);
  const references = (
    await sql<{ child: string; parent: string }>`
      select child.relname as child, parent.relname as parent
        from pg_constraint c
        join pg_class child on child.oid = c.conrelid
        join pg_class parent on parent.oid = c.confrelid
        join pg_namespace n on n.oid = c.connamespace
       where c.contype = 'f' and n.nspname = ${schema} and child.relname <> parent.relname`.execute(db)
  ).rows;
  const identityTables = new Set(
    (
      await sql<{ name: string }>`
        select table_name as name from information_schema.columns
         where table_schema = ${schema} and column_name = 'id' and is_identity = 'YES'`.execute(db)
    ).rows.map((r) => r.name),
  );
  // Children first: a table is placed once every table referencing it has been placed.
  const deleteOrder: string[] = [];
  const remaining = new Set(tables);
  while (remaining.size > 0) {
    const ready = [...remaining].filter((table) => !references.some((r) => r.parent === table && remaining.has(r.child)));
    if (ready.length === 0) throw new Error(`cyclic foreign keys among ${[...remaining].join(', ')}`);
    for (const table of ready) {
      deleteOrder.push(table);
      remaining.delete(table);
    }
  }
  const withRows = tables.map((table) => `select '${table}' as name where exists (select 1 from ${schema}."${table}")`);
  const movedSequences = `select regexp_replace(sequencename, '_id_seq$', '') from pg_sequences where schemaname = '${schema}' and last_value is not null`;
  return { usedTablesQuery: [...withRows, movedSequences].join(' union '), deleteOrder, identityTables };
}

/** Tables whose triggers refuse UPDATE and DELETE (migration 007). */
const appendOnlyTables = new Set(['audit_log']);

/**
 * Empties a schema as a fresh migration leaves it: no rows, identity sequences from 1. Only the
 * tables a test used are touched, with DELETE (TRUNCATE costs milliseconds per table, and
 * CASCADE would drag in every table that references users).
 */
async function emptySchema(db: Db, schema: string): Promise<void> {
  let shape = schemaShapes.get(schema);
  if (!shape) {
    shape = await shapeOf(db, schema);
    schemaShapes.set(schema, shape);
  }
  const used = new Set((await sql.raw<{ name: string }>(shape.usedTablesQuery).execute(db)).rows.map((r) => r.name));
  if (used.size === 0) return;
  const statements = shape.deleteOrder
    .filter((table) => used.has(table))
    .map((table) => {
      // Append-only tables refuse DELETE by trigger; TRUNCATE fires no row triggers (nothing references them).
      const empty = appendOnlyTables.has(table) ? `truncate ${schema}."${table}";` : `delete from ${schema}."${table}";`;
      return shape.identityTables.has(table) ? `${empty} select setval(pg_get_serial_sequence('${schema}."${table}"', 'id'), 1, false);` : empty;
    });
  await sql.raw(statements.join('\n')).execute(db);
  // Parents before children: the reverse of the delete order.
  for (const table of [...shape.deleteOrder].reverse()) {
    const rows = migratedRows.get(schema)?.get(table);
    if (!rows || !used.has(table)) continue;
    await db
      .withSchema(schema)
      .insertInto(table as never)
      .values(rows as never)
      .execute();
    if (shape.identityTables.has(table)) {
      await sql.raw(`select setval(pg_get_serial_sequence('${schema}."${table}"', 'id'), (select max(id) from ${schema}."${table}"))`).execute(db);
    }
  }
}

/** Opens a handle on a schema of this file's pool, emptied, or on a newly migrated one. */
async function openPooledSchema(): Promise<{ handle: DatabaseHandle; schema: string }> {
  const reused = freeSchemas.pop();
  const schema = reused ?? `t_${randomToken(9).toLowerCase().replace(/[^a-z0-9]/g, '')}`;
  const handle = openDatabase(testPostgresUrl, { schema, poolSize: 4 });
  try {
    if (reused) {
      await emptySchema(handle.db, schema);
    } else {
      await withSchemaLock(async (admin) => {
        await admin.query(`create schema ${schema}`);
        await migrateToLatest(handle.db, { schema });
      });
      await captureMigratedRows(handle.db, schema);
      pooledSchemas.push(schema);
    }
  } catch (error) {
    await handle.destroy();
    if (!reused) await withSchemaLock((admin) => admin.query(`drop schema if exists ${schema} cascade`));
    throw error;
  }
  return { handle, schema };
}

/** Drops every schema this test file migrated (the postgres project's setup file calls it after each file). */
export async function dropPooledSchemas(): Promise<void> {
  const schemas = pooledSchemas.splice(0);
  freeSchemas.splice(0);
  if (schemas.length === 0) return;
  await withSchemaLock((admin) => admin.query(`drop schema if exists ${schemas.join(', ')} cascade`));
}

/**
 * A database for one test holding what a freshly migrated one holds: SQLite in memory, or a
 * PostgreSQL schema no other test is using (migrated once per file, emptied between tests).
 * Tests never share data.
 */
export async function createTestDatabase(engine = testEngine()): Promise<DatabaseHandle> {
  if (engine === 'sqlite') {
    const handle = openDatabase('sqlite::memory:');
    await migrateToLatest(handle.db);
    return handle;
  }
  const { handle, schema } = await openPooledSchema();
  const database: DatabaseHandle = {
    ...handle,
    async destroy() {
      await handle.destroy();
      freeSchemas.push(schema);
    },
  };
  schemaOf.set(database, schema);
  return database;
}

/**
 * An empty PostgreSQL schema of its own (no migrations), for tests of the database layer that
 * change the schema's shape; dropped afterwards. `options` are openDatabase's.
 */
export async function withScratchSchema<T>(options: Omit<OpenOptions, 'schema'>, work: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const schema = `scratch_${randomToken(8).toLowerCase().replace(/[^a-z0-9]/g, '')}`;
  await withSchemaLock((admin) => admin.query(`create schema ${schema}`));
  const handle = openDatabase(testPostgresUrl, { ...options, schema });
  try {
    return await work(handle);
  } finally {
    await handle.destroy();
    await withSchemaLock((admin) => admin.query(`drop schema ${schema} cascade`));
  }
}

export type SharedTestDatabase = {
  /** Separate handles (their own pool or connection) to one freshly migrated database, like separate processes. */
  handles: DatabaseHandle[];
  engine: 'sqlite' | 'postgres';
  destroy(): Promise<void>;
};

/**
 * One freshly migrated database reached through `count` independent handles: for tests of
 * several workers at once. PostgreSQL: a schema of its own with a pool per handle. SQLite: a
 * temporary file (an in-memory database cannot be shared) with a connection per handle.
 */
export async function createSharedTestDatabase(count: number, engine = testEngine()): Promise<SharedTestDatabase> {
  if (engine === 'sqlite') {
    const dir = await mkdtemp(path.join(tmpdir(), 'konsult-shared-db-'));
    const url = `sqlite:${path.join(dir, 'shared.sqlite')}`;
    const first = openDatabase(url);
    await migrateToLatest(first.db);
    const handles = [first, ...Array.from({ length: count - 1 }, () => openDatabase(url))];
    return {
      handles,
      engine,
      async destroy() {
        for (const handle of handles) await handle.destroy();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const first = await createTestDatabase('postgres');
  const schema = schemaOf.get(first);
  if (!schema) throw new Error('the PostgreSQL test database has no schema recorded');
  const handles = [first, ...Array.from({ length: count - 1 }, () => openDatabase(testPostgresUrl, { schema, poolSize: 4 }))];
  return {
    handles,
    engine,
    async destroy() {
      // The first handle's destroy drops the schema: the others go first.
      for (const handle of handles.slice(1)) await handle.destroy();
      await first.destroy();
    },
  };
}
