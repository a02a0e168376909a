/**
 * What the benchmarks share: a deterministic random source, keep-alive load loops with
 * percentiles, the real app on a loopback port, one run per engine (SQLite always, PostgreSQL
 * when BENCH_DATABASE_URL is set) and a table of results; the marketplace data set
 * (`seedMarketplace`) and a light raw-socket load generator (`loadRaw`, `measureRaw`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import { seededFloats } from '../src/adapters/random.js';
import { randomToken } from '../src/adapters/tokens.js';
import { loadConfig } from '../src/config.js';
import { buildContainer } from '../src/container.js';
import { openDatabase, type DatabaseHandle, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { buildApp } from '../src/http/app.js';
import { tallinnDayOf } from '../src/domain/calendar.js';
import { ratingScoreOf, searchTextOf } from '../src/domain/experts.js';
import type { Database } from '../src/db/schema.js';
import type { InquiryStatus, InvitationStatus, OfferStatus } from '../src/domain/inquiries.js';
import type { Deps } from '../src/use-cases/deps.js';

export type ResultRow = { engine: string; what: string; requests?: number; rps?: number; p50?: number; p99?: number; note?: string };

/** Reproducible floats in [0, 1) for the data generators. */
export { seededFloats as seededRandom } from '../src/adapters/random.js';

/** Bulk insert in batches (each batch one statement, within the engines' parameter limits). */
export async function insertInBatches(db: Db, table: keyof Database, rows: Record<string, unknown>[], batchSize = 1_000): Promise<void> {
  for (let i = 0; i < rows.length; i += batchSize) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one generic loader for every table
    await db.insertInto(table).values(rows.slice(i, i + batchSize) as any).execute();
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `connections` keep-alive fetch loops on one URL for `durationMs`; latency of every answer, sorted. */
export async function load(url: string, options: { cookie?: string; connections: number; durationMs: number }): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + options.durationMs;
  const headers: Record<string, string> = options.cookie ? { cookie: options.cookie } : {};
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        const response = await fetch(url, { headers, redirect: 'manual' });
        await response.arrayBuffer();
        latencies.push(performance.now() - started);
        if (response.status !== 200) errors += 1;
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), errors };
}

/** Warms a route up for a second, then measures it and returns a result row. */
export async function measure(
  engine: string,
  what: string,
  url: string,
  options: { cookie?: string; connections: number; seconds: number; note?: string },
): Promise<ResultRow> {
  await load(url, { ...options, durationMs: 1_000 });
  const { latencies, errors } = await load(url, { ...options, durationMs: options.seconds * 1_000 });
  return {
    engine,
    what,
    requests: latencies.length,
    rps: latencies.length / options.seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    note: errors ? `${errors} non-200 answers` : (options.note ?? ''),
  };
}

/**
 * The real portal (production settings, silent logs) listening on a free loopback port. It keeps
 * no visitor's own page (PRIVATE_PAGE_CACHE_SECONDS=0): these benches measure what drawing a page
 * costs, its queries included (`npm run bench` measures the kept copies too, decision 024).
 */
