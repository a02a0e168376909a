import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { testEngine, withScratchSchema } from '../support/test-db.js';

/**
 * PostgreSQL keeps the SQL the portal runs often as named statements (src/db/named-statements.ts,
 * decision 017): parsed and planned once per connection, then only bound. What a user would
 * notice if it went wrong: a wrong answer, or a page failing after a migration added a column
 * while the process was running. One connection per pool here, so every query below runs on the
 * connection whose prepared statements the test reads.
 */

type Probe = { id: number; label: string };

const probeById = (db: Db, id: number) =>
  sql<Probe>`select id, label from probe where id = ${id}`.execute(db).then((r) => r.rows);

async function createProbe(db: Db): Promise<void> {
  await sql`create table probe (id integer primary key, label text not null)`.execute(db);
  await sql`insert into probe (id, label) values (1, 'üks'), (2, 'kaks'), (3, 'kolm')`.execute(db);
}

async function preparedStatements(db: Db): Promise<{ name: string; statement: string }[]> {
  return (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements order by name`.execute(db)).rows;
}

describe.runIf(testEngine() === 'postgres')('named statements on PostgreSQL', () => {
  it('keeps SQL run often as one named statement and answers each run with its own values', async () => {
    await withScratchSchema({ poolSize: 1, namedStatements: { threshold: 3, limit: 10 } }, async ({ db }) => {
      await createProbe(db);
      expect(await probeById(db, 1)).toEqual([{ id: 1, label: 'üks' }]);
      expect(await probeById(db, 2)).toEqual([{ id: 2, label: 'kaks' }]);
      expect(await preparedStatements(db)).toEqual([]);

      // The third run reaches the threshold: from now on the statement is bound, not parsed.
      for (const id of [3, 1, 2, 3, 99]) {
        expect(await probeById(db, id)).toEqual(id === 99 ? [] : [{ id, label: ['üks', 'kaks', 'kolm'][id - 1] }]);
      }
      const kept = await preparedStatements(db);
      expect(kept).toHaveLength(1);
      expect(kept[0]!.statement).toBe('select id, label from probe where id = $1');
    });
  });

  it('names no query without parameters, and none beyond the limit', async () => {
    await withScratchSchema({ poolSize: 1, namedStatements: { threshold: 1, limit: 1 } }, async ({ db }) => {
      await createProbe(db);
      for (let i = 0; i < 3; i += 1) {
        await sql`select count(*) from probe`.execute(db);
        expect(await probeById(db, 2)).toEqual([{ id: 2, label: 'kaks' }]);
        expect((await sql<Probe>`select id, label from probe where label = ${'kolm'}`.execute(db)).rows).toEqual([{ id: 3, label: 'kolm' }]);
      }
      expect((await preparedStatements(db)).map((s) => s.statement)).toEqual(['select id, label from probe where id = $1']);
    });
  });

  it('answers with the new column after a migration adds one to a table read with select *', async () => {
    await withScratchSchema({ poolSize: 1, namedStatements: { threshold: 1, limit: 10 } }, async ({ db }) => {
      await createProbe(db);
      const everything = (id: number) => sql<Record<string, unknown>>`select * from probe where id = ${id}`.execute(db).then((r) => r.rows);
      expect(await everything(1)).toEqual([{ id: 1, label: 'üks' }]);
      expect(await preparedStatements(db)).toHaveLength(1);

      // What another process's migration does while this one runs.
      await sql`alter table probe add column note text not null default 'uus'`.execute(db);
      // PostgreSQL refuses the kept statement ("cached plan must not change result type"); the
      // query is run again unnamed, and that statement is not used on this connection again.
      expect(await everything(1)).toEqual([{ id: 1, label: 'üks', note: 'uus' }]);
      expect(await everything(2)).toEqual([{ id: 2, label: 'kaks', note: 'uus' }]);

      // Inside a transaction the refusal has already aborted it: the transaction rolls back whole
      // and the connection goes on working.
      await sql`alter table probe add column extra integer`.execute(db);
      const other = (id: number) => sql<Record<string, unknown>>`select * from probe where id >= ${id} order by id`.execute(db).then((r) => r.rows);
      expect(await other(3)).toHaveLength(1);
      await sql`alter table probe add column more integer`.execute(db);
      await expect(
        db.transaction().execute(async (trx) => {
          await sql`update probe set label = 'muudetud' where id = 1`.execute(trx);
          return sql`select * from probe where id >= ${3} order by id`.execute(trx);
        }),
      ).rejects.toThrow();
      expect(await probeById(db, 1)).toEqual([{ id: 1, label: 'üks' }]);
      expect(await other(3)).toEqual([{ id: 3, label: 'kolm', note: 'uus', extra: null, more: null }]);
    });
  });
});
