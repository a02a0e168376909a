/**
 * The back office's dashboard (GET /admin, issue 8) on a big database.
 *
 * Seeds, through the real migrations, a portal two years old: 5 000 experts, 40 000 customers,
 * 200 000 inquiries (10 % general) with 1–5 invitations each and offers on about a third of
 * those, an order for about a quarter of the closed inquiries (paid, most accepted and released
 * with the portal's fee, a few disputed), the ledger entries of all that, expert applications,
 * and 200 000 e-mails in the outbox (nearly all sent; a few waiting or failed). Then:
 *   (a) the plan of every query the dashboard sends (SQLite: EXPLAIN QUERY PLAN; PostgreSQL:
 *       EXPLAIN ANALYZE) and each query's own time, run alone;
 *   (b) the whole dashboard's queries (`loadDashboard`) without HTTP, for 12 and 26 weeks;
 *   (c) GET /admin through the real server (keep-alive loops, a real admin session), one request
 *       at a time (what one member of staff waits) and four at a time;
 * with the schema as the migrations leave it (migration 007 adds the indexes these queries use:
 * 486 → 118 ms for the whole dashboard on SQLite, 384 → 170 ms on PostgreSQL, when they came).
 *
 * Usage: npm run bench:dashboard   (BENCH_SECONDS=5 per HTTP measure, BENCH_CONNECTIONS=4 for the concurrent one,
 *        BENCH_INQUIRIES=200000, BENCH_EMAILS=200000;
 *        BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test for PostgreSQL too)
 * Not part of CI.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  CompiledQuery,
  createQueryId,
  sql,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { DatabaseHandle, Db } from '../src/db/database.js';
import { loadDashboard } from '../src/db/repositories/dashboard-repository.js';
import { tallinnDayOf } from '../src/domain/calendar.js';
import type { InquiryStatus, OfferStatus } from '../src/domain/inquiries.js';
import { escrowAccount, feeOf, feesAccount, payableAccount, providerAccount } from '../src/domain/ledger.js';
import { createSession } from '../src/use-cases/sessions.js';
import { forEachEngine, insertInBatches, invitationOutcome, measure, percentile, printTable, seededRandom, startBenchServer, type ResultRow } from './support.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 4);
const inquiryCount = Number(process.env['BENCH_INQUIRIES'] ?? 200_000);
const emailCount = Number(process.env['BENCH_EMAILS'] ?? 200_000);
const expertCount = Math.max(50, Math.round(inquiryCount / 40));
const customerCount = Math.max(100, Math.round(inquiryCount / 5));
const fieldCount = 20;
const spanDays = 730;
const chunk = 5_000;
const dayMs = 86_400_000;
const hourMs = 3_600_000;
const feeBasisPoints = 1_500;

const results: ResultRow[] = [];
const topics = ['Töövaidlus', 'Üürileping', 'Pärimine', 'Kindlustushüvitis', 'Liiklusõnnetus', 'Elatis', 'Ravivead', 'Kahjunõue', 'Lahutus', 'Kuriteoteade'];

type Counts = Record<string, number>;

async function lastId(db: Db, table: 'inquiries' | 'invitations' | 'offers' | 'orders'): Promise<number> {
  return Number((await db.selectFrom(table).select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0);
}

async function idsAfter(db: Db, table: 'inquiries' | 'invitations' | 'offers' | 'orders', after: number): Promise<number[]> {
  return (await db.selectFrom(table).select('id').where('id', '>', after).orderBy('id').execute()).map((r) => r.id);
}

async function seed(db: Db, nowMs: number): Promise<{ adminId: number; counts: Counts }> {
  const random = seededRandom(2027);
  const pick = (n: number) => Math.floor(random() * n);
  const iso = (ms: number) => new Date(ms).toISOString();
  const longAgo = iso(nowMs - (spanDays + 30) * dayMs);
  const counts: Counts = { inquiries: 0, invitations: 0, offers: 0, orders: 0, ledger: 0, emails: 0 };

  await insertInBatches(
    db,
    'fields',
    Array.from({ length: fieldCount }, (_, i) => ({
      name_et: `Valdkond ${i + 1}`,
      name_en: `Field ${i + 1}`,
      description_et: '',
      description_en: '',
      position: i + 1,
      is_active: 1,
      created_at: longAgo,
      updated_at: longAgo,
    })),
  );
  const fieldIds = (await db.selectFrom('fields').select('id').orderBy('id').execute()).map((r) => r.id);
  const userCount = expertCount + customerCount + 1;
  await insertInBatches(
    db,
    'users',
    Array.from({ length: userCount }, (_, i) => ({
      email: i < expertCount ? `ekspert${i + 1}@example.ee` : i < expertCount + customerCount ? `klient${i + 1 - expertCount}@example.ee` : 'admin@example.ee',
      email_verified_at: longAgo,
      name: `Inimene ${i + 1}`,
      phone: null,
      password_hash: 'not-a-login-account',
      locale: 'et',
      created_at: longAgo,
      updated_at: longAgo,
      blocked_at: null,
    })),
  );
  const userIds = (await db.selectFrom('users').select('id').orderBy('id').execute()).map((r) => r.id);
  const expertIds = userIds.slice(0, expertCount);
  const customerIds = userIds.slice(expertCount, expertCount + customerCount);
  const adminId = userIds[userCount - 1]!;
  await insertInBatches(db, 'user_roles', [...expertIds.map((id) => ({ user_id: id, role: 'expert', granted_at: longAgo })), { user_id: adminId, role: 'admin', granted_at: longAgo }]);
  await insertInBatches(
    db,
    'expert_profiles',
    expertIds.map((id, i) => ({
      user_id: id,
      display_name: `Ekspert ${i + 1}`,
      organisation_id: null,
      qualifications: 'Magistrikraad.',
      bio: 'Pikaajaline kogemus.',
      price_level: 1 + (i % 3),
      photo_file_id: null,
      is_on_leave: 0,
      leave_until: null,
      is_active: 1,
      search_text: `ekspert ${i + 1}`,
      approved_at: longAgo,
      updated_at: longAgo,
    })),
  );
  const byField = new Map<number, number[]>(fieldIds.map((f) => [f, []]));
  expertIds.forEach((id, i) => byField.get(fieldIds[i % fieldCount]!)!.push(id));
  await insertInBatches(
    db,
    'expert_applications',
    Array.from({ length: 300 }, (_, i) => ({
      user_id: customerIds[i]!,
      status: i < 40 ? 'submitted' : i < 60 ? 'needs_info' : i < 250 ? 'approved' : 'rejected',
      applicant_kind: 'person',
      full_name: `Taotleja ${i + 1}`,
      personal_id_code: null,
      organisation_name: null,
      registry_code: null,
      contact_person: null,
      qualifications: 'Magistrikraad.',
      bio: 'Pikaajaline kogemus.',
      languages: 'et',
      price_level: 2,
      photo_file_id: null,
      applicant_note: null,
      review_note: null,
      reviewed_by: null,
      reviewed_at: null,
      submitted_at: iso(nowMs - (300 - i) * dayMs),
      created_at: iso(nowMs - (300 - i) * dayMs),
      updated_at: iso(nowMs - (300 - i) * dayMs),
    })),
  );

  for (let start = 0; start < inquiryCount; start += chunk) {
    const size = Math.min(chunk, inquiryCount - start);
    const inquiries = Array.from({ length: size }, (_, k) => {
      const i = start + k;
      const createdMs = nowMs - (spanDays * dayMs * (inquiryCount - i)) / inquiryCount;
      const deadlineMs = createdMs + (2 + pick(13)) * dayMs;
      const isGeneral = random() < 0.1;
      const r = random();
      let status: InquiryStatus;
      if (deadlineMs > nowMs) status = isGeneral && nowMs - createdMs < dayMs ? 'triage' : r < 0.05 ? 'cancelled' : 'open';
      else if (isGeneral && r < 0.1) status = 'rejected';
      else status = r < 0.25 ? 'ordered' : r < 0.45 ? 'cancelled' : 'expired';
      const hasField = !(isGeneral && (status === 'triage' || status === 'rejected'));
      const topic = topics[pick(topics.length)]!;
      return {
        customer_id: customerIds[pick(customerIds.length)]!,
        kind: 'consultation',
        is_general: isGeneral ? 1 : 0,
        field_id: hasField ? fieldIds[pick(fieldCount)]! : null,
        document_type_id: null,
        purpose: null,
        title: `${topic}: vajan nõu (nr ${i + 1})`,
        description: `${topic}. ${'Kirjeldus sellest, mis juhtus, ja millised dokumendid mul on. '.repeat(2 + pick(10))}`,
        language: 'et',
        status,
        deadline_at: iso(deadlineMs),
        wished_by: null,
        triaged_by: isGeneral && hasField ? adminId : null,
        triaged_at: isGeneral && hasField ? iso(createdMs + hourMs) : null,
        triage_note: null,
        random_pool_size: isGeneral && hasField ? 50 : null,
        created_at: iso(createdMs),
        updated_at: iso(createdMs),
        closed_at: status === 'open' || status === 'triage' ? null : iso(Math.min(deadlineMs, nowMs)),
      };
    });
    const inquiriesBefore = await lastId(db, 'inquiries');
    await insertInBatches(db, 'inquiries', inquiries, 500);
    const inquiryIds = await idsAfter(db, 'inquiries', inquiriesBefore);

    // Invitations, and the offer each has (if any).
    const invitations: Record<string, unknown>[] = [];
    const offerPlans: { status: OfferStatus; atMs: number; inquiry: number; isWinner: boolean; deadline: string }[] = [];
    const offerOfInvitation: (number | null)[] = [];
    inquiries.forEach((inquiry, k) => {
      if (inquiry.field_id === null || inquiry.status === 'triage' || inquiry.status === 'rejected') return;
      const pool = byField.get(inquiry.field_id)!;
      const n = inquiry.is_general ? 3 : 1 + pick(5);
      const chosen = new Set<number>();
      while (chosen.size < Math.min(n, pool.length)) chosen.add(pool[Math.floor(pool.length * random() ** 2)]!);
      const sentAt = inquiry.triaged_at ?? inquiry.created_at;
      [...chosen].forEach((expertId, j) => {
        const { status, offer } = invitationOutcome(inquiry.status, j === 0, random());
        const answeredMs = Date.parse(sentAt) + (1 + pick(48)) * hourMs;
        const hasAnswered = offer !== null || status === 'declined';
        invitations.push({
          inquiry_id: inquiryIds[k]!,
          expert_id: expertId,
          status,
          question_state: 'none',
          conversation_id: null,
          is_random: inquiry.is_general,
          decline_reason: status === 'declined' ? 'tooBusy' : null,
          decline_note: null,
          seen_at: status === 'new' ? null : iso(answeredMs),
          responded_at: hasAnswered ? iso(answeredMs) : null,
          reminded_at: null,
          created_at: sentAt,
          updated_at: sentAt,
        });
        offerOfInvitation.push(offer ? offerPlans.length : null);
        if (offer) offerPlans.push({ status: offer, atMs: answeredMs, inquiry: inquiryIds[k]!, isWinner: offer === 'ordered', deadline: inquiry.deadline_at });
      });
    });
    const invitationsBefore = await lastId(db, 'invitations');
    await insertInBatches(db, 'invitations', invitations);
    const invitationIds = await idsAfter(db, 'invitations', invitationsBefore);
    const offers: Record<string, unknown>[] = [];
    const offerInvitationIndex: number[] = [];
    offerOfInvitation.forEach((planIndex, j) => {
      if (planIndex === null) return;
      const plan = offerPlans[planIndex]!;
      offerInvitationIndex.push(j);
      offers.push({
        inquiry_id: plan.inquiry,
        invitation_id: invitationIds[j]!,
        expert_id: invitations[j]!['expert_id'],
        status: plan.status,
        price_cents: 100 * (50 + pick(450)),
        delivery_date: tallinnDayOf(new Date(Date.parse(plan.deadline) + 10 * dayMs)),
        note: 'Sisaldab kirjalikku vastust.',
        valid_until: tallinnDayOf(new Date(Date.parse(plan.deadline) - 1)),
        expires_at: plan.deadline,
        created_at: iso(plan.atMs),
        updated_at: iso(plan.atMs),
      });
    });
    const offersBefore = await lastId(db, 'offers');
    await insertInBatches(db, 'offers', offers);
    const offerIds = await idsAfter(db, 'offers', offersBefore);

    // An order for each ordered offer: paid ten minutes after, accepted (released, with the fee) 3–10 days later unless recent.
    const orders: Record<string, unknown>[] = [];
    const orderPlans: { amount: number; paidMs: number; acceptedMs: number | null; expertId: number; isDisputed: boolean }[] = [];
    offers.forEach((offer, k) => {
      if (offer['status'] !== 'ordered') return;
      const createdMs = Date.parse(offer['created_at'] as string) + (1 + pick(24)) * hourMs;
      const paidMs = createdMs + 10 * 60_000;
      const acceptedMs = paidMs + (3 + pick(8)) * dayMs;
      const isAccepted = acceptedMs < nowMs && random() < 0.97;
      const isDisputed = !isAccepted && random() < 0.1;
      const amount = offer['price_cents'] as number;
      const expertId = offer['expert_id'] as number;
      orders.push({
        inquiry_id: offer['inquiry_id'],
        offer_id: offerIds[k]!,
        customer_id: inquiries[inquiryIds.indexOf(offer['inquiry_id'] as number)]!.customer_id,
        expert_id: expertId,
        amount_cents: amount,
        status: isAccepted ? 'accepted' : isDisputed ? 'disputed' : 'in_progress',
        payment_due_at: iso(createdMs + 30 * 60_000),
        paid_at: iso(paidMs),
        cancelled_at: null,
        accepted_at: isAccepted ? iso(acceptedMs) : null,
        accepted_how: isAccepted ? 'customer' : null,
        created_at: iso(createdMs),
        updated_at: iso(isAccepted ? acceptedMs : paidMs),
      });
      orderPlans.push({ amount, paidMs, acceptedMs: isAccepted ? acceptedMs : null, expertId, isDisputed });
    });
    const ordersBefore = await lastId(db, 'orders');
    await insertInBatches(db, 'orders', orders);
    const orderIds = await idsAfter(db, 'orders', ordersBefore);
    await insertInBatches(
      db,
      'payments',
      orderPlans.map((plan, k) => ({
        order_id: orderIds[k]!,
        provider: 'sandbox',
        merchant_reference: `KONSULT-${orderIds[k]}`,
        provider_ref: `sandbox-${orderIds[k]}`,
        payment_url: null,
        amount_cents: plan.amount,
        currency: 'EUR',
        status: 'succeeded',
        created_at: iso(plan.paidMs - 10 * 60_000),
        updated_at: iso(plan.paidMs),
        settled_at: iso(plan.paidMs),
      })),
    );
    const ledger: Record<string, unknown>[] = [];
    orderPlans.forEach((plan, k) => {
      const orderId = orderIds[k]!;
      const paidAt = iso(plan.paidMs);
      ledger.push(
        { transaction_id: `p-${orderId}`, kind: 'payment', account: providerAccount, amount_cents: -plan.amount, order_id: orderId, expert_id: null, created_at: paidAt },
        { transaction_id: `p-${orderId}`, kind: 'payment', account: escrowAccount(orderId), amount_cents: plan.amount, order_id: orderId, expert_id: null, created_at: paidAt },
      );
      if (plan.acceptedMs !== null) {
        const fee = feeOf(plan.amount, feeBasisPoints);
        const at = iso(plan.acceptedMs);
        ledger.push(
          { transaction_id: `r-${orderId}`, kind: 'release', account: escrowAccount(orderId), amount_cents: -plan.amount, order_id: orderId, expert_id: plan.expertId, created_at: at },
          { transaction_id: `r-${orderId}`, kind: 'release', account: payableAccount(plan.expertId), amount_cents: plan.amount - fee, order_id: orderId, expert_id: plan.expertId, created_at: at },
          { transaction_id: `r-${orderId}`, kind: 'release', account: feesAccount, amount_cents: fee, order_id: orderId, expert_id: plan.expertId, created_at: at },
        );
      }
    });
    await insertInBatches(db, 'ledger_entries', ledger);
    const disputes = orderPlans.flatMap((plan, k) =>
      plan.isDisputed
        ? [{ order_id: orderIds[k]!, opened_by: plan.expertId, reason: 'Töö jäi tegemata.', status: 'open', resolution: null, refund_cents: null, release_cents: null, note: null, resolved_by: null, resolved_at: null, created_at: iso(plan.paidMs + dayMs) }]
        : [],
    );
    if (disputes.length) await insertInBatches(db, 'disputes', disputes);
    counts['inquiries']! += inquiries.length;
    counts['invitations']! += invitations.length;
    counts['offers']! += offers.length;
    counts['orders']! += orders.length;
    counts['ledger']! += ledger.length;
  }

  // The outbox: nearly everything sent within a minute; the last few waiting, some failed along the way.
  const body = 'Tere! Teie päringule on tulnud uus pakkumine. Vaadake seda portaalis. '.repeat(8);
  for (let start = 0; start < emailCount; start += chunk) {
    const size = Math.min(chunk, emailCount - start);
    const emails = Array.from({ length: size }, (_, k) => {
      const i = start + k;
      const createdMs = nowMs - (spanDays * dayMs * (emailCount - i)) / emailCount;
      const isPending = emailCount - i <= 20;
      const isFailed = !isPending && i % 7_919 === 0;
      return {
        message_id: `<bench-${i}@konsult.test>`,
        to_address: `klient${1 + (i % customerCount)}@example.ee`,
        to_name: 'Klient',
        subject: 'Uus pakkumine',
        text_body: body,
        html_body: `<p>${body}</p>`,
        status: isPending ? 'pending' : isFailed ? 'failed' : 'sent',
        attempts: isFailed ? 8 : isPending ? 0 : 1,
        next_attempt_at: iso(createdMs),
        locked_until: null,
        last_error: isFailed ? '550 mailbox unavailable' : null,
        created_at: iso(createdMs),
        sent_at: isPending || isFailed ? null : iso(createdMs + 20_000),
      };
    });
    await insertInBatches(db, 'outbox_emails', emails, 500);
    counts['emails']! += emails.length;
  }
  return { adminId, counts };
}

// ---- query plans ----

/**
 * Records every query a repository function sends, to explain the very same SQL afterwards.
 * Subqueries pass through `transformQuery` too; only the statements that came back with a
 * result were sent on their own.
 */