export async function startBenchServer(database: DatabaseHandle, dataDir: string): Promise<{ base: string; deps: Deps; close(): Promise<void> }> {
  const config = loadConfig({
    NODE_ENV: 'production',
    PAYMENT_PROVIDER: 'sandbox',
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-01',
    PUBLIC_URL: 'http://127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    PRIVATE_PAGE_CACHE_SECONDS: '0',
  });
  const container = buildContainer(config, { database, logger: pino({ level: 'silent' }) });
  const app = await buildApp({ config, deps: container.deps, secret: container.secret, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { base, deps: container.deps, close: () => app.close() };
}

/**
 * Runs `bench` on a fresh, migrated SQLite file, then on a fresh PostgreSQL schema when
 * BENCH_DATABASE_URL is set (e.g. postgres://postgres@127.0.0.1:5432/test).
 */
export async function forEachEngine(name: string, bench: (engine: string, database: DatabaseHandle, dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `konsult-bench-${name}-`));
  try {
    const sqlite = openDatabase(`sqlite:${path.join(dataDir, 'bench.sqlite')}`);
    try {
      await migrateToLatest(sqlite.db);
      await bench('sqlite', sqlite, dataDir);
    } finally {
      await sqlite.destroy();
    }
    const postgresUrl = process.env['BENCH_DATABASE_URL'];
    if (!postgresUrl) return;
    const schema = `bench_${randomToken(6).toLowerCase().replace(/[^a-z0-9]/g, '')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const postgres = openDatabase(postgresUrl, { schema, poolSize: 10 });
    try {
      await migrateToLatest(postgres.db, { schema });
      await bench('postgres', postgres, dataDir);
    } finally {
      await postgres.destroy();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Prints the results as a Markdown table (pasteable into notes). */
export function printTable(results: ResultRow[]): void {
  const header = ['database', 'measure', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'note'];
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

/** The invitation and (when the expert offered) the offer status an invitation ends with, by its inquiry's status. */
export function invitationOutcome(inquiryStatus: InquiryStatus, isWinner: boolean, r: number): { status: InvitationStatus; offer: OfferStatus | null } {
  switch (inquiryStatus) {
    case 'open':
      if (r < 0.35) return { status: 'new', offer: null };
      if (r < 0.6) return { status: 'seen', offer: null };
      if (r < 0.85) return { status: 'offered', offer: 'active' };
      return { status: 'declined', offer: null };
    case 'ordered':
      if (isWinner) return { status: 'won', offer: 'ordered' };
      if (r < 0.2) return { status: 'declined', offer: null };
      return { status: 'lost', offer: r < 0.6 ? 'lost' : null };
    case 'cancelled':
      if (r < 0.15) return { status: 'declined', offer: null };
      return { status: 'cancelled', offer: r < 0.4 ? 'cancelled' : null };
    default:
      // expired: some declined, some offered (the offer expired with it or was withdrawn), the rest never answered.
      if (r < 0.2) return { status: 'declined', offer: null };
      return { status: 'expired', offer: r < 0.45 ? 'expired' : r < 0.5 ? 'withdrawn' : null };
  }
}

// ---- the marketplace data set: experts, customers, inquiries, invitations and offers ----

const marketplaceFirstNames = ['Mari', 'Jaan', 'Liis', 'Andres', 'Kertu', 'Peeter', 'Anu', 'Toomas', 'Kadri', 'Margus', 'Piret', 'Rein'];
const marketplaceLastNames = ['Tamm', 'Saar', 'Sepp', 'Mägi', 'Kask', 'Kukk', 'Rebane', 'Ilves', 'Pärn', 'Koppel', 'Lepik', 'Õunapuu'];
/** Inquiry topics (also the words experts' biographies mention). */
export const marketplaceTopics = ['Töövaidlus', 'Üürileping', 'Pärimine', 'Kindlustushüvitis', 'Liiklusõnnetus', 'Elatis', 'Ravivead', 'Kahjunõue', 'Lahutus', 'Kuriteoteade'];
const marketplaceDayMs = 86_400_000;

export type MarketplaceOptions = {
  experts: number;
  inquiries: number;
  /** Default: a fifth of the inquiries, at least 100. */
  customers?: number;
  /** Default 20. */
  fields?: number;
  /** Inquiries are spread over this many days before now; with 2–14 day deadlines about 1 % are still open. Default 730. */
  spanDays?: number;
  /** Seed of the random source. Default 2026. */
  seed?: number;
};

export type Marketplace = {
  fieldIds: number[];
  /** The experts' user ids, in insertion order. */
  expertIds: number[];
  customerIds: number[];
  moderatorId: number;
  /** Invitations per expert, and of them how many are new / seen / offered (open inquiries). */
  perExpert: Map<number, { all: number; new: number; seen: number; offered: number }>;
  invitations: number;
  offers: number;
};

/**
 * Seeds a marketplace in one transaction: `experts` experts (20 fields, 1–3 each, 70 % rated,
 * 5 % on leave), the customers and one moderator, and `inquiries` inquiries over two years with
 * 1–5 invitations each (experts are picked with a popularity skew, so the busiest have
 * thousands) and offers on about a third of them. Statuses follow the lifecycles: most
 * inquiries are closed (expired, cancelled, ordered — without order rows), the last ~1 % are
 * still open with new, seen and offered invitations. Deterministic for a given seed.
 */
export async function seedMarketplace(db: Db, options: MarketplaceOptions): Promise<Marketplace> {
  const expertCount = options.experts;
  const inquiryCount = options.inquiries;
  const customerCount = options.customers ?? Math.max(100, Math.ceil(inquiryCount / 5));
  const fieldCount = options.fields ?? 20;
  const spanDays = options.spanDays ?? 730;
  const inquiryChunk = 5_000;
  const dayMs = marketplaceDayMs;
  const firstNames = marketplaceFirstNames;
  const lastNames = marketplaceLastNames;
  const topics = marketplaceTopics;
  const random = seededFloats(options.seed ?? 2026);
  const pick = (n: number) => Math.floor(random() * n);
  const nowMs = Date.now();
  const longAgo = new Date(nowMs - (spanDays + 30) * dayMs).toISOString();

  return db.transaction().execute(async (trx) => {
    await insertInBatches(
      trx,
      'fields',
      Array.from({ length: fieldCount }, (_, i) => ({
        name_et: `Valdkond ${i + 1}`,
        name_en: `Field ${i + 1}`,
        description_et: `Valdkonna ${i + 1} kirjeldus.`,
        description_en: `Description of field ${i + 1}.`,
        position: i + 1,
        is_active: 1,
        created_at: longAgo,
        updated_at: longAgo,
      })),
    );
    const fieldIds = (await trx.selectFrom('fields').select('id').orderBy('id').execute()).map((r) => r.id);
    const documentTypeIds = (await trx.selectFrom('document_types').select('id').orderBy('id').execute()).map((r) => r.id);

    // Users: the experts, then the customers, then one moderator (who triaged the general inquiries).
    const userCount = expertCount + customerCount + 1;
    await insertInBatches(
      trx,
      'users',
      Array.from({ length: userCount }, (_, i) => ({
        email: i < expertCount ? `ekspert${i + 1}@example.ee` : i < expertCount + customerCount ? `klient${i + 1 - expertCount}@example.ee` : 'moderaator@example.ee',
        email_verified_at: longAgo,
        name: `${firstNames[pick(firstNames.length)]} ${lastNames[pick(lastNames.length)]}`,
        phone: null,
        password_hash: 'not-a-login-account',
        locale: i % 7 === 0 ? 'en' : 'et',
        created_at: longAgo,
        updated_at: longAgo,
        blocked_at: null,
      })),
    );
    const users = await trx.selectFrom('users').select(['id', 'name']).orderBy('id').execute();
    const experts = users.slice(0, expertCount);
    const customerIds = users.slice(expertCount, expertCount + customerCount).map((u) => u.id);
    const moderatorId = users[userCount - 1]!.id;
    await insertInBatches(trx, 'user_roles', [
      ...experts.map((u) => ({ user_id: u.id, role: 'expert', granted_at: longAgo })),
      { user_id: moderatorId, role: 'moderator', granted_at: longAgo },
    ]);
    await insertInBatches(
      trx,
      'expert_profiles',
      experts.map((user, i) => {
        const ratingCount = random() < 0.7 ? 1 + pick(40) : 0;
        const ratingSum = ratingCount === 0 ? 0 : Math.min(5 * ratingCount, Math.max(ratingCount, Math.round(ratingCount * (2.5 + random() * 2.5))));
        const bio = `Nõustan teemadel ${topics[pick(topics.length)]!.toLowerCase()} ja ${topics[pick(topics.length)]!.toLowerCase()}. ${'Pikaajaline kogemus. '.repeat(1 + pick(10))}`;
        const qualifications = 'Magistrikraad, kutsetunnistus.';
        return {
          user_id: user.id,
          display_name: user.name,
          organisation_id: null,
          qualifications,
          bio,
          price_level: 1 + pick(3),
          photo_file_id: null,
          is_on_leave: random() < 0.05 ? 1 : 0,
          leave_until: null,
          is_active: 1,
          rating_count: ratingCount,
          rating_sum: ratingSum,
          rating_score: ratingScoreOf(ratingCount, ratingSum),
          search_text: searchTextOf([user.name, qualifications, bio]),
          approved_at: new Date(Date.parse(longAgo) + i * 60_000).toISOString(),
          updated_at: longAgo,
        };
      }),
      500,
    );
    // Each expert serves 1–3 fields; a field's experts are ordered by a popularity shared across
    // fields, and an inquiry's experts are drawn with a skew towards the popular ones.
    const popularity = new Map(experts.map((e) => [e.id, random()]));
    const byField = new Map<number, number[]>(fieldIds.map((id) => [id, []]));
    const expertFields = experts.flatMap((expert) => {
      const chosen = new Set<number>();
      const n = 1 + pick(3);
      while (chosen.size < n) chosen.add(fieldIds[pick(fieldIds.length)]!);
      for (const fieldId of chosen) byField.get(fieldId)!.push(expert.id);
      return [...chosen].map((fieldId) => ({ expert_id: expert.id, field_id: fieldId }));
    });
    await insertInBatches(trx, 'expert_fields', expertFields);
    for (const list of byField.values()) list.sort((a, b) => popularity.get(a)! - popularity.get(b)!);

    const perExpert = new Map<number, { all: number; new: number; seen: number; offered: number }>(experts.map((e) => [e.id, { all: 0, new: 0, seen: 0, offered: 0 }]));
    let invitationTotal = 0;
    let offerTotal = 0;
    for (let start = 0; start < inquiryCount; start += inquiryChunk) {
      const size = Math.min(inquiryChunk, inquiryCount - start);
      const inquiries = Array.from({ length: size }, (_, k) => {
        const i = start + k;
        const createdMs = nowMs - (spanDays * dayMs * (inquiryCount - i)) / inquiryCount;
        const deadlineMs = createdMs + (2 + pick(13)) * dayMs;
        const isGeneral = random() < 0.1;
        const isLive = deadlineMs > nowMs;
        const r = random();
        let status: InquiryStatus;
        if (isLive) status = isGeneral && nowMs - createdMs < dayMs ? 'triage' : r < 0.05 ? 'cancelled' : 'open';
        else if (isGeneral && r < 0.1) status = 'rejected';
        else status = r < 0.25 ? 'ordered' : r < 0.45 ? 'cancelled' : 'expired';
        const hasField = !(isGeneral && (status === 'triage' || status === 'rejected'));
        const isTriaged = isGeneral && hasField;
        const kind = random() < 0.8 ? 'consultation' : 'document';
        const closedMs =
          status === 'expired' ? deadlineMs : status === 'ordered' || status === 'cancelled' ? createdMs + random() * (Math.min(deadlineMs, nowMs) - createdMs) : status === 'rejected' ? createdMs + 3_600_000 : undefined;
        const topic = topics[pick(topics.length)]!;
        return {
          customer_id: customerIds[pick(customerIds.length)]!,
          kind,
          is_general: isGeneral ? 1 : 0,
          field_id: hasField ? fieldIds[pick(fieldIds.length)]! : null,
          document_type_id: kind === 'document' ? documentTypeIds[pick(documentTypeIds.length)]! : null,
          purpose: kind === 'document' ? 'Esitada kohtule või kindlustusele.' : null,
          title: `${topic}: vajan nõu (nr ${i + 1})`,
          description: `${topic}. ${'Kirjeldus sellest, mis juhtus, ja millised dokumendid mul on. '.repeat(2 + pick(10))}`,
          language: random() < 0.85 ? 'et' : random() < 0.5 ? 'en' : 'ru',
          status,
          deadline_at: new Date(deadlineMs).toISOString(),
          wished_by: random() < 0.2 ? tallinnDayOf(new Date(deadlineMs + 7 * dayMs)) : null,
          triaged_by: isTriaged ? moderatorId : null,
          triaged_at: isTriaged ? new Date(createdMs + 3_600_000).toISOString() : null,
          triage_note: null,
          random_pool_size: isTriaged ? 50 + pick(900) : null,
          created_at: new Date(createdMs).toISOString(),
          updated_at: new Date(closedMs ?? createdMs).toISOString(),
          closed_at: closedMs === undefined ? null : new Date(closedMs).toISOString(),
        };
      });
      const lastInquiryId = (await trx.selectFrom('inquiries').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0;
      await insertInBatches(trx, 'inquiries', inquiries, 500);
      const inquiryIds = (await trx.selectFrom('inquiries').select('id').where('id', '>', lastInquiryId).orderBy('id').execute()).map((r) => r.id);

      const invitations: Record<string, unknown>[] = [];
      /** Per invitation: the offer it has (if any) and its inquiry's deadline. */
      const offerOf: { status: OfferStatus | null; deadline: string }[] = [];
      inquiries.forEach((inquiry, k) => {
        if (inquiry.field_id === null || inquiry.status === 'triage' || inquiry.status === 'rejected') return;
        const pool = byField.get(inquiry.field_id)!;
        const n = inquiry.is_general === 1 ? 3 : 1 + pick(5);
        const chosen = new Set<number>();
        while (chosen.size < Math.min(n, pool.length)) chosen.add(pool[Math.floor(pool.length * random() ** 2)]!);
        const sentAt = inquiry.triaged_at ?? inquiry.created_at;
        [...chosen].forEach((expertId, j) => {
          const { status, offer } = invitationOutcome(inquiry.status, j === 0, random());
          const hasAnswered = offer !== null || status === 'declined';
          // Some never opened an invitation that closed without their answer.
          const isUnopened = status === 'new' || (!hasAnswered && status !== 'seen' && random() < 0.3);
          const seenAt = isUnopened ? null : new Date(Date.parse(sentAt) + (1 + pick(48)) * 3_600_000).toISOString();
          invitations.push({
            inquiry_id: inquiryIds[k]!,
            expert_id: expertId,
            status,
            question_state: (status === 'seen' || status === 'offered') && random() < 0.2 ? (random() < 0.5 ? 'waiting' : 'answered') : 'none',
            conversation_id: null,
            is_random: inquiry.is_general,
            decline_reason: status === 'declined' ? 'tooBusy' : null,
            decline_note: null,
            seen_at: seenAt,
            responded_at: hasAnswered ? seenAt : null,
            reminded_at: null,
            created_at: sentAt,
            updated_at: inquiry.updated_at,
          });
          offerOf.push({ status: offer, deadline: inquiry.deadline_at });
          const counts = perExpert.get(expertId)!;
          counts.all += 1;
          if (status === 'new' || status === 'seen' || status === 'offered') counts[status] += 1;
        });
      });
      const lastInvitationId = (await trx.selectFrom('invitations').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0;
      await insertInBatches(trx, 'invitations', invitations);
      const invitationIds = (await trx.selectFrom('invitations').select('id').where('id', '>', lastInvitationId).orderBy('id').execute()).map((r) => r.id);
      const offers = invitations.flatMap((invitation, j) => {
        const { status, deadline } = offerOf[j]!;
        if (!status) return [];
        const at = (invitation['seen_at'] as string | null) ?? (invitation['created_at'] as string);
        return [
          {
            inquiry_id: invitation['inquiry_id'],
            invitation_id: invitationIds[j]!,
            expert_id: invitation['expert_id'],
            status,
            price_cents: 100 * (50 + pick(450)),
            delivery_date: tallinnDayOf(new Date(Date.parse(deadline) + (3 + pick(20)) * dayMs)),
            note: 'Sisaldab kirjalikku vastust ja ühte täpsustavat kõnet.',
            valid_until: tallinnDayOf(new Date(Date.parse(deadline) - 1)),
            expires_at: deadline,
            created_at: at,
            updated_at: at,
          },
        ];
      });
      await insertInBatches(trx, 'offers', offers);
      invitationTotal += invitations.length;
      offerTotal += offers.length;
    }
    return { fieldIds, expertIds: experts.map((e) => e.id), customerIds, moderatorId, perExpert, invitations: invitationTotal, offers: offerTotal };
  });
}

// ---- a light HTTP/1.1 load generator ----
//
// `load` above runs `fetch` loops, which on these machines top out at about 1 500–3 000 requests
// per second in one process however fast the server is: enough to time a slow page, far too slow
// to compare the portal with a bare server. These loops write prepared request bytes to
// keep-alive sockets and only find where each answer ends (as wrk and autocannon do), so one
// core drives well over 20 000 requests per second.

/** One request, before it is turned into bytes for a given server. */
export type RequestSpec = { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer };

/** The bytes of `spec` as sent to `base` (http://host:port), with Host and Content-Length. */
export function encodeRequest(base: string, spec: RequestSpec): Buffer {
  const url = new URL(base);
  const body = spec.body === undefined ? undefined : Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body);
  const lines = [`${spec.method} ${spec.path} HTTP/1.1`, `Host: ${url.host}`];
  for (const [name, value] of Object.entries(spec.headers ?? {})) lines.push(`${name}: ${value}`);
  if (body) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

/** A whole answer: status, header pairs as sent, body. */
export type RawResponse = { status: number; headers: [string, string][]; body: Buffer };

/** Sends one request (node:http, a fresh connection) and returns the whole answer; for capturing pages, not for timing. */
export async function sendOnce(base: string, spec: RequestSpec): Promise<RawResponse> {
  const url = new URL(spec.path, base);
  const body = spec.body === undefined ? undefined : Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: spec.method, headers: { ...spec.headers, ...(body ? { 'content-length': String(body.length) } : {}) }, agent: false },
      (response) => {
        const parts: Buffer[] = [];
        response.on('data', (chunk: Buffer) => parts.push(chunk));
        response.on('end', () => {
          const headers: [string, string][] = [];
          for (let i = 0; i < response.rawHeaders.length; i += 2) headers.push([response.rawHeaders[i]!, response.rawHeaders[i + 1]!]);
          resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(parts) });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

export type RawLoadResult = {
  /** Latency of every answer (ms), sorted. */
  latencies: number[];
  /** Answers whose status `isExpected` refused, plus connections lost mid-request. */
  errors: number;
  /** The first refused answer: status and the start of its body, to tell why. */
  firstError?: string;
  /** From the end of the warm-up to the last answer. */
  elapsedMs: number;
  /** `next` ran out of requests before the time was up. */
  isExhausted: boolean;
  /** The longest any connection waited, from connecting to its first answer (warm-up included). */
  slowestFirstAnswerMs: number;
};

/** Where a chunked body ends in `buffer` (the index after its last CRLF), or -1 while incomplete. */
function chunkedBodyEnd(buffer: Buffer): number {
  let position = 0;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', position, 'latin1');
    if (lineEnd < 0) return -1;
    const size = Number.parseInt(buffer.toString('latin1', position, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error('malformed chunked body');
    if (size === 0) {
      // No trailers are sent by the servers measured here: the last chunk is "0\r\n\r\n".
      return buffer.length >= lineEnd + 4 ? lineEnd + 4 : -1;
    }
    position = lineEnd + 2 + size + 2;
    if (position > buffer.length) return -1;
  }
}

/**
 * `connections` keep-alive sockets, each sending the next request from `next` as soon as the
 * previous answer is complete, for `warmupMs` and then `durationMs`, or until `next` returns
 * undefined. Latency is from writing the request to the last byte of the answer, for the requests
 * sent after the warm-up (`onMeasureStart` is called then).
 *
 * The warm-up runs on the same sockets as the measure: a new connection to a busy Node.js server
 * waits a whole turn of its event loop to be accepted (libuv accepts one connection per turn, and
 * a turn serves every request that is ready), so connections opened at the start of a measure
 * would time that, not the steady state at `connections` connections (decision 020).
 * `slowestFirstAnswerMs` reports it apart.
 */
export async function loadRaw(
  base: string,
  options: {
    connections: number;
    durationMs: number;
    warmupMs?: number;
    onMeasureStart?: () => void;
    next: () => Buffer | undefined;
    isExpected?: (status: number) => boolean;
  },
): Promise<RawLoadResult> {
  const url = new URL(base);
  const port = Number(url.port);
  const isExpected = options.isExpected ?? ((status: number) => status === 200);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let isExhausted = false;
  let slowestFirstAnswerMs = 0;
  const measureFrom = performance.now() + (options.warmupMs ?? 0);
  const until = measureFrom + options.durationMs;
  const measureStarts = setTimeout(() => options.onMeasureStart?.(), options.warmupMs ?? 0);

  const connection = () =>
    new Promise<void>((resolve) => {
      let socket: net.Socket;
      let isDone = false;
      let isInFlight = false;
      let sentAt = 0;
      /** When this socket began connecting, until its first answer. */
      let connectingSince: number | undefined;
      // Parser state of the answer being read.
      let mode: 'head' | 'length' | 'chunked' = 'head';
      let pending: Buffer | undefined;
      let remaining = 0;
      let status = 0;
      let isClosing = false;
      let body: Buffer[] = [];

      const finish = () => {
        isDone = true;
        socket.destroy();
        resolve();
      };
      const sendNext = () => {
        if (performance.now() >= until) return finish();
        const request = options.next();
        if (!request) {
          isExhausted = true;
          return finish();
        }
        isInFlight = true;
        sentAt = performance.now();
        socket.write(request);
      };
      const complete = () => {
        const now = performance.now();
        if (sentAt >= measureFrom) latencies.push(now - sentAt);
        if (connectingSince !== undefined) {
          slowestFirstAnswerMs = Math.max(slowestFirstAnswerMs, now - connectingSince);
          connectingSince = undefined;
        }
        isInFlight = false;
        if (!isExpected(status)) {
          errors += 1;
          firstError ??= `${status}: ${Buffer.concat(body).toString('utf8').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').slice(0, 300)}`;
        }
        mode = 'head';
        body = [];
        if (isClosing) {
          socket.destroy();
          connect();
        } else {
          sendNext();
        }
      };
      const onData = (chunk: Buffer) => {
        let data = chunk;
        while (data.length > 0 && !isDone) {
          if (mode === 'head') {
            const buffer = pending ? Buffer.concat([pending, data]) : data;
            const end = buffer.indexOf('\r\n\r\n', 0, 'latin1');
            if (end < 0) {
              pending = Buffer.from(buffer);
              return;
            }
            pending = undefined;
            const head = buffer.toString('latin1', 0, end);
            status = Number(head.slice(9, 12));
            const length = /\r\ncontent-length: *(\d+)/i.exec(head);
            isClosing = /\r\nconnection: *close/i.test(head);
            data = buffer.subarray(end + 4);
            if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
              mode = 'chunked';
              pending = Buffer.alloc(0);
            } else {
              mode = 'length';
              remaining = length ? Number(length[1]) : 0;
              if (remaining === 0) complete();
            }
          } else if (mode === 'length') {
            const take = Math.min(remaining, data.length);
            if (status >= 300 && body.length < 4) body.push(data.subarray(0, take));
            remaining -= take;
            data = data.subarray(take);
            if (remaining === 0) complete();
          } else {
            const buffer = Buffer.concat([pending ?? Buffer.alloc(0), data]);
            const end = chunkedBodyEnd(buffer);
            if (end < 0) {
              pending = buffer;
              return;
            }
            if (status >= 300) body.push(buffer.subarray(0, Math.min(end, 2_000)));
            pending = undefined;
            data = buffer.subarray(end);
            complete();
          }
        }
      };
      const connect = () => {
        mode = 'head';
        pending = undefined;
        body = [];
        isClosing = false;
        connectingSince = performance.now();
        const current = net.connect({ host: url.hostname, port, noDelay: true });
        socket = current;
        current.on('connect', sendNext);
        current.on('data', onData);
        current.on('error', () => undefined);
        current.on('close', () => {
          // A socket this loop closed itself (after "Connection: close") has been replaced already.
          if (isDone || current !== socket) return;
          if (isInFlight) {
            // The server dropped the connection before answering.
            errors += 1;
            firstError ??= 'connection closed before the answer';
            isInFlight = false;
          }
          if (performance.now() >= until) return finish();
          connect();
        });
      };
      connect();
    });

  await Promise.all(Array.from({ length: options.connections }, connection));
  clearTimeout(measureStarts);
  return { latencies: latencies.sort((a, b) => a - b), errors, firstError, elapsedMs: performance.now() - measureFrom, isExhausted, slowestFirstAnswerMs };
}

