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
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { iso, systemClock } from '../src/adapters/clock.js';
import { createSmtpMailer } from '../src/adapters/mailer.js';
import type { DatabaseHandle, Db } from '../src/db/database.js';
import { createSession } from '../src/use-cases/sessions.js';
import { enqueueEmail } from '../src/use-cases/enqueue-email.js';
import { deliverDueEmails } from '../src/workers/outbox-worker.js';
import { startSmtpSink } from '../test/support/smtp-sink.js';
import { forEachEngine, insertInBatches, measure, printTable, seededRandom, startBenchServer, type ResultRow } from './support.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 10);

const counts = { users: 1_000, conversations: 2_000, messages: 100_000, notices: 50_000, emails: 2_000 };
/** The busiest user: in 500 conversations, with 1 000 notices (1 500 items, 75 pages of 20). */
const busy = { conversations: 500, notices: 1_000, threadMessages: 2_000 };

const results: ResultRow[] = [];

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

async function benchEngine(engine: string, database: DatabaseHandle, dataDir: string): Promise<void> {
  const seedStarted = performance.now();
  const { busyUserId, threadId } = await seed(database.db);
  // PostgreSQL's autovacuum would analyse after a bulk load like this; do it now rather than wait.
  if (database.engine === 'postgres') await sql`analyze`.execute(database.db);
  const seedMs = performance.now() - seedStarted;
  results.push({ engine, what: 'seed (100k messages, 50k notices)', note: `${(seedMs / 1000).toFixed(1)} s` });

  const server = await startBenchServer(database, dataDir);
  try {
    const sessionId = await createSession(database.db, server.deps, { userId: busyUserId, ip: null, userAgent: 'bench' });
    const cookie = `konsult_sid=${sessionId}`;
    const routes = ['/mailbox', '/mailbox?page=50', `/mailbox/conversations/${threadId}`];
    for (const route of routes) {
      const first = await fetch(server.base + route, { headers: { cookie }, redirect: 'manual' });
      const html = await first.text();
      if (first.status !== 200) throw new Error(`${route} answered ${first.status}`);
      if (route === '/mailbox?page=50' && !html.includes('mailbox-item')) throw new Error('page 50 of the mailbox is empty');
      results.push(
        await measure(engine, `GET ${route.replace(String(threadId), '<id>')}`, server.base + route, {
          cookie,
          connections,
          seconds,
          note: `${Math.round(html.length / 1024)} KB page`,
        }),
      );
    }
  } finally {
    await server.close();
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

console.log(`Seeding and measuring (${seconds} s per route, ${connections} connections)…`);
await forEachEngine('mailbox', benchEngine);
printTable(results);