class QueryCapture implements KyselyPlugin {
  readonly #seen = new Map<QueryId, RootOperationNode>();
  readonly nodes: RootOperationNode[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.#seen.set(args.queryId, args.node);
    return args.node;
  }
  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const node = this.#seen.get(args.queryId);
    if (node) this.nodes.push(node);
    return Promise.resolve(args.result);
  }
}

const queryNames = ['inquiries per hour', 'paid orders per hour', 'money paid in per hour', 'fees per hour', 'first offers', 'responses per expert', 'names of the lowest', 'current counts + outbox'];
const queryRuns = 20;

/** Full reads in a plan: SQLite "SCAN <table>" (a whole table, or a whole index), PostgreSQL "Seq Scan on <table>". */
function fullReadsIn(lines: string[]): string[] {
  const found = new Set<string>();
  for (const line of lines) {
    const sqlite = /\bSCAN (\w+)/.exec(line);
    if (sqlite && !/USING (?:INTEGER )?PRIMARY KEY/.test(line) && !/^SCAN (CONSTANT ROW|SUBQUERY|e\b)/.test(line.trim())) found.add(sqlite[1]!);
    const postgres = /Seq Scan on (\w+)/.exec(line);
    if (postgres) found.add(postgres[1]!);
  }
  return [...found];
}

