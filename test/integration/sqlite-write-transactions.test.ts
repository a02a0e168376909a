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
