/**
 * Mailbox and outbox figures on a big database.
 *
 * Seeds 100 000 messages in 2 000 conversations and 50 000 notices for 1 000 users into a
 * fresh SQLite file (and into a fresh schema on PostgreSQL when BENCH_DATABASE_URL is set, e.g.
 * postgres://postgres@127.0.0.1:5432/test), then measures
 *   (a) page latency through the real server (buildApp + listen on 127.0.0.1, keep-alive fetch
 *       loops) for the busiest user: GET /mailbox, /mailbox?page=50 and a long thread;
 *   (b) outbox throughput: 2 000 queued e-mails delivered by deliverDueEmails to a local SMTP
 *       server (the tests' sink, which like many real servers pauses 100 ms before its greeting).
 *
 * Usage: npm run bench:mailbox   (BENCH_SECONDS=10 per route, BENCH_CONNECTIONS=10)
 * Not part of CI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import { sql } from 'kysely';
import { iso, systemClock } from '../src/adapters/clock.js';
import { createSmtpMailer } from '../src/adapters/mailer.js';
import { randomToken } from '../src/adapters/tokens.js';
import { loadConfig } from '../src/config.js';
import { buildContainer } from '../src/container.js';
import { openDatabase, type DatabaseHandle, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { buildApp } from '../src/http/app.js';
import { createSession } from '../src/use-cases/sessions.js';
import { enqueueEmail } from '../src/use-cases/enqueue-email.js';
import { deliverDueEmails } from '../src/workers/outbox-worker.js';
import { startSmtpSink } from '../test/support/smtp-sink.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 10);

const counts = { users: 1_000, conversations: 2_000, messages: 100_000, notices: 50_000, emails: 2_000 };
/** The busiest user: in 500 conversations, with 1 000 notices (1 500 items, 75 pages of 20). */
const busy = { conversations: 500, notices: 1_000, threadMessages: 2_000 };

type Row = { engine: string; what: string; requests?: number; rps?: number; p50?: number; p99?: number; note?: string };
const results: Row[] = [];

