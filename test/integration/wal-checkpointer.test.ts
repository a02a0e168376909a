import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitCheckpointPages, openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { startWalCheckpointer } from '../../src/db/wal-checkpointer.js';
import { testEngine } from '../support/test-db.js';

type LogState = { busy: number; log: number; checkpointed: number };

async function logState(handle: DatabaseHandle): Promise<LogState> {
  return (await sql<LogState>`pragma wal_checkpoint(NOOP)`.execute(handle.db)).rows[0]!;
}

/** Writes `transactions` transactions of `rowsEach` rows of 3 KB: about one page of the log per row. */
async function write(handle: DatabaseHandle, transactions: number, rowsEach: number): Promise<void> {
  for (let t = 0; t < transactions; t++) {
    await handle.db.transaction().execute(async (trx) => {
      for (let r = 0; r < rowsEach; r++) await sql`insert into notes (body) values (randomblob(3000))`.execute(trx);
    });
  }
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

// The SQLite database in a file, as the portal's processes open it (decision 019).
describe.skipIf(testEngine() !== 'sqlite')('the write-ahead log checkpointed on a thread of its own', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'konsult-wal-'));
    file = path.join(dir, 'portal.sqlite');
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(withThread: boolean): Promise<DatabaseHandle> {
    // SQLite's own limit of 1 000 pages, so that a few thousand pages show what the portal's 10 000 would.
    const handle = openDatabase(`sqlite:${file}`, withThread ? { checkpointInBackground: { intervalMs: 5, batchPages: 50, handOverPages: 1_000 } } : {});
    await sql`create table if not exists notes (id integer primary key, body blob not null)`.execute(handle.db);
    return handle;
  }

  it('copies the log into the database between commits, long before a commit would', async () => {
    const handle = await open(true);
    try {
      // 300 pages: SQLite's own checkpoint waits for 1 000, so only the thread copies them.
      await write(handle, 30, 10);
      expect(await eventually(async () => (await logState(handle)).checkpointed >= 300)).toBe(true);
    } finally {
      await handle.destroy();
    }
  });

  it('leaves the copying to the commits without the thread (the test above fails without it)', async () => {
    const handle = await open(false);
    try {
      await write(handle, 30, 10);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await logState(handle)).checkpointed).toBe(0);
    } finally {
      await handle.destroy();
    }
  });

  it('leaves a log that has reached the commits\' own threshold to them, whose checkpoint it would otherwise beat', async () => {
    const handle = await open(true);
    try {
      // The commits here never checkpoint, so whatever is copied, the thread copied.
      await sql`pragma wal_autocheckpoint = 0`.execute(handle.db);
      await write(handle, 1, 1_100);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await logState(handle)).checkpointed).toBe(0);
    } finally {
      await handle.destroy();
    }
  });

  it('lets the log start over under steady writes (the commits finish what the thread began), and every row is in the database', async () => {
    const handle = await open(true);
    let largestLog = 0;
    try {
      for (let round = 0; round < 12; round++) {
        await write(handle, 25, 20);
        largestLog = Math.max(largestLog, (await logState(handle)).log);
      }
      const rows = await sql<{ n: number }>`select count(*) as n from notes`.execute(handle.db);
      expect(rows.rows[0]?.n).toBe(12 * 25 * 20);
    } finally {
      await handle.destroy();
    }
    // 6 000 pages were written; the log started over again and again instead of holding them all
    // (a log only starts over when a write begins with every page copied).
    expect(largestLog).toBeLessThan(3_000);
    const check = openDatabase(`sqlite:${file}`);
    const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(check.db);
    const rows = await sql<{ n: number }>`select count(*) as n from notes`.execute(check.db);
    await check.destroy();
    expect(integrity.rows[0]?.integrity_check).toBe('ok');
    expect(rows.rows[0]?.n).toBe(6_000);
  }, 60_000);

  it('has the commits checkpoint only at the log\'s limit while the thread copies, and at SQLite\'s own without it', async () => {
    const autocheckpoint = async (handle: DatabaseHandle) => (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(handle.db)).rows[0]?.wal_autocheckpoint;
    const withThread = openDatabase(`sqlite:${file}`, { checkpointInBackground: {} });
    const without = openDatabase(`sqlite:${file}`);
    try {
      expect(await autocheckpoint(withThread)).toBe(commitCheckpointPages);
      expect(await autocheckpoint(without)).toBe(1_000);
    } finally {
      await withThread.destroy();
      await without.destroy();
    }
  });

  it('reports a thread that cannot open the database, and that it ended, and stops cleanly', async () => {
    const errors: unknown[] = [];
    let ended = 0;
    const checkpointer = startWalCheckpointer(path.join(dir, 'missing', 'portal.sqlite'), { onError: (error) => errors.push(error), onEnded: () => ended++ });
    expect(await eventually(async () => errors.length > 0 && ended === 1)).toBe(true);
    expect(String(errors[0])).toMatch(/unable to open|directory does not exist|SQLITE_CANTOPEN/i);
    await checkpointer.stop();
    expect(ended).toBe(1);
  });

  it('does not report a thread stopped on purpose as ended', async () => {
    await open(false).then((handle) => handle.destroy());
    let ended = 0;
    const checkpointer = startWalCheckpointer(file, { onEnded: () => ended++ });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await checkpointer.stop();
    expect(ended).toBe(0);
  });
});