async function plans(engine: string, database: DatabaseHandle, round: string, weekCount: number): Promise<void> {
  const capture = new QueryCapture();
  await loadDashboard(database.db.withPlugin(capture), { now: new Date(), weekCount });
  const out: string[] = [];
  let total = 0;
  for (const [k, node] of capture.nodes.entries()) {
    const compiled = database.db.getExecutor().compileQuery(node, createQueryId());
    const prefix = database.engine === 'sqlite' ? 'explain query plan ' : 'explain (analyze, buffers off, timing off) ';
    const rows = (await database.db.executeQuery(CompiledQuery.raw(prefix + compiled.sql, [...compiled.parameters]))).rows as Record<string, unknown>[];
    const lines = rows.map((r) => String(r['detail'] ?? r['QUERY PLAN']));
    const full = fullReadsIn(lines);
    const times: number[] = [];
    for (let n = 0; n < queryRuns; n += 1) {
      const started = performance.now();
      await database.db.executeQuery(compiled);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    total += percentile(times, 50);
    const name = queryNames[k] ?? `query ${k + 1}`;
    const verdict = full.length ? `reads in full: ${full.join(', ')}` : 'index ranges only';
    out.push(`  ${name} — ${verdict}`, ...lines.map((l) => `      ${l}`));
    results.push({ engine, what: `${round}: ${name} (alone)`, requests: queryRuns, p50: percentile(times, 50), p99: percentile(times, 99), note: verdict });
  }
  console.log(`\n${engine}, ${round}: query plans (${weekCount} weeks)\n${out.join('\n')}\n`);
  results.push({ engine, what: `${round}: sum of the ${capture.nodes.length} queries' p50`, p50: total });
}

async function wholeDashboard(engine: string, database: DatabaseHandle, round: string, weekCount: number): Promise<void> {
  await loadDashboard(database.db, { now: new Date(), weekCount });
  const times: number[] = [];
  for (let n = 0; n < queryRuns; n += 1) {
    const started = performance.now();
    await loadDashboard(database.db, { now: new Date(), weekCount });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  results.push({ engine, what: `${round}: loadDashboard, ${weekCount} weeks, no HTTP`, requests: queryRuns, p50: percentile(times, 50), p99: percentile(times, 99) });
}

/** One GET; tried a second time when the first finds a keep-alive socket the server closed meanwhile (indexes take minutes to build). */
async function fetchOnce(url: string, cookie: string): Promise<Response> {
  try {
    return await fetch(url, { headers: { cookie }, redirect: 'manual' });
  } catch {
    return fetch(url, { headers: { cookie }, redirect: 'manual' });
  }
}

async function measureRound(engine: string, database: DatabaseHandle, round: string, server: { base: string }, cookie: string): Promise<void> {
  await plans(engine, database, round, 12);
  for (const weekCount of [12, 26]) await wholeDashboard(engine, database, round, weekCount);
  // One member of staff opening the page (latency), then `connections` at once (the page's queries block a SQLite process while they run).
  for (const [query, concurrency] of [['', 1], ['?weeks=26', 1], ['', connections]] as const) {
    const first = await fetchOnce(`${server.base}/admin${query}`, cookie);
    const html = await first.text();
    if (first.status !== 200) throw new Error(`/admin${query} answered ${first.status}`);
    results.push(
      await measure(engine, `${round}: GET /admin${query}, ${concurrency} at a time`, `${server.base}/admin${query}`, {
        cookie,
        connections: concurrency,
        seconds,
        note: `${Math.round(html.length / 1024)} KB`,
      }),
    );
  }
}

async function benchEngine(engine: string, database: DatabaseHandle, dataDir: string): Promise<void> {
  const seedStarted = performance.now();
  const { adminId, counts } = await database.db.transaction().execute((trx) => seed(trx, Date.now()));
  await sql`analyze`.execute(database.db);
  results.push({
    engine,
    what: `seed: ${Object.entries(counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}`,
    note: `${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
  });

  const server = await startBenchServer(database, dataDir);
  try {
    const cookie = `konsult_sid=${await createSession(database.db, server.deps, { userId: adminId, ip: null, userAgent: 'bench' })}`;
    const sample = await loadDashboard(database.db, { now: new Date(), weekCount: 12 });
    console.log(
      `${engine}: last 12 weeks: ${sample.period.inquiries} inquiries (${sample.period.general} general), ${sample.period.paidOrders} paid orders, ` +
        `median to first offer ${sample.period.medianHoursToFirstOffer?.toFixed(1)} h; ${sample.responses.counted} invitations counted for response rates; ` +
        `now: ${sample.now.openInquiries} open, ${sample.now.triageInquiries} in triage, ${sample.now.openDisputes} disputes, escrow ${sample.now.escrowCents / 100} €; ` +
        `outbox: ${sample.outbox.pending} pending, ${sample.outbox.failed} failed, ${sample.outbox.sentLastDay} sent in 24 h`,
    );
    await sql`analyze`.execute(database.db);
    await measureRound(engine, database, 'as migrated', server, cookie);
  } finally {
    await server.close();
  }
}

console.log(`${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`Seeding ${inquiryCount} inquiries and ${emailCount} e-mails, then measuring the dashboard (${seconds} s per HTTP measure, ${connections} connections)…`);
try {
  await forEachEngine('dashboard', benchEngine);
} finally {
  printTable(results);
}
console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