/** A small deterministic random source, so every run seeds the same data. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function insertInBatches<T extends Record<string, unknown>>(
  db: Db,
  table: 'users' | 'conversations' | 'conversation_members' | 'messages' | 'notices',
  rows: T[],
  batchSize = 1_000,
): Promise<void> {
  for (let i = 0; i < rows.length; i += batchSize) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one generic loader for five tables
    await db.insertInto(table).values(rows.slice(i, i + batchSize) as any).execute();
  }
}

/** Seeds the data set; returns the busiest user's id and their longest conversation. */
async function seed(db: Db): Promise<{ busyUserId: number; threadId: number }> {
  const random = seededRandom(2026);
  const pick = (n: number) => Math.floor(random() * n);
  const start = Date.parse('2025-11-01T08:00:00.000Z');
  const at = (ms: number) => new Date(start + ms).toISOString();
  const now = iso(new Date(start));

  return db.transaction().execute(async (trx) => {
    await insertInBatches(
      trx,
      'users',
      Array.from({ length: counts.users }, (_, i) => ({
        email: `bench${i + 1}@example.ee`,
        email_verified_at: now,
        name: i === 0 ? 'Koormatud Ekspert' : `Kasutaja ${i + 1}`,
        phone: null,
        password_hash: 'not-a-login-account',
        locale: i % 5 === 0 ? 'en' : 'et',
        created_at: now,
        updated_at: now,
        blocked_at: null,
      })),
    );
    const userIds = (await trx.selectFrom('users').select('id').orderBy('id').execute()).map((r) => r.id);
    const busyUserId = userIds[0]!;

    await insertInBatches(
      trx,
      'conversations',
      Array.from({ length: counts.conversations }, (_, i) => ({
        subject: `Küsimus nr ${i + 1}: lepingu tingimused ja tähtajad`,
        context_type: null,
        context_id: null,
        created_at: now,
        last_message_at: now,
      })),
    );
    const conversationIds = (await trx.selectFrom('conversations').select('id').orderBy('id').execute()).map((r) => r.id);
    const members = conversationIds.map((id, i) => {
      const first = i < busy.conversations ? busyUserId : userIds[1 + pick(userIds.length - 1)]!;
      let second = userIds[1 + pick(userIds.length - 1)]!;
      while (second === first) second = userIds[1 + pick(userIds.length - 1)]!;
      return { id, users: [first, second] as const };
    });

    // Messages: a long thread for the busy user, the rest spread over every conversation.
    const lastAt = new Map<number, number>();
    let clockMs = 0;
    const messages = Array.from({ length: counts.messages }, (_, i) => {
      const member = i < busy.threadMessages ? members[0]! : members[pick(members.length)]!;
      clockMs += 1 + pick(300_000);
      lastAt.set(member.id, clockMs);
      return {
        conversation_id: member.id,
        sender_id: member.users[pick(2)]!,
        body: `Sõnum ${i + 1}. Tere! Vaatasin dokumendid üle ja mul on paar küsimust tähtaegade kohta. ${'Lisainfo. '.repeat(pick(20))}`,
        created_at: at(clockMs),
      };
    });
    await insertInBatches(trx, 'messages', messages);

    await insertInBatches(
      trx,
      'conversation_members',
      members.flatMap(({ id, users }) =>
        users.map((userId) => ({
          conversation_id: id,
          user_id: userId,
          unread_count: pick(4) === 0 ? 1 + pick(3) : 0,
          last_activity_at: at(lastAt.get(id) ?? 0),
          joined_at: now,
        })),
      ),
    );
    for (const [id, ms] of lastAt) {
      await trx.updateTable('conversations').set({ last_message_at: at(ms) }).where('id', '=', id).execute();
    }

    await insertInBatches(
      trx,
      'notices',
      Array.from({ length: counts.notices }, (_, i) => {
        const isEmailChange = pick(3) === 0;
        return {
          user_id: i < busy.notices ? busyUserId : userIds[1 + pick(userIds.length - 1)]!,
          kind: isEmailChange ? 'emailChanged' : 'passwordChanged',
          params: isEmailChange ? JSON.stringify({ email: `uus${i}@example.ee` }) : '{}',
          link: '/account',
          created_at: at(pick(clockMs)),
          read_at: pick(2) === 0 ? now : null,
        };
      }),
    );
    return { busyUserId, threadId: members[0]!.id };
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `connections` keep-alive fetch loops on one URL for `seconds`; latency of every answer. */
async function load(url: string, cookie: string, durationMs: number): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        const response = await fetch(url, { headers: { cookie }, redirect: 'manual' });
        await response.arrayBuffer();
        latencies.push(performance.now() - started);
        if (response.status !== 200) errors += 1;
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), errors };
}

