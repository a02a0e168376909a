/**
 * The mail server goes down for a while under a steady write load, then comes back.
 *
 * People must not notice the outage: every write answers as usual (e-mail is never sent inside a
 * request, it waits in the transactional outbox). The worker notices: its sends fail at the
 * connection, and each failed e-mail is put back with a backoff (30 s × a random 0.5–1 for the
 * first retry, src/workers/outbox-worker.ts) instead of being retried in a loop. Once the server
 * is back, every e-mail arrives exactly once, counted by Message-ID at the SMTP sink: nothing lost,
 * nothing doubled. (No process dies here, so there is no at-least-once window as in
 * crash-recovery.test.ts: "exactly once" is what the design promises and what is asserted.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { Ledger, missingFromDatabase, outboxRows, readDatabase, signInCast, sleep, SmtpSink, startLoad, waitFor, waitForOutboxDrained, type Cast, type OutboxRow } from './support.js';

/** The shortest first retry: 30 s × 0.5 (retryDelayMs in src/workers/outbox-worker.ts). */
const shortestFirstRetryMs = 15_000;

let server: ServerProcess;
let dbFile: string;
let cast: Cast;
const sink = new SmtpSink();
const ledger = new Ledger();

function context(): string {
  return `${ledger.summary()}\n--- server output ---\n${server.output().slice(-4000)}`;
}

beforeAll(async () => {
  await sink.start();
  server = await startServerProcess({ env: { SMTP_URL: sink.url, TRUST_PROXY: 'true', INQUIRIES_PER_DAY: '1000', LOG_LEVEL: 'error' } });
  dbFile = `${server.dataDir}/konsult.sqlite`;
  cast = await signInCast(server.baseUrl, dbFile);
});

afterAll(async () => {
  await server?.stop();
  await sink.stop();
});

describe('the SMTP server down for a while under load', () => {
  it('takes every write as usual, backs off, and delivers each e-mail exactly once when the server is back', async () => {
    const load = startLoad(cast, ledger, 'smtp');
    try {
      await waitFor('e-mail to flow before the outage', 30_000, () => (sink.received.length >= 5 ? true : undefined));

      // Down: new connections are refused (the conversations in progress finish first).
      await sink.stop();
      const writesBefore = ledger.total;
      const failed = await waitFor('sends to fail while the server is down', 30_000, () => {
        const rows = readDatabase(dbFile, outboxRows).filter((row) => row.status === 'pending' && row.last_error !== null);
        return rows.length >= 5 && ledger.total - writesBefore >= 5 ? rows : undefined;
      });

      // Each failure was put back for later, not retried at once: its next try is at least the
      // shortest backoff after the e-mail was even written (it failed later than that).
      const tooSoon = failed.filter((row) => Date.parse(row.next_attempt_at) - Date.parse(row.created_at) < shortestFirstRetryMs);
      expect(tooSoon.map((row) => `${row.id}: created ${row.created_at}, next try ${row.next_attempt_at}`)).toEqual([]);
      // Tried once: refused at the connection (those caught as the server went were reset, or told
      // 421 "shutting down"; a pass sends four at a time, so of five at least one met the refusal).
      expect(failed.every((row) => row.attempts === 1), JSON.stringify(failed.slice(0, 3))).toBe(true);
      expect(failed.map((row) => row.last_error).filter((error) => /ECONNREFUSED/.test(error ?? '')).length, JSON.stringify(failed.slice(0, 5))).toBeGreaterThan(0);

      await sink.start(); // back, on the same port
      const writesDuringOutage = ledger.total - writesBefore;
      expect(writesDuringOutage, 'writes answered while the mail server was down').toBeGreaterThanOrEqual(5);
      await sleep(2_000);
      await load.stop();
      expect(ledger.unexpected, context()).toEqual([]);

      // Everything goes out once the backoff has passed.
      // Up to two backoffs (30 s, then 1 min, jittered) if a send met the server still starting.
      const rows = await waitForOutboxDrained(dbFile, { stallMs: 150_000 });
      await sink.settled();
      expect(rows.filter((row) => row.status !== 'sent').map((row) => `${row.id} ${row.status} ${row.last_error ?? ''}`)).toEqual([]);

      const counts = sink.countsByMessageId();
      const notOnce = rows.filter((row) => counts.get(row.message_id) !== 1).map((row) => `${row.id} ${row.message_id}: ${counts.get(row.message_id) ?? 0}`);
      expect(notOnce, 'e-mails that did not arrive exactly once').toEqual([]);
      expect(sink.received).toHaveLength(rows.length);

      // The ones that failed were tried exactly twice: once into the outage, once after the backoff.
      const byId = new Map(rows.map((row) => [row.id, row]));
      const retried = failed.map((row) => byId.get(row.id)!).map((row: OutboxRow) => ({ id: row.id, attempts: row.attempts, lastError: row.last_error }));
      expect(retried).toEqual(failed.map((row) => ({ id: row.id, attempts: 2, lastError: null })));

      expect(readDatabase(dbFile, (db) => missingFromDatabase(db, ledger))).toEqual([]);
    } finally {
      await load.stop();
    }
  });
});
