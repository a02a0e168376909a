import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomToken } from '../../src/adapters/tokens.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
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

/**
 * A freshly migrated database for one test: SQLite in memory, or a PostgreSQL schema of its
 * own (dropped again by `destroy`). Tests never share data.
 */
export async function createTestDatabase(engine = testEngine()): Promise<DatabaseHandle> {
  if (engine === 'sqlite') {
    const handle = openDatabase('sqlite::memory:');
    await migrateToLatest(handle.db);
    return handle;
  }
  const schema = `t_${randomToken(9).toLowerCase().replace(/[^a-z0-9]/g, '')}`;
  const handle = openDatabase(testPostgresUrl, { schema, poolSize: 4 });
  const dropSchema = () => withSchemaLock((admin) => admin.query(`drop schema if exists ${schema} cascade`));
  try {
    await withSchemaLock(async (admin) => {
      await admin.query(`create schema ${schema}`);
      await migrateToLatest(handle.db, { schema });
    });
  } catch (error) {
    await handle.destroy();
    await dropSchema();
    throw error;
  }
  const database: DatabaseHandle = {
    ...handle,
    async destroy() {
      await handle.destroy();
      await dropSchema();
    },
  };
  schemaOf.set(database, schema);
  return database;
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
