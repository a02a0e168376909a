import pg from 'pg';
import { randomToken } from '../../src/adapters/tokens.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

/** The PostgreSQL server the postgres project uses (CI and this machine: trust auth on loopback). */
export const testPostgresUrl = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export function testEngine(): 'sqlite' | 'postgres' {
  return process.env['TEST_DB'] === 'postgres' ? 'postgres' : 'sqlite';
}

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
  const admin = new pg.Client({ connectionString: testPostgresUrl });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  const handle = openDatabase(testPostgresUrl, { schema, poolSize: 4 });
  await migrateToLatest(handle.db);
  return {
    ...handle,
    async destroy() {
      await handle.destroy();
      const cleanup = new pg.Client({ connectionString: testPostgresUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`drop schema ${schema} cascade`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
