/**
 * The portal's overall performance figures (issue 9), side by side with a bare server.
 *
 * Seeds one data set through the real migrations — 10 000 experts, 40 000 customers, 200 000
 * inquiries with their invitations and offers (`seedMarketplace`, as bench:inquiries), and
 * 1 000 000 messages in the threads between customers and experts (every won invitation and
 * every question thread has one; the busiest expert has a long one) — then starts the real
 * server as production runs it (`node dist/src/server.js`, its own process, no worker) and a
 * bare `node:http` server (bench/baseline.ts, its own process) that answers with the very bytes
 * the portal sent for each page, from memory. The same load generator (keep-alive sockets on
 * loopback, `loadRaw`, warmed up on the sockets it then measures on: decision 020), with the same
 * connections, measures throughput and p50/p99 of
 *   - the directory (all experts, one field) and a public profile, anonymously (served from memory
 *     for PUBLIC_PAGE_CACHE_SECONDS, decision 014), and the field page and profile signed in (rendered);
 *   - My menu of the busiest expert (given 12 new and 12 opened invitations on top of what the seed
 *     gave them, so that the menu shows its full 10 + 10 rows on both data sets: `seedOpenWork`),
 *     an inquiry's page as its customer and as an invited expert,
 *     the busiest expert's mailbox and their long thread, with real sessions: each the visitor's own
 *     page, kept for them while the database is unchanged (decision 024), and then, from a second
 *     portal started with PRIVATE_PAGE_CACHE_SECONDS=0, drawn for every request (what each costs
 *     whenever anything has been written since: printed, no target of its own);
 *   - creating an inquiry (POST /inquiries, multipart, to 5 experts), making an offer and
 *     ordering one (sandbox provider), with real sessions and CSRF tokens taken from pages;
 * against the portal and then against the bare server, and prints portal/bare per page. Then
 * the same reads on a second database holding 1/BENCH_SCALE of the data (full/tenth per page:
 * the cost should not grow with the data). Also: cold start (spawn to the first 200) and the
 * server's RSS under load. SQLite always; PostgreSQL too when BENCH_DATABASE_URL is set.
 * Prints one table of every figure, then the targets and whether each is met.
 *
 * Usage: npm run bench   (builds first; BENCH_SECONDS=5 per measure, BENCH_CONNECTIONS=50,
 *        BENCH_EXPERTS=10000, BENCH_INQUIRIES=200000, BENCH_MESSAGES=1000000, BENCH_SCALE=10
 *        (0: no second database), BENCH_WRITE_POOL (open inquiries prepared for the writes),
 *        BENCH_LOG_LEVEL=warn (the server's), BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test,
 *        BENCH_ENGINES=sqlite,postgres (which of them), BENCH_ONLY=my,mailbox (only these measures, by key:
 *        healthz directory field profile field-signed-in profile-signed-in my inquiry-customer inquiry-expert
 *        mailbox thread create offer order), BENCH_NODE_OPTIONS (the servers' node flags, the portal's
 *        and the bare server's alike, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" for CPU profiles of
 *        the measures chosen))
 * A small run: BENCH_EXPERTS=1000 BENCH_INQUIRIES=20000 BENCH_MESSAGES=100000 BENCH_SECONDS=2 npm run bench
 * Not part of CI.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { systemClock } from '../src/adapters/clock.js';
import { randomToken } from '../src/adapters/tokens.js';
import { openDatabase, type DatabaseHandle, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { tallinnDayOf } from '../src/domain/calendar.js';
import { translator } from '../src/i18n/index.js';
import { createSession } from '../src/use-cases/sessions.js';
import {
  encodeRequest,
  insertInBatches,
  marketplaceTopics,
  measureRaw,
  printGrid,
  printTable,
  seedMarketplace,
  seededRandom,
  sendOnce,
  type Marketplace,
  type RawResponse,
  type RequestSpec,
  type ResultRow,
} from './support.js';

const numberFromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0`);
  return value;
};
const seconds = numberFromEnv('BENCH_SECONDS', 5);
const connections = numberFromEnv('BENCH_CONNECTIONS', 50);
const expertCount = numberFromEnv('BENCH_EXPERTS', 10_000);
const inquiryCount = numberFromEnv('BENCH_INQUIRIES', 200_000);
const messageCount = numberFromEnv('BENCH_MESSAGES', 1_000_000);
/** The second database holds 1/scale of the data; 0 or 1: no second database. */
const scale = numberFromEnv('BENCH_SCALE', 10);
/** Open inquiries prepared for the offer and order writes (each write uses one up), and so the inquiries created (25 per customer). */
const writePoolSize = numberFromEnv('BENCH_WRITE_POOL', Math.max(2_000, Math.round(1_500 * (seconds + 1))));
const logLevel = process.env['BENCH_LOG_LEVEL'] ?? 'warn';
const postgresUrl = process.env['BENCH_DATABASE_URL'];
const listFromEnv = (name: string): string[] | undefined =>
  process.env[name]
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const onlyKeys = listFromEnv('BENCH_ONLY');
const isChosen = (key: string) => !onlyKeys || onlyKeys.includes(key);
const engines = (listFromEnv('BENCH_ENGINES') ?? (postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'])).map((engine) => {
  if (engine !== 'sqlite' && engine !== 'postgres') throw new Error(`BENCH_ENGINES: unknown engine "${engine}"`);
  if (engine === 'postgres' && !postgresUrl) throw new Error('BENCH_ENGINES names postgres: set BENCH_DATABASE_URL too');
  return engine;
});
const serverNodeOptions = process.env['BENCH_NODE_OPTIONS']?.split(' ').filter(Boolean) ?? [];

const targets = { signedIn: 0.25, publicPage: 0.6, p99Ms: 50, fullToTenth: 0.7 };
/** Inquiries one customer sends in the write test before the next takes over (the daily limit is 30). */
const inquiriesPerCustomer = 25;
/** New and waiting invitations added for the expert whose My menu is measured (the menu shows 10 of each). */
const openWorkEach = 12;
const sessionDeps = { clock: systemClock, session: { idleMs: 2 * 3_600_000, absoluteMs: 168 * 3_600_000 } };
const dayMs = 86_400_000;
const hourMs = 3_600_000;

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(benchDir, '..');
const serverScript = path.join(projectRoot, 'dist', 'src', 'server.js');

// ---- databases ----

type BenchDatabase = {
  engine: 'sqlite' | 'postgres';
  handle: DatabaseHandle;
  /** The DATABASE_URL the server is started with. */
  url: string;
  drop(): Promise<void>;
};