async function benchEngine(engine: string, database: DatabaseHandle, dataDir: string): Promise<void> {
  const seedStarted = performance.now();
  const { busyUserId, threadId } = await seed(database.db);
  // PostgreSQL's autovacuum would analyse after a bulk load like this; do it now rather than wait.
  if (database.engine === 'postgres') await sql`analyze`.execute(database.db);
  const seedMs = performance.now() - seedStarted;
  results.push({ engine, what: 'seed (100k messages, 50k notices)', note: `${(seedMs / 1000).toFixed(1)} s` });

  const config = loadConfig({
    NODE_ENV: 'production',
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-01',
    PUBLIC_URL: 'http://127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  });
  const container = buildContainer(config, { database, logger: pino({ level: 'silent' }) });
  const app = await buildApp({ config, deps: container.deps, secret: container.secret, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const sessionId = await createSession(database.db, container.deps, { userId: busyUserId, ip: null, userAgent: 'bench' });
    const cookie = `konsult_sid=${sessionId}`;
    const routes = ['/mailbox', '/mailbox?page=50', `/mailbox/conversations/${threadId}`];
    for (const route of routes) {
      const first = await fetch(base + route, { headers: { cookie }, redirect: 'manual' });
      const html = await first.text();
      if (first.status !== 200) throw new Error(`${route} answered ${first.status}`);
      if (route === '/mailbox?page=50' && !html.includes('mailbox-item')) throw new Error('page 50 of the mailbox is empty');
      await load(base + route, cookie, 1_000); // warm-up
      const { latencies, errors } = await load(base + route, cookie, seconds * 1_000);
      results.push({
        engine,
        what: `GET ${route.replace(String(threadId), '<id>')}`,
        requests: latencies.length,
        rps: latencies.length / seconds,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        note: errors ? `${errors} non-200 answers` : `${Math.round(html.length / 1024)} KB page`,
      });
    }
  } finally {
    await app.close();
  }

  // (b) the outbox: 2 000 queued e-mails, one worker, default batch and concurrency.
  const sink = await startSmtpSink();
  const mailer = createSmtpMailer(sink.url, 'Konsult <noreply@konsult.localhost>');
  try {
    const deps = { clock: systemClock, publicUrl: 'http://127.0.0.1', mail: { from: 'Konsult <noreply@konsult.localhost>', deliverBySmtp: true } };
    for (let i = 0; i < counts.emails; i += 500) {
      await database.db.transaction().execute(async (trx) => {
        for (let j = i; j < Math.min(counts.emails, i + 500); j += 1) {
          await enqueueEmail(trx, deps, { address: `saaja${j}@example.ee`, name: `Saaja ${j}` }, {
            subject: `Uus sõnum: küsimus nr ${j}`,
            text: 'Teile on portaalis uus sõnum.',
            html: '<p>Teile on portaalis uus sõnum.</p>',
          });
        }
      });
    }
    const started = performance.now();
    let sent = 0;
    while (sent < counts.emails) {
      const n = await deliverDueEmails(database.db, systemClock, mailer);
      if (n === 0) throw new Error(`delivery stalled after ${sent} e-mails`);
      sent += n;
    }
    const ms = performance.now() - started;
    const distinct = new Set(sink.received.map((mail) => mail.messageId)).size;
    results.push({
      engine,
      what: `outbox: ${counts.emails} e-mails, 1 worker`,
      rps: counts.emails / (ms / 1000),
      note: `${(ms / 1000).toFixed(1)} s, ${distinct} distinct Message-IDs received`,
    });
  } finally {
    mailer.close();
    await sink.close();
  }
}

function printTable(): void {
  const header = ['database', 'measure', 'requests', 'req/s or e-mails/s', 'p50 ms', 'p99 ms', 'note'];
  const lines = results.map((r) => [
    r.engine,
    r.what,
    r.requests === undefined ? '' : String(r.requests),
    r.rps === undefined ? '' : r.rps.toFixed(1),
    r.p50 === undefined ? '' : r.p50.toFixed(1),
    r.p99 === undefined ? '' : r.p99.toFixed(1),
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'konsult-bench-mailbox-'));
try {
  console.log(`Seeding and measuring (${seconds} s per route, ${connections} connections)…`);
  const sqlite = openDatabase(`sqlite:${path.join(dataDir, 'bench.sqlite')}`);
  try {
    await migrateToLatest(sqlite.db);
    await benchEngine('sqlite', sqlite, dataDir);
  } finally {
    await sqlite.destroy();
  }

  const postgresUrl = process.env['BENCH_DATABASE_URL'];
  if (postgresUrl) {
    const schema = `bench_${randomToken(6).toLowerCase().replace(/[^a-z0-9]/g, '')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const postgres = openDatabase(postgresUrl, { schema, poolSize: 10 });
    try {
      await migrateToLatest(postgres.db, { schema });
      await benchEngine('postgres', postgres, dataDir);
    } finally {
      await postgres.destroy();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  }
  printTable();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