/**
 * `seconds` of `loadRaw` after a warm-up of `warmupSeconds` (default 1) on the same connections,
 * as a result row (rps over the time actually taken).
 */
export async function measureRaw(
  engine: string,
  what: string,
  base: string,
  options: {
    connections: number;
    seconds: number;
    next: () => Buffer | undefined;
    isExpected?: (status: number) => boolean;
    note?: string;
    warmupSeconds?: number;
    onMeasureStart?: () => void;
  },
): Promise<ResultRow & { errors: number; isExhausted: boolean }> {
  const run = await loadRaw(base, { ...options, warmupMs: (options.warmupSeconds ?? 1) * 1_000, durationMs: options.seconds * 1_000 });
  const notes = [
    options.note ?? '',
    run.errors ? `${run.errors} unexpected answers (first: ${run.firstError})` : '',
    run.isExhausted ? 'ran out of prepared requests' : '',
    `first answer on a new connection within ${run.slowestFirstAnswerMs.toFixed(0)} ms`,
  ];
  return {
    engine,
    what,
    requests: run.latencies.length,
    rps: run.elapsedMs > 0 ? run.latencies.length / (run.elapsedMs / 1000) : 0,
    p50: percentile(run.latencies, 50),
    p99: percentile(run.latencies, 99),
    note: notes.filter(Boolean).join('; '),
    errors: run.errors,
    isExhausted: run.isExhausted,
  };
}

/** Prints any rows as a Markdown table. */
export function printGrid(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: string[]) => `| ${header.map((_, i) => (cells[i] ?? '').padEnd(widths[i]!)).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(format(row));
}