async function createDatabase(engine: 'sqlite' | 'postgres', label: string, dataDir: string): Promise<BenchDatabase> {
  if (engine === 'sqlite') {
    const file = path.join(dataDir, `${label}.sqlite`);
    const handle = openDatabase(`sqlite:${file}`);
    await migrateToLatest(handle.db);
    return {
      engine,
      handle,
      url: `sqlite:${file}`,
      drop: async () => {
        await handle.destroy();
        for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
      },
    };
  }
  const schema = `bench_${label}_${randomToken(6).toLowerCase().replace(/[^a-z0-9]/g, '')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const handle = openDatabase(postgresUrl!, { schema, poolSize: 10 });
  await migrateToLatest(handle.db, { schema });
  // The server gets the schema the way any client can: as a connection option in the URL.
  const url = `${postgresUrl}${postgresUrl!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    engine,
    handle,
    url,
    drop: async () => {
      await handle.destroy();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

// ---- the data set ----

type Counts = { experts: number; inquiries: number; messages: number };

type Dataset = {
  marketplace: Marketplace;
  busiestExpert: { id: number; invitations: number };
  /** An open inquiry with the most offers, its customer and an invited expert who offered. */
  inquiry: { id: number; customerId: number; expertId: number; invitations: number; offers: number };
  mailbox: { userId: number; threadId: number; threadMessages: number; conversations: number };
  fieldId: number;
  conversations: number;
  messages: number;
  pool?: WritePool;
};

type WritePool = {
  offers: { inquiryId: number; expertId: number }[];
  orders: { inquiryId: number; customerId: number; offerId: number }[];
  /** Customers who create inquiries in the write test (none of them has any yet). */
  creators: number[];
  fieldId: number;
};

async function lastId(db: Db, table: 'inquiries' | 'invitations' | 'offers' | 'conversations'): Promise<number> {
  return Number((await db.selectFrom(table).select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0);
}

async function idsAfter(db: Db, table: 'inquiries' | 'invitations' | 'offers' | 'conversations', after: number): Promise<number[]> {
  return (await db.selectFrom(table).select('id').where('id', '>', after).orderBy('id').execute()).map((r) => r.id);
}

/**
 * The threads between customers and experts: one per won invitation (the order's thread) and per
 * invitation with a question, `messages` in all. The busiest expert's first thread is long
 * (`longThread` messages); the others' lengths are drawn from an exponential distribution.
 */
async function seedConversations(
  db: Db,
  options: { messages: number; longThread: number; busiestExpertId: number; seed: number },
): Promise<{ conversations: number; messages: number; longThreadId: number | undefined; longThreadUserId: number | undefined; longThread: number }> {
  const random = seededRandom(options.seed);
  const pick = (n: number) => Math.floor(random() * n);
  const nowMs = Date.now();
  const alias = translator('et')('inquiries.customerAlias');
  let candidates = await db
    .selectFrom('invitations as i')
    .innerJoin('inquiries as q', 'q.id', 'i.inquiry_id')
    .select(['i.id', 'i.expert_id', 'i.status', 'i.created_at', 'i.updated_at', 'q.customer_id', 'q.title'])
    .where((eb) => eb.or([eb('i.status', '=', 'won'), eb('i.question_state', '!=', 'none')]))
    .orderBy('i.id')
    .execute();
  if (candidates.length === 0 || options.messages === 0) return { conversations: 0, messages: 0, longThreadId: undefined, longThreadUserId: undefined, longThread: 0 };
  // The long thread: the busiest expert's first, or else the first of all.
  const long = candidates[Math.max(0, candidates.findIndex((c) => c.expert_id === options.busiestExpertId))]!;
  const longThread = Math.min(options.longThread, options.messages);
  let rest = options.messages - longThread;
  // Fewer messages than threads: fewer threads.
  if (rest < candidates.length - 1) candidates = [long, ...candidates.filter((c) => c !== long).slice(0, rest)];
  const longAt = candidates.indexOf(long);
  const mean = candidates.length > 1 ? rest / (candidates.length - 1) : 0;
  const lengths = candidates.map((_, i) => (i === longAt ? longThread : 1 + Math.floor(-Math.log(1 - random()) * Math.max(0, mean - 1))));
  rest -= lengths.reduce((sum, n, i) => (i === longAt ? sum : sum + n), 0);
  // Bring the total to exactly `messages`.
  while (rest !== 0 && candidates.length > 1) {
    const i = pick(candidates.length);
    if (i === longAt) continue;
    if (rest > 0) {
      lengths[i]! += 1;
      rest -= 1;
    } else if (lengths[i]! > 1) {
      lengths[i]! -= 1;
      rest += 1;
    }
  }

  return db.transaction().execute(async (trx) => {
    let messages = 0;
    let longThreadId: number | undefined;
    const chunk = 1_000;
    for (let start = 0; start < candidates.length; start += chunk) {
      const slice = candidates.slice(start, start + chunk);
      // Each thread's messages, evenly spread (with jitter) from its start to at most now.
      const times = slice.map((c, k) => {
        const n = lengths[start + k]!;
        const startMs = Date.parse(c.status === 'won' ? c.updated_at : c.created_at) + hourMs;
        const endMs = Math.max(startMs + n * 60_000, Math.min(nowMs - 60_000, startMs + n * 2 * hourMs));
        const step = (endMs - startMs) / n;
        return Array.from({ length: n }, (_, m) => startMs + Math.floor(step * m + random() * step * 0.9));
      });
      const before = await lastId(trx, 'conversations');
      await insertInBatches(
        trx,
        'conversations',
        slice.map((c, k) => ({
          subject: c.title,
          context_type: 'invitation',
          context_id: c.id,
          created_at: new Date(times[k]![0]!).toISOString(),
          last_message_at: new Date(times[k]!.at(-1)!).toISOString(),
        })),
      );
      const ids = await idsAfter(trx, 'conversations', before);
      if (start <= longAt && longAt < start + chunk) longThreadId = ids[longAt - start];
      await insertInBatches(
        trx,
        'conversation_members',
        slice.flatMap((c, k) => {
          const last = new Date(times[k]!.at(-1)!).toISOString();
          const joined = new Date(times[k]![0]!).toISOString();
          return [
            { conversation_id: ids[k]!, user_id: c.expert_id, unread_count: pick(4) === 0 ? 1 + pick(3) : 0, last_activity_at: last, joined_at: joined, shown_as: null },
            // Until an order is paid the expert sees the customer only as "the customer".
            { conversation_id: ids[k]!, user_id: c.customer_id, unread_count: pick(4) === 0 ? 1 + pick(3) : 0, last_activity_at: last, joined_at: joined, shown_as: c.status === 'won' ? null : alias },
          ];
        }),
      );
      const rows: Record<string, unknown>[] = [];
      slice.forEach((c, k) => {
        for (const [m, ms] of times[k]!.entries()) {
          rows.push({
            conversation_id: ids[k]!,
            sender_id: m === 0 || random() < 0.5 ? c.expert_id : c.customer_id,
            body: `Sõnum ${m + 1}. Tere! Vaatasin dokumendid üle ja mul on paar küsimust tähtaegade kohta. ${'Lisainfo. '.repeat(pick(20))}`,
            created_at: new Date(ms).toISOString(),
          });
        }
      });
      await insertInBatches(trx, 'messages', rows, 2_000);
      messages += rows.length;
    }
    // Each invitation points at its thread.
    await trx
      .updateTable('invitations')
      .set((eb) => ({
        conversation_id: eb
          .selectFrom('conversations')
          .select('conversations.id')
          .where('conversations.context_type', '=', 'invitation')
          .whereRef('conversations.context_id', '=', 'invitations.id'),
      }))
      .where('id', 'in', (eb) => eb.selectFrom('conversations').select('context_id').where('context_type', '=', 'invitation').where('context_id', 'is not', null).$narrowType<{ context_id: number }>())
      .execute();
    return { conversations: candidates.length, messages, longThreadId, longThreadUserId: long.expert_id, longThread };
  });
}

/**
 * Open inquiries for the write test, each sent to one writer expert (who makes an offer on it)
 * and two others who have offered already (the customer orders one of theirs).
 */
/** Open inquiries in a field, ten days before their deadline; returns their ids. */
async function insertOpenInquiries(trx: Db, plan: { count: number; fieldId: number; customers: number[]; title: string; at: string; deadline: string }): Promise<number[]> {
  const inquiriesBefore = await lastId(trx, 'inquiries');
  await insertInBatches(
    trx,
    'inquiries',
    Array.from({ length: plan.count }, (_, j) => ({
      customer_id: plan.customers[j % plan.customers.length]!,
      kind: 'consultation',
      is_general: 0,
      field_id: plan.fieldId,
      document_type_id: null,
      purpose: null,
      title: `${plan.title} nr ${j + 1}`,
      description: 'Kirjeldus sellest, mis juhtus, ja millised dokumendid mul on. '.repeat(4),
      language: 'et',
      status: 'open',
      deadline_at: plan.deadline,
      wished_by: null,
      triaged_by: null,
      triaged_at: null,
      triage_note: null,
      random_pool_size: null,
      created_at: plan.at,
      updated_at: plan.at,
      closed_at: null,
    })),
    500,
  );
  return idsAfter(trx, 'inquiries', inquiriesBefore);
}

/** An invitation as seeded: new, seen (opened, not answered) or offered. */
function invitationRow(inquiryId: number, expertId: number, status: 'new' | 'seen' | 'offered', at: string) {
  return {
    inquiry_id: inquiryId,
    expert_id: expertId,
    status,
    question_state: 'none',
    conversation_id: null,
    is_random: 0,
    decline_reason: null,
    decline_note: null,
    seen_at: status === 'new' ? null : at,
    responded_at: status === 'offered' ? at : null,
    reminded_at: null,
    created_at: at,
    updated_at: at,
  };
}

/**
 * Open work for the expert whose My menu is measured: `each` new invitations and `each` opened
 * ones waiting for them, on open inquiries of their own. With `each` above the menu's 10 rows a
 * part, the menu shows the same 10 + 10 rows on the full data and on its tenth, however much open
 * work the seed happened to give them: the two figures then compare the same page.
 */
async function seedOpenWork(db: Db, plan: { expertId: number; fieldId: number; customers: number[]; each: number }): Promise<void> {
  const nowMs = Date.now();
  const at = new Date(nowMs - hourMs).toISOString();
  const deadline = new Date(nowMs + 10 * dayMs).toISOString();
  await db.transaction().execute(async (trx) => {
    const inquiryIds = await insertOpenInquiries(trx, { count: 2 * plan.each, fieldId: plan.fieldId, customers: plan.customers, title: 'Koormustest: vajan nõu (eksperdi töölaual)', at, deadline });
    await insertInBatches(
      trx,
      'invitations',
      inquiryIds.map((id, j) => invitationRow(id, plan.expertId, j < plan.each ? 'new' : 'seen', at)),
    );
  });
}

async function seedWritePool(db: Db, plan: { size: number; fieldId: number; writers: number[]; orderers: number[]; competitors: [number, number] }): Promise<Pick<WritePool, 'offers' | 'orders'>> {
  const nowMs = Date.now();
  const at = new Date(nowMs - hourMs).toISOString();
  const deadline = new Date(nowMs + 10 * dayMs).toISOString();
  return db.transaction().execute(async (trx) => {
    const inquiryIds = await insertOpenInquiries(trx, { count: plan.size, fieldId: plan.fieldId, customers: plan.orderers, title: 'Koormustest: vajan nõu (ootel)', at, deadline });
    const invitationsBefore = await lastId(trx, 'invitations');
    await insertInBatches(
      trx,
      'invitations',
      inquiryIds.flatMap((id, j) => [invitationRow(id, plan.writers[j % plan.writers.length]!, 'new', at), invitationRow(id, plan.competitors[0], 'offered', at), invitationRow(id, plan.competitors[1], 'offered', at)]),
    );
    const invitationIds = await idsAfter(trx, 'invitations', invitationsBefore);
    const offersBefore = await lastId(trx, 'offers');
    await insertInBatches(
      trx,
      'offers',
      inquiryIds.flatMap((id, j) =>
        [1, 2].map((k) => ({
          inquiry_id: id,
          invitation_id: invitationIds[3 * j + k]!,
          expert_id: plan.competitors[k - 1]!,
          status: 'active',
          price_cents: 100 * (80 + 10 * k),
          delivery_date: tallinnDayOf(new Date(nowMs + 20 * dayMs)),
          note: 'Sisaldab kirjalikku vastust.',
          valid_until: tallinnDayOf(new Date(Date.parse(deadline) - 1)),
          expires_at: deadline,
          created_at: at,
          updated_at: at,
        })),
      ),
    );
    const offerIds = await idsAfter(trx, 'offers', offersBefore);
    return {
      offers: inquiryIds.map((inquiryId, j) => ({ inquiryId, expertId: plan.writers[j % plan.writers.length]! })),
      orders: inquiryIds.map((inquiryId, j) => ({ inquiryId, customerId: plan.orderers[j % plan.orderers.length]!, offerId: offerIds[2 * j]! })),
    };
  });
}

/** How many kB of the page cache wait to be written to disk (Linux; 0 where unknown). */
function dirtyKb(): number {
  try {
    const line = readFileSync('/proc/meminfo', 'utf8').match(/^Dirty:\s+(\d+) kB/m);
    return line ? Number(line[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Waits until the bulk load is on disk: PostgreSQL's checkpoint (else it spreads the writes of
 * the load over minutes, during the measures) and the kernel's write-back of the files (some
 * hundred MB after the full data, written by the kernel's threads on the same two CPUs).
 * Production runs long after its data was written; a measure taken while the load is still being
 * written shows a busy machine, not the portal. Answers what it waited for, to print.
 */
async function settleWrites(db: Db, engine: BenchDatabase['engine']): Promise<string> {
  const started = performance.now();
  const dirtyBefore = dirtyKb();
  if (engine === 'postgres') await sql`checkpoint`.execute(db);
  execFileSync('sync');
  return `${(dirtyBefore / 1024).toFixed(0)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`;
}

async function seedDataset(engine: string, database: BenchDatabase, counts: Counts, label: string, withWritePool: boolean): Promise<Dataset> {
  const db = database.handle.db;
  const started = performance.now();
  const marketplace = await seedMarketplace(db, { experts: counts.experts, inquiries: counts.inquiries });
  const marketplaceMs = performance.now() - started;
  const [busiestId, busiestCounts] = [...marketplace.perExpert.entries()].sort((a, b) => b[1].all - a[1].all)[0]!;

  const messagesStarted = performance.now();
  const threads = await seedConversations(db, { messages: counts.messages, longThread: Math.max(20, Math.round(counts.messages / 500)), busiestExpertId: busiestId, seed: 2028 });
  const messagesMs = performance.now() - messagesStarted;
  const fieldId = marketplace.fieldIds[Math.min(6, marketplace.fieldIds.length - 1)]!;
  await seedOpenWork(db, { expertId: busiestId, fieldId, customers: marketplace.customerIds.slice(0, 24), each: openWorkEach });

  const open = await db
    .selectFrom('inquiries as q')
    .innerJoin('invitations as i', 'i.inquiry_id', 'q.id')
    .leftJoin('offers as o', 'o.invitation_id', 'i.id')
    .select(['q.id', 'q.customer_id'])
    .select((eb) => [eb.fn.countAll<number>().as('invitations'), eb.fn.count<number>('o.id').as('offers')])
    .where('q.status', '=', 'open')
    .groupBy(['q.id', 'q.customer_id'])
    .orderBy('offers', 'desc')
    .orderBy('invitations', 'desc')
    .orderBy('q.id')
    .executeTakeFirst();
  if (!open) throw new Error('no open inquiry was seeded: raise BENCH_INQUIRIES');
  const invited = await db
    .selectFrom('invitations')
    .select('expert_id')
    .where('inquiry_id', '=', open.id)
    .orderBy(sql`case when status = 'offered' then 0 else 1 end`)
    .orderBy('id')
    .executeTakeFirstOrThrow();

  // The mailbox of the user with the long thread (the busiest expert when they have threads).
  const mailboxUserId = threads.longThreadUserId ?? busiestId;
  const mailboxConversations = Number(
    (await db.selectFrom('conversation_members').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', mailboxUserId).executeTakeFirstOrThrow()).n,
  );
  if (threads.longThreadId === undefined) console.warn(`${engine} ${label}: no threads were seeded (BENCH_MESSAGES=0?): the thread page is measured on a missing thread`);

  const dataset: Dataset = {
    marketplace,
    busiestExpert: { id: busiestId, invitations: busiestCounts.all },
    inquiry: { id: open.id, customerId: open.customer_id, expertId: invited.expert_id, invitations: Number(open.invitations), offers: Number(open.offers) },
    mailbox: { userId: mailboxUserId, threadId: threads.longThreadId ?? 0, threadMessages: threads.longThread, conversations: mailboxConversations },
    fieldId,
    conversations: threads.conversations,
    messages: threads.messages,
  };

  if (withWritePool) {
    const reserved = new Set([busiestId, open.customer_id, invited.expert_id, mailboxUserId]);
    const experts = marketplace.expertIds.filter((id) => !reserved.has(id));
    const customers = marketplace.customerIds.filter((id) => !reserved.has(id));
    const writers = experts.slice(-Math.min(connections, 50, experts.length - 2));
    const competitors: [number, number] = [experts[0]!, experts[1]!];
    const orderers = customers.slice(-Math.min(connections, 50));
    const creators = customers.slice(0, -orderers.length).slice(-Math.ceil(writePoolSize / inquiriesPerCustomer) - 1);
    const pool = await seedWritePool(db, { size: writePoolSize, fieldId, writers, orderers, competitors });
    dataset.pool = { ...pool, creators, fieldId };
  }
  // PostgreSQL's autovacuum would vacuum and analyse after a bulk load like this: do it now, so
  // that it does not run during the measures. SQLite gets its write-ahead log folded back into
  // the file, and no ANALYZE (the portal never runs one).
  if (database.engine === 'postgres') await sql`vacuum (analyze)`.execute(db);
  else await sql`pragma wal_checkpoint(truncate)`.execute(db);
  const settled = await settleWrites(db, database.engine);
  results.push({
    engine,
    what: `${label}: seed ${counts.experts} experts, ${marketplace.customerIds.length} customers, ${counts.inquiries} inquiries, ${marketplace.invitations} invitations, ${marketplace.offers} offers, ${threads.conversations} threads, ${threads.messages} messages${withWritePool ? ` + write pool of ${writePoolSize} open inquiries` : ''}`,
    note: `${((performance.now() - started) / 1000).toFixed(1)} s (inquiries ${(marketplaceMs / 1000).toFixed(1)} s, messages ${(messagesMs / 1000).toFixed(1)} s, written to disk ${settled})`,
  });
  console.log(
    `${engine} ${label}: seeded in ${((performance.now() - started) / 1000).toFixed(1)} s; busiest expert ${busiestId} (${busiestCounts.all} invitations, + ${openWorkEach} new and ${openWorkEach} opened on open inquiries), ` +
      `inquiry ${open.id} (${dataset.inquiry.invitations} invitations, ${dataset.inquiry.offers} offers), mailbox of ${mailboxUserId} (${mailboxConversations} threads, the long one ${dataset.mailbox.threadMessages} messages)`,
  );
  return dataset;
}

// ---- processes ----

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function rssMb(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

/** The largest RSS of `pid` seen while sampling (every 100 ms). */
function rssSampler(pid: number): { stop(): number } {
  let max = rssMb(pid);
  const timer = setInterval(() => {
    max = Math.max(max, rssMb(pid));
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(max, rssMb(pid));
    },
  };
}

type Server = { base: string; pid: number; stop(): Promise<void> };

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** `node dist/src/server.js` as production runs it; resolves once /readyz answers 200. */
async function startPortal(database: BenchDatabase, dataDir: string, env: Record<string, string> = {}): Promise<Server & { readyMs: number; firstPageMs: number; readyRss: number }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serverDataDir = path.join(dataDir, 'server');
  mkdirSync(serverDataDir, { recursive: true });
  const started = performance.now();
  const child = spawn(process.execPath, [...serverNodeOptions, serverScript], {
    cwd: projectRoot,
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      PAYMENT_PROVIDER: 'sandbox',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: base,
      DATABASE_URL: database.url,
      DATA_DIR: serverDataDir,
      SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-01',
      LOG_LEVEL: logLevel,
      RUN_WORKER: 'false',
      SEED_DEMO: 'false',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the server exited with ${code} before it was ready`))));
  exited.catch(() => undefined);
  const ready = async () => {
    for (;;) {
      try {
        if ((await sendOnce(base, { method: 'GET', path: '/readyz' })).status === 200) return;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 60_000) throw new Error('the server was not ready in 60 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await Promise.race([ready(), exited]);
  const readyMs = performance.now() - started;
  const readyRss = rssMb(child.pid!);
  const first = await sendOnce(base, { method: 'GET', path: '/experts' });
  if (first.status !== 200) throw new Error(`GET /experts answered ${first.status}`);
  return { base, pid: child.pid!, readyMs, firstPageMs: performance.now() - started, readyRss, stop: () => stopChild(child) };
}

/** bench/baseline.ts in its own process, answering with `answers` (key → captured answer). */
async function startBaseline(answers: Map<string, RawResponse>, dataDir: string): Promise<Server> {
  const file = path.join(dataDir, 'baseline-answers.json');
  writeFileSync(file, JSON.stringify(Object.fromEntries([...answers].map(([key, a]) => [key, { status: a.status, headers: a.headers, body: a.body.toString('base64') }]))));
  const child = spawn(process.execPath, [...serverNodeOptions, '--import', 'tsx', path.join(benchDir, 'baseline.ts'), file], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the baseline server exited with ${code}`)));
    child.stdout!.once('data', (data: Buffer) => resolve((JSON.parse(data.toString().split('\n')[0]!) as { port: number }).port));
  });
  return { base: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChild(child) };
}

// ---- measuring ----

/** 'drawn': a visitor's own page with no kept copy (decision 024), for information: no target of its own. */
type Kind = 'probe' | 'public' | 'signed-in' | 'drawn' | 'write';
/** A page or write measured on both servers; `cpuUs`: the server process's CPU time per answer (µs), which other load on the machine hardly moves. */
type Pair = { engine: string; scale: 'full' | 'tenth'; key: string; label: string; kind: Kind; portal: ResultRow & { cpuUs: number }; bare: ResultRow & { cpuUs: number } };

const results: ResultRow[] = [];
const pairs: Pair[] = [];

/** A browser that came before: it has its anonymous CSRF cookie, so public pages set none. */
const anonymousCookie = `konsult_csrf=${'b'.repeat(22)}`;

async function signIn(db: Db, base: string, userId: number): Promise<{ cookie: string; csrf: string }> {
  const cookie = `konsult_sid=${await createSession(db, sessionDeps, { userId, ip: null, userAgent: 'bench' })}`;
  const page = await sendOnce(base, { method: 'GET', path: '/account', headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body.toString('utf8'))?.[1];
  if (page.status !== 200 || !csrf) throw new Error(`/account answered ${page.status} without a token for user ${userId}`);
  return { cookie, csrf };
}

/** Runs `step` over `items`, `width` at a time. */
async function inParallel<T, R>(items: T[], width: number, step: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await step(items[i]!);
      }
    }),
  );
  return out;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Measures `next` against the portal (with its CPU and RSS) and `bareNext` against the bare server; records both. */
async function comparePair(
  context: { engine: string; scale: 'full' | 'tenth'; portal: Server; bare: Server },
  page: { key: string; label: string; kind: Kind; note: string },
  portalNext: () => Buffer | undefined,
  bareNext: () => Buffer | undefined,
  isExpected: (status: number) => boolean,
  afterPortal?: () => Promise<string>,
): Promise<{ rss: number }> {
  const { engine, portal, bare } = context;
  const prefix = context.scale === 'full' ? 'full' : `1/${scale}`;
  const timed = async (server: Server, next: () => Buffer | undefined, what: string) => {
    // The CPU and memory of the measure, not of its warm-up (on the same connections).
    let cpuBefore = 0;
    let startedAt = 0;
    let rss: ReturnType<typeof rssSampler> | undefined;
    const onMeasureStart = () => {
      cpuBefore = cpuSeconds(server.pid);
      rss = rssSampler(server.pid);
      startedAt = performance.now();
    };
    const row = await measureRaw(engine, what, server.base, { connections, seconds, next, isExpected, warmupSeconds: 1, onMeasureStart, note: page.note });
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const cpu = cpuSeconds(server.pid) - cpuBefore;
    const maxRss = rss?.stop() ?? 0;
    const cpuUs = (cpu * 1e6) / Math.max(1, row.requests ?? 1);
    // The load average says whether anything else on the machine competed for the CPUs.
    const cpuNote = `server CPU ${Math.round((100 * cpu) / wallSeconds)} %, ${Math.round(cpuUs)} µs/request; load ${os.loadavg()[0]!.toFixed(1)}`;
    row.note = [row.note, cpuNote].filter(Boolean).join('; ');
    return { row: { ...row, cpuUs }, maxRss };
  };
  const portalRun = await timed(portal, portalNext, `${prefix}: ${page.label}`);
  if (afterPortal) portalRun.row.note = [portalRun.row.note, await afterPortal()].filter(Boolean).join('; ');
  const bareRun = await timed(bare, bareNext, `${prefix}: ${page.label} — bare node:http, same bytes`);
  bareRun.row.note = `${bareRun.row.note}; portal/bare ${percent((portalRun.row.rps ?? 0) / (bareRun.row.rps ?? 1))}`;
  results.push(portalRun.row, bareRun.row);
  pairs.push({ engine, scale: context.scale, key: page.key, label: page.label, kind: page.kind, portal: portalRun.row, bare: bareRun.row });
  return { rss: portalRun.maxRss };
}

const percent = (ratio: number) => `${Math.round(ratio * 100)} %`;

/** `isOwn`: the visitor's own page, kept for them while the database is unchanged (decision 024). */
type Page = { key: string; label: string; kind: Kind; spec: RequestSpec; isOwn?: boolean };

function pagesOf(dataset: Dataset, cookies: { busiest: string; customer: string; invited: string; mailbox: string }): Page[] {
  const get = (key: string, pathname: string, cookie: string): RequestSpec => ({ method: 'GET', path: pathname, headers: { cookie, 'x-bench-page': key } });
  const { inquiry, mailbox } = dataset;
  return [
    { key: 'healthz', label: 'GET /healthz (no session, no page: the framework alone)', kind: 'probe', spec: get('healthz', '/healthz', anonymousCookie) },
    { key: 'directory', label: 'directory: GET /experts', kind: 'public', spec: get('directory', '/experts', anonymousCookie) },
    { key: 'field', label: 'directory, one field: GET /experts?field=<id>', kind: 'public', spec: get('field', `/experts?field=${dataset.fieldId}`, anonymousCookie) },
    { key: 'profile', label: 'public profile: GET /experts/<id>', kind: 'public', spec: get('profile', `/experts/${dataset.busiestExpert.id}`, anonymousCookie) },
    // Signed in, the kept copy with the visitor's own header (decision 023).
    { key: 'field-signed-in', label: 'directory, one field, signed in: GET /experts?field=<id>', kind: 'signed-in', spec: get('field-signed-in', `/experts?field=${dataset.fieldId}`, cookies.customer) },
    { key: 'profile-signed-in', label: 'public profile, signed in: GET /experts/<id>', kind: 'signed-in', spec: get('profile-signed-in', `/experts/${dataset.busiestExpert.id}`, cookies.customer) },
    { key: 'my', label: 'My menu, busiest expert: GET /my', kind: 'signed-in', spec: get('my', '/my', cookies.busiest), isOwn: true },
    { key: 'inquiry-customer', label: "inquiry, customer's view: GET /inquiries/<id>", kind: 'signed-in', spec: get('inquiry-customer', `/inquiries/${inquiry.id}`, cookies.customer), isOwn: true },
    { key: 'inquiry-expert', label: "inquiry, invited expert's view: GET /inquiries/<id>", kind: 'signed-in', spec: get('inquiry-expert', `/inquiries/${inquiry.id}`, cookies.invited), isOwn: true },
    { key: 'mailbox', label: 'mailbox: GET /mailbox', kind: 'signed-in', spec: get('mailbox', '/mailbox', cookies.mailbox), isOwn: true },
    { key: 'thread', label: `long thread (${mailbox.threadMessages} messages): GET /mailbox/conversations/<id>`, kind: 'signed-in', spec: get('thread', `/mailbox/conversations/${mailbox.threadId}`, cookies.mailbox), isOwn: true },
  ];
}

function multipart(fields: [string, string][]): { body: Buffer; contentType: string } {
  const boundary = '----konsult-bench-7d1f0c';
  const text = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('') + `--${boundary}--\r\n`;
  return { body: Buffer.from(text, 'utf8'), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function countRows(db: Db): Promise<Record<'inquiries' | 'invitations' | 'offers' | 'orders' | 'notices' | 'outbox_emails', number>> {
  const count = async (table: 'inquiries' | 'invitations' | 'offers' | 'orders' | 'notices' | 'outbox_emails') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return {
    inquiries: await count('inquiries'),
    invitations: await count('invitations'),
    offers: await count('offers'),
    orders: await count('orders'),
    notices: await count('notices'),
    outbox_emails: await count('outbox_emails'),
  };
}

/** A write: the requests for the portal (each uses up one prepared item), and a fixed set the bare server gets round and round. */
type Write = { key: string; label: string; next: () => RequestSpec | undefined; replay: RequestSpec[]; effect: (before: Awaited<ReturnType<typeof countRows>>, after: Awaited<ReturnType<typeof countRows>>) => string };

async function prepareWrites(db: Db, base: string, pool: WritePool): Promise<Write[]> {
  const today = Date.now();
  const day = (days: number) => tallinnDayOf(new Date(today + days * dayMs));
  const random = seededRandom(7);

  // Create inquiry: customers take turns (25 each), choosing 5 of the experts the form offers.
  const creators = await inParallel(pool.creators, 8, (id) => signIn(db, base, id));
  const form = await sendOnce(base, { method: 'GET', path: `/inquiries/new?field=${pool.fieldId}`, headers: { cookie: creators[0]!.cookie } });
  const offered = [...form.body.toString('utf8').matchAll(/name="expertIds" value="(\d+)"/g)].map((m) => m[1]!);
  if (form.status !== 200 || offered.length < 5) throw new Error(`the inquiry form answered ${form.status} with ${offered.length} experts to choose from`);
  const deadline = day(7);
  const createSpec = (n: number): RequestSpec | undefined => {
    const writer = creators[Math.floor(n / inquiriesPerCustomer)];
    if (!writer) return undefined;
    const chosen = new Set<string>();
    while (chosen.size < 5) chosen.add(offered[Math.floor(random() * offered.length)]!);
    const { body, contentType } = multipart([
      ['_csrf', writer.csrf],
      ['kind', 'consultation'],
      ['fieldId', String(pool.fieldId)],
      ...[...chosen].map((id): [string, string] => ['expertIds', id]),
      ['title', `Koormustest: ${marketplaceTopics[n % marketplaceTopics.length]} (nr ${n + 1})`],
      ['description', 'Kirjeldus sellest, mis juhtus, ja millised dokumendid mul on. '.repeat(5)],
      ['deadline', deadline],
      ['wishedBy', ''],
      ['language', 'et'],
    ]);
    return { method: 'POST', path: '/inquiries', headers: { cookie: writer.cookie, 'content-type': contentType, 'x-bench-page': 'create' }, body };
  };

  const sessionsOf = async (ids: number[]) => new Map(await inParallel([...new Set(ids)], 8, async (id) => [id, await signIn(db, base, id)] as const));
  /** A form as the browser posts it, with the session's token. */
  const formPost = (pathname: string, session: { cookie: string; csrf: string }, key: string, fields: Record<string, string>): RequestSpec => ({
    method: 'POST',
    path: pathname,
    headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-bench-page': key },
    body: new URLSearchParams({ _csrf: session.csrf, ...fields }).toString(),
  });

  // Make offer: each writer expert offers on the pool inquiries sent to them.
  const writerSessions = await sessionsOf(pool.offers.map((o) => o.expertId));
  const offerSpec = (n: number): RequestSpec | undefined => {
    const item = pool.offers[n];
    const fields = { price: '120,50', deliveryDate: day(14), validUntil: day(5), note: 'Kirjalik vastus ja üks täpsustav kõne.' };
    return item && formPost(`/inquiries/${item.inquiryId}/offer`, writerSessions.get(item.expertId)!, 'offer', fields);
  };

  // Order: each customer orders an offer on their pool inquiries (the sandbox provider takes the payment).
  const ordererSessions = await sessionsOf(pool.orders.map((o) => o.customerId));
  const orderSpec = (n: number): RequestSpec | undefined => {
    const item = pool.orders[n];
    return item && formPost(`/inquiries/${item.inquiryId}/order`, ordererSessions.get(item.customerId)!, 'order', { offerId: String(item.offerId) });
  };

  const sequence = (spec: (n: number) => RequestSpec | undefined) => {
    let n = 0;
    return () => spec(n++);
  };
  const replay = (spec: (n: number) => RequestSpec | undefined) => Array.from({ length: 100 }, (_, n) => spec(n)).filter((s): s is RequestSpec => s !== undefined);
  return [
    {
      key: 'create',
      label: 'create inquiry (5 experts, multipart): POST /inquiries',
      next: sequence(createSpec),
      replay: replay(createSpec),
      effect: (b, a) => `+${a.inquiries - b.inquiries} inquiries, +${a.invitations - b.invitations} invitations, +${a.notices - b.notices} notices, +${a.outbox_emails - b.outbox_emails} e-mails`,
    },
    {
      key: 'offer',
      label: 'make offer: POST /inquiries/<id>/offer',
      next: sequence(offerSpec),
      replay: replay(offerSpec),
      effect: (b, a) => `+${a.offers - b.offers} offers, +${a.notices - b.notices} notices`,
    },
    {
      key: 'order',
      label: 'order an offer (sandbox payment): POST /inquiries/<id>/order',
      next: sequence(orderSpec),
      replay: replay(orderSpec),
      effect: (b, a) => `+${a.orders - b.orders} orders`,
    },
  ];
}

async function measureDatabase(engine: string, database: BenchDatabase, dataset: Dataset, scaleName: 'full' | 'tenth', dataDir: string): Promise<void> {
  const db = database.handle.db;
  const prefix = scaleName === 'full' ? 'full' : `1/${scale}`;
  const portal = await startPortal(database, dataDir);
  let bare: Server | undefined;
  try {
    results.push({
      engine,
      what: `${prefix}: cold start, spawn of node dist/src/server.js → first 200`,
      note: `/readyz after ${portal.readyMs.toFixed(0)} ms, first page (/experts) after ${portal.firstPageMs.toFixed(0)} ms; RSS at ready ${portal.readyRss.toFixed(0)} MB`,
    });
    const session = async (userId: number) => `konsult_sid=${await createSession(db, sessionDeps, { userId, ip: null, userAgent: 'bench' })}`;
    const cookies = {
      busiest: await session(dataset.busiestExpert.id),
      customer: await session(dataset.inquiry.customerId),
      invited: await session(dataset.inquiry.expertId),
      mailbox: dataset.mailbox.userId === dataset.busiestExpert.id ? '' : await session(dataset.mailbox.userId),
    };
    cookies.mailbox ||= cookies.busiest;
    const pages = pagesOf(dataset, cookies);

    // Each page's answer, once, for the bare server.
    const answers = new Map<string, RawResponse>();
    const sizes = new Map<string, number>();
    for (const page of pages) {
      const answer = await sendOnce(portal.base, page.spec);
      if (answer.status !== 200) throw new Error(`${page.spec.path} answered ${answer.status}: ${answer.body.toString('utf8').slice(0, 300)}`);
      answers.set(page.key, answer);
      sizes.set(page.key, answer.body.length);
    }
    const writes = dataset.pool ? await prepareWrites(db, portal.base, dataset.pool) : [];
    for (const write of writes) {
      // The first request of each kind, for real: its answer is what the bare server sends.
      const spec = write.next()!;
      const answer = await sendOnce(portal.base, spec);
      if (answer.status !== 303) throw new Error(`${spec.method} ${spec.path} answered ${answer.status}: ${answer.body.toString('utf8').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').slice(0, 400)}`);
      answers.set(write.key, answer);
    }
    bare = await startBaseline(answers, dataDir);

    const unknownKeys = scaleName === 'full' ? onlyKeys?.filter((key) => ![...pages, ...writes].some((measure) => measure.key === key)) : [];
    if (unknownKeys?.length) throw new Error(`BENCH_ONLY: no measure is called ${unknownKeys.join(', ')}`);

    const context = { engine, scale: scaleName, portal, bare };
    let readRss = 0;
    const chosenPages = pages.filter((p) => isChosen(p.key));
    for (const page of chosenPages) {
      const portalRequest = encodeRequest(portal.base, page.spec);
      const bareRequest = encodeRequest(bare.base, page.spec);
      const { rss } = await comparePair(
        context,
        { key: page.key, label: page.label, kind: page.kind, note: kb(sizes.get(page.key)!) },
        () => portalRequest,
        () => bareRequest,
        (status) => status === 200,
      );
      readRss = Math.max(readRss, rss);
    }
    // The same own pages from a portal that keeps none: what each costs whenever the database has
    // changed since its copy was kept (any write, by anyone), as every request did before decision 024.
    const ownPages = chosenPages.filter((p) => p.isOwn);
    if (scaleName === 'full' && ownPages.length > 0) {
      const drawing = await startPortal(database, dataDir, { PRIVATE_PAGE_CACHE_SECONDS: '0' });
      try {
        for (const page of ownPages) {
          const portalRequest = encodeRequest(drawing.base, page.spec);
          const bareRequest = encodeRequest(bare.base, page.spec);
          const { rss } = await comparePair(
            { ...context, portal: drawing },
            { key: `${page.key}-drawn`, label: `${page.label}, drawn for every request`, kind: 'drawn', note: kb(sizes.get(page.key)!) },
            () => portalRequest,
            () => bareRequest,
            (status) => status === 200,
          );
          readRss = Math.max(readRss, rss);
        }
      } finally {
        await drawing.stop();
      }
    }
    let writeRss = 0;
    const chosenWrites = writes.filter((w) => isChosen(w.key));
    for (const write of chosenWrites) {
      const bareRequests = write.replay.map((spec) => encodeRequest(bare!.base, spec));
      let k = 0;
      const before = await countRows(db);
      const { rss } = await comparePair(
        context,
        { key: write.key, label: write.label, kind: 'write', note: '' },
        () => {
          const spec = write.next();
          return spec && encodeRequest(portal.base, spec);
        },
        () => bareRequests[k++ % bareRequests.length],
        (status) => status === 303,
        async () => write.effect(before, await countRows(db)),
      );
      writeRss = Math.max(writeRss, rss);
    }
    results.push({
      engine,
      what: `${prefix}: server RSS under load`,
      // Only what was measured: BENCH_ONLY may leave out the reads or the writes.
      note: [
        `at ready ${portal.readyRss.toFixed(0)} MB`,
        ...(chosenPages.length ? [`largest during the reads ${readRss.toFixed(0)} MB`] : []),
        ...(chosenWrites.length ? [`largest during the writes ${writeRss.toFixed(0)} MB`] : []),
      ].join('; '),
    });
  } finally {
    await bare?.stop();
    await portal.stop();
  }
}

// ---- the run ----

function checkBuild(): void {
  if (!existsSync(serverScript)) throw new Error(`${path.relative(projectRoot, serverScript)} is missing: run \`npm run build\` first (npm run bench does)`);
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)));
  // An incremental build rewrites only what changed, and its build info each time it compiles.
  const buildInfo = path.join(projectRoot, 'dist', '.tsbuildinfo');
  const builtAt = Math.max(statSync(serverScript).mtimeMs, existsSync(buildInfo) ? statSync(buildInfo).mtimeMs : 0);
  if (newest(path.join(projectRoot, 'src')) > builtAt) console.warn('warning: src/ changed after the last build (`npm run bench` builds first)');
}

async function benchEngine(engine: 'sqlite' | 'postgres', dataDir: string): Promise<void> {
  const runs: { scaleName: 'full' | 'tenth'; counts: Counts }[] = [{ scaleName: 'full', counts: { experts: expertCount, inquiries: inquiryCount, messages: messageCount } }];
  if (scale > 1) {
    runs.push({
      scaleName: 'tenth',
      counts: { experts: Math.max(20, Math.round(expertCount / scale)), inquiries: Math.max(200, Math.round(inquiryCount / scale)), messages: Math.round(messageCount / scale) },
    });
  }
  for (const { scaleName, counts } of runs) {
    const label = scaleName === 'full' ? 'full' : `1/${scale}`;
    const database = await createDatabase(engine, scaleName, dataDir);
    try {
      const dataset = await seedDataset(engine, database, counts, label, scaleName === 'full');
      await measureDatabase(engine, database, dataset, scaleName, dataDir);
    } finally {
      await database.drop();
    }
  }
}

function printTargets(): void {
  const rows: string[][] = [];
  let checked = 0;
  let met = 0;
  const verdict = (isMet: boolean) => {
    checked += 1;
    if (isMet) met += 1;
    return isMet ? 'yes' : 'NO';
  };
  for (const pair of pairs.filter((p) => p.scale === 'full')) {
    const ratio = (pair.portal.rps ?? 0) / (pair.bare.rps ?? 1);
    const ratioTarget = pair.kind === 'public' ? targets.publicPage : pair.kind === 'signed-in' ? targets.signedIn : undefined;
    const p99 = pair.portal.p99 ?? Number.NaN;
    const tenth = pairs.find((p) => p.scale === 'tenth' && p.engine === pair.engine && p.key === pair.key);
    const growth = tenth ? (pair.portal.rps ?? 0) / (tenth.portal.rps ?? 1) : undefined;
    const hasTargets = pair.kind !== 'probe' && pair.kind !== 'drawn';
    rows.push([
      pair.engine,
      pair.label,
      (pair.portal.rps ?? 0).toFixed(0),
      (pair.bare.rps ?? 0).toFixed(0),
      percent(ratio),
      ratioTarget === undefined ? '—' : `≥ ${percent(ratioTarget)}`,
      ratioTarget === undefined ? '' : verdict(ratio >= ratioTarget),
      p99.toFixed(1),
      hasTargets ? verdict(p99 < targets.p99Ms) : '',
      growth === undefined ? '—' : growth.toFixed(2),
      growth === undefined || !hasTargets ? '' : verdict(growth >= targets.fullToTenth),
      `${pair.portal.cpuUs.toFixed(0)} / ${pair.bare.cpuUs.toFixed(0)}${tenth ? ` / ${tenth.portal.cpuUs.toFixed(0)}` : ''}`,
    ]);
  }
  console.log(
    `\nTargets (printed, not asserted): signed-in pages ≥ ${percent(targets.signedIn)} of the bare server's req/s, cacheable public pages ≥ ${percent(targets.publicPage)}, ` +
      `p99 < ${targets.p99Ms} ms at ${connections} connections, req/s on the full data at least ${percent(targets.fullToTenth)} of that on 1/${scale} of it (within 30 %). ` +
      `The last column is the server's CPU time per answer (portal on the full data / bare / portal on 1/${scale}): other load on the machine moves it far less than req/s.\n`,
  );
  printGrid(
    ['database', 'measure (full data)', 'portal req/s', 'bare req/s', 'portal/bare', 'target', 'met', 'p99 ms', `< ${targets.p99Ms} ms`, `full/(1/${scale}) req/s`, 'within 30 %', `server µs/answer: portal / bare${scale > 1 ? ` / portal 1/${scale}` : ''}`],
    rows,
  );
  console.log(`\n${met} of ${checked} targets met.`);
}

checkBuild();
console.log(
  `${os.cpus().length} CPUs, load average ${loadAverage()}; the portal and the bare server run in their own processes, the load generator in this one.`,
);
console.log(
  `Seeding ${expertCount} experts, ${inquiryCount} inquiries and ${messageCount} messages${scale > 1 ? ` (and 1/${scale} of that)` : ''}, then ${seconds} s per measure at ${connections} connections` +
    ` on ${engines.join(' and ')}${postgresUrl ? '' : ' (set BENCH_DATABASE_URL for PostgreSQL too)'}${onlyKeys ? `, only ${onlyKeys.join(', ')}` : ''}…`,
);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'konsult-bench-main-'));
try {
  for (const engine of engines) await benchEngine(engine, dataDir);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  console.log('');
  printTable(results);
  if (pairs.length) printTargets();
  console.log(`load average at the end: ${loadAverage()}`);
}
