import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { testEngine } from '../support/test-db.js';

const run = promisify(execFile);

// The SQLite trap from ARCHITECTURE.md: write transactions in two processes on one file.
describe.skipIf(testEngine() !== 'sqlite')('SQLite write transactions across processes', () => {
  it('never fail with SQLITE_BUSY and never lose an update', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'konsult-sqlite-'));
    const file = path.join(dir, 'shared.sqlite');
    const setup = openDatabase(`sqlite:${file}`);
    await sql`create table counter (id integer primary key, value integer not null)`.execute(setup.db);
    await sql`insert into counter (id, value) values (1, 0)`.execute(setup.db);
    await setup.destroy();

    const perProcess = 150;
    const tsx = path.resolve('node_modules/.bin/tsx');
    const results = await Promise.all(
      [1, 2, 3].map(() => run(tsx, ['test/support/sqlite-writer.ts', file, String(perProcess)], { timeout: 60_000 })),
    );
    const errors = results.map((r) => (JSON.parse(r.stdout) as { errors: number }).errors);

    const check = openDatabase(`sqlite:${file}`);
    const row = await sql<{ value: number }>`select value from counter where id = 1`.execute(check.db);
    const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(check.db);
    await check.destroy();
    fs.rmSync(dir, { recursive: true, force: true });

    expect(errors).toEqual([0, 0, 0]);
    expect(row.rows[0]?.value).toBe(3 * perProcess);
    expect(integrity.rows[0]?.integrity_check).toBe('ok');
  }, 90_000);
});

describe.skipIf(testEngine() !== 'sqlite')('SQLite temporary files', () => {
  // Decision 027. SQLite names its temporary files etilqs_…; Linux shows them, deleted, among the
  // process's open files while they are in use.
  it.skipIf(!fs.existsSync('/proc/self/fd'))('keeps a statement\'s own journal in memory, not in a temporary file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'konsult-sqlite-'));
    const handle = openDatabase(`sqlite:${path.join(dir, 'temp.sqlite')}`);
    const temporaryFiles = () =>
      fs.readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return fs.readlinkSync(`/proc/self/fd/${fd}`).includes('etilqs_');
        } catch {
          return false; // closed since it was listed
        }
      }).length;
    try {
      await sql`create table pairs (id integer primary key, a text not null, b text not null)`.execute(handle.db);
      await sql`create unique index pairs_a on pairs (a)`.execute(handle.db);
      await sql`create index pairs_b on pairs (b)`.execute(handle.db);
      const key = (i: number) => `${(i * 7919) % 100_003}`.padStart(6, '0');
      await handle.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 20_000; i += 500) {
          const rows = Array.from({ length: 500 }, (_, j) => sql`(${key(i + j)}, ${key(i + j)})`);
          await sql`insert into pairs (a, b) values ${sql.join(rows)}`.execute(trx);
        }
      });
      let during = -1;
      await handle.db.transaction().execute(async (trx) => {
        await sql`insert into pairs (a, b) values ('first', 'first')`.execute(trx);
        // Several rows into indexes that already fill many pages, where a unique key could still
        // refuse the statement: SQLite keeps a journal to undo this statement alone.
        const rows = Array.from({ length: 60 }, (_, j) => sql`(${`${key(30_000 + j * 611)}x`}, ${`${key(j * 1_637)}x`})`);
        await sql`insert into pairs (a, b) values ${sql.join(rows)}`.execute(trx);
        during = temporaryFiles();
      });
      expect(during).toBe(0);
    } finally {
      await handle.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
