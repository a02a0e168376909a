/**
 * Inquiries and invitations on a big database.
 *
 * Seeds 10 000 experts (20 fields, 1–3 each), 40 000 customers and 200 000 inquiries over two
 * years with 1–5 invitations each (about 600 000; experts are picked with a popularity skew, so
 * the busiest have thousands) and offers on about a third of them (`seedMarketplace` in
 * support.ts, shared with bench/main.ts), into a fresh SQLite file and,
 * when BENCH_DATABASE_URL is set, a fresh PostgreSQL schema, both through the real migrations.
 * Statuses follow the lifecycles: most inquiries are closed (expired, cancelled, ordered), the
 * last ~1 % are still open with new, seen and offered invitations. Then, through the real server
 * (buildApp + listen on 127.0.0.1, keep-alive fetch loops, real sessions):
 *   (a) an expert's My menu (GET /my) and E-consultations list (all, ?filter=new, ?filter=offered,
 *       page 2) for the busiest expert and for a typical (median) one;
 *   (b) customers sending an inquiry to 5 experts (POST /inquiries, multipart, as the form does),
 *       by 1 writer and by BENCH_WRITERS writers at once;
 * and prints the query plans of the expert's list and the agenda, with a check that they reach
 * invitations through an index (no full scan).
 *
 * Usage: npm run bench:inquiries   (BENCH_SECONDS=5 per measure, BENCH_CONNECTIONS=50,
 *        BENCH_WRITERS=10, BENCH_EXPERTS=10000, BENCH_INQUIRIES=200000;
 *        BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)
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
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { DatabaseHandle, Db } from '../src/db/database.js';
import { listExpertAgenda, listExpertInvitations } from '../src/db/repositories/inquiry-repository.js';
import { tallinnDayOf } from '../src/domain/calendar.js';
import { createSession } from '../src/use-cases/sessions.js';
import { availableExperts } from '../src/use-cases/inquiries.js';
import type { Deps } from '../src/use-cases/deps.js';
import { forEachEngine, measure, percentile, printTable, seedMarketplace, seededRandom, startBenchServer, type ResultRow } from './support.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 50);
const writers = Number(process.env['BENCH_WRITERS'] ?? 10);
const expertCount = Number(process.env['BENCH_EXPERTS'] ?? 10_000);
const inquiryCount = Number(process.env['BENCH_INQUIRIES'] ?? 200_000);
/** How many inquiries one customer sends in the write test before the next customer takes over (under the daily limit). */
const inquiriesPerCustomer = 10;
const dayMs = 86_400_000;

const results: ResultRow[] = [];

// ---- query plans ----

/** Records every query a repository function sends, to explain the very same SQL afterwards. */
class QueryCapture implements KyselyPlugin {
  readonly nodes: RootOperationNode[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.nodes.push(args.node);
    return args.node;
  }
  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

/** The tables a plan reads in full (SQLite: SCAN without an index; PostgreSQL: Seq Scan), among invitations and inquiries. */
function fullScansIn(lines: string[]): string[] {
  const tables = [
    { name: 'invitations', sqlite: /\bSCAN (i|invitations)\b(?!.*\bUSING\b)/, postgres: /Seq Scan on invitations\b/ },
    { name: 'inquiries', sqlite: /\bSCAN (q|inquiries)\b(?!.*\bUSING\b)/, postgres: /Seq Scan on inquiries\b/ },
  ];
  return tables.filter((t) => lines.some((line) => t.sqlite.test(line) || t.postgres.test(line))).map((t) => t.name);
}

/** How often each planned query is run on its own, one after the other, to time it without HTTP and rendering. */
const queryRuns = 50;

/**
 * The plans of the queries `run` sends, as the engine reports them (SQLite: EXPLAIN QUERY PLAN;
 * PostgreSQL: EXPLAIN ANALYZE, so with the real row counts), each under a line naming it; and a
 * result row with each query's own time (run alone, `queryRuns` times).
 */
async function plansOf(engine: string, database: DatabaseHandle, title: string, names: string[], run: (db: Db) => Promise<unknown>): Promise<string> {
  const capture = new QueryCapture();
  await run(database.db.withPlugin(capture));
  const out: string[] = [];
  for (const [k, node] of capture.nodes.entries()) {
    const compiled = database.db.getExecutor().compileQuery(node, createQueryId());
    const prefix = database.engine === 'sqlite' ? 'explain query plan ' : 'explain (analyze, buffers off, timing off) ';
    const rows = (await database.db.executeQuery(CompiledQuery.raw(prefix + compiled.sql, [...compiled.parameters]))).rows as Record<string, unknown>[];
    const lines = rows.map((r) => String(r['detail'] ?? r['QUERY PLAN']));
    const scanned = fullScansIn(lines);
    const verdict = scanned.length ? scanned.map((t) => `FULL SCAN OF ${t}`).join(', ') : 'no full scan (invitations through an index)';
    const name = `${title}, ${names[k] ?? `query ${k + 1}`}`;
    out.push(`  ${name} — ${verdict}`, ...lines.map((l) => `      ${l}`));
    const times: number[] = [];
    for (let n = 0; n < queryRuns; n += 1) {
      const started = performance.now();
      await database.db.executeQuery(compiled);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    results.push({ engine, what: `query alone: ${name}`, requests: queryRuns, p50: percentile(times, 50), p99: percentile(times, 99), note: verdict });
  }
  return out.join('\n');
}

// ---- writes ----

type Writer = { cookie: string; csrf: string; sent: number };

/**
 * Customers sending inquiries to 5 experts each through POST /inquiries (multipart, as the
 * browser sends the form) for `durationMs`, `concurrency` at a time. Each customer sends
 * `inquiriesPerCustomer`, then the next one signs in (not timed), to stay under the daily limit.
 */
async function writeLoad(
  base: string,
  deps: Deps,
  plan: { customers: number[]; experts: Map<number, number[]>; random: () => number },
  concurrency: number,
  durationMs: number,
): Promise<{ latencies: number[]; errors: number; elapsedMs: number }> {
  const fieldIds = [...plan.experts.keys()];
  const deadline = tallinnDayOf(new Date(Date.now() + 7 * dayMs));
  const signIn = async (): Promise<Writer> => {
    const customerId = plan.customers.pop();
    if (customerId === undefined) throw new Error('out of customers for the write test');
    const cookie = `konsult_sid=${await createSession(deps.db, deps, { userId: customerId, ip: null, userAgent: 'bench' })}`;
    const form = await fetch(`${base}/inquiries/new?field=${fieldIds[0]}`, { headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    if (form.status !== 200 || !csrf) throw new Error(`the inquiry form answered ${form.status} without a token`);
    return { cookie, csrf, sent: 0 };
  };
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const started = performance.now();
  const until = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      let writer = await signIn();
      while (performance.now() < until) {
        if (writer.sent >= inquiriesPerCustomer) writer = await signIn();
        const fieldId = fieldIds[Math.floor(plan.random() * fieldIds.length)]!;
        const available = plan.experts.get(fieldId)!;
        const chosen = new Set<number>();
        while (chosen.size < Math.min(5, available.length)) chosen.add(available[Math.floor(plan.random() * available.length)]!);
        n += 1;
        const form = new FormData();
        form.append('_csrf', writer.csrf);
        form.append('kind', 'consultation');
        form.append('fieldId', String(fieldId));
        for (const id of chosen) form.append('expertIds', String(id));
        form.append('title', `Koormustest: vajan nõu (nr ${n})`);
        form.append('description', 'Kirjeldus sellest, mis juhtus, ja millised dokumendid mul on. '.repeat(5));
        form.append('deadline', deadline);
        form.append('wishedBy', '');
        form.append('language', 'et');
        const t0 = performance.now();
        const response = await fetch(`${base}/inquiries`, { method: 'POST', headers: { cookie: writer.cookie }, body: form, redirect: 'manual' });
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        writer.sent += 1;
        if (response.status !== 303) errors += 1;
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), errors, elapsedMs: performance.now() - started };
}

// ---- the run ----

async function benchEngine(engine: string, database: DatabaseHandle, dataDir: string): Promise<void> {
  const seedStarted = performance.now();
  const seeded = await seedMarketplace(database.db, { experts: expertCount, inquiries: inquiryCount });
  // Fresh statistics for the planners (PostgreSQL's autovacuum would do it after a bulk load).
  await sql`analyze`.execute(database.db);
  results.push({
    engine,
    what: `seed: ${expertCount} experts, ${inquiryCount} inquiries, ${seeded.invitations} invitations, ${seeded.offers} offers`,
    note: `${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
  });

  // The busiest expert and a typical one (the median of those invited at all).
  const ranked = [...seeded.perExpert.entries()].filter(([, c]) => c.all > 0).sort((a, b) => b[1].all - a[1].all);
  const chosen = [
    { label: 'busiest expert', entry: ranked[0]! },
    { label: 'median expert', entry: ranked[Math.floor(ranked.length / 2)]! },
  ];
  for (const { label, entry } of chosen) {
    const [, c] = entry;
    console.log(`${engine}: ${label}: ${c.all} invitations (open: ${c.new} new, ${c.seen} seen, ${c.offered} offered)`);
  }

  const busiest = chosen[0]!.entry[0];
  const plans = [
    await plansOf(engine, database, 'E-consultations, all, page 2', ['page', 'count'], (db) => listExpertInvitations(db, busiest, { filter: 'all', kind: undefined, limit: 25, offset: 25 })),
    await plansOf(engine, database, 'E-consultations, ?filter=new', ['page', 'count'], (db) => listExpertInvitations(db, busiest, { filter: 'new', kind: undefined, limit: 25, offset: 0 })),
    await plansOf(engine, database, 'My menu agenda', ['new ones', 'waiting ones', 'count of new'], (db) => listExpertAgenda(db, busiest, 10)),
  ];
  console.log(`\n${engine}: query plans for the busiest expert\n${plans.join('\n')}\n`);
  const scans = (table: string) => plans.join('\n').match(new RegExp(`FULL SCAN OF ${table}`, 'g'))?.length ?? 0;
  results.push({
    engine,
    what: 'plans: expert list (all, new) + agenda, 7 queries',
    note: `full scans of invitations: ${scans('invitations')}, of inquiries: ${scans('inquiries')}`,
  });

  const server = await startBenchServer(database, dataDir);
  try {
    const routes = ['/my', '/e-consultations', '/e-consultations?filter=new', '/e-consultations?filter=offered', '/e-consultations?page=2'];
    for (const { label, entry } of chosen) {
      const [expertId, counts] = entry;
      const cookie = `konsult_sid=${await createSession(database.db, server.deps, { userId: expertId, ip: null, userAgent: 'bench' })}`;
      for (const route of routes) {
        const first = await fetch(server.base + route, { headers: { cookie }, redirect: 'manual' });
        const html = await first.text();
        if (first.status !== 200) throw new Error(`${route} answered ${first.status}`);
        const shown = new Set(html.match(/href="\/inquiries\/\d+"/g) ?? []).size;
        results.push(
          await measure(engine, `${label} (${counts.all} inv.): GET ${route}`, server.base + route, {
            cookie,
            connections,
            seconds,
            note: `${shown} inquiries shown, ${Math.round(html.length / 1024)} KB`,
          }),
        );
      }
    }

    // Writes: the experts a customer can choose in each field, as the order form lists them.
    const experts = new Map<number, number[]>();
    for (const fieldId of seeded.fieldIds) experts.set(fieldId, (await availableExperts(server.deps, undefined, fieldId)).map((e) => e.id));
    const plan = { customers: [...seeded.customerIds], experts, random: seededRandom(7) };
    for (const concurrency of [...new Set([1, writers])]) {
      await writeLoad(server.base, server.deps, plan, concurrency, 1_000);
      const before = await countRows(database.db);
      const { latencies, errors, elapsedMs } = await writeLoad(server.base, server.deps, plan, concurrency, seconds * 1_000);
      const after = await countRows(database.db);
      const made = after.inquiries - before.inquiries;
      results.push({
        engine,
        what: `POST /inquiries (5 invitations), ${concurrency} writer${concurrency === 1 ? '' : 's'}`,
        requests: latencies.length,
        rps: made / (elapsedMs / 1000),
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        note: `${errors ? `${errors} not 303; ` : ''}+${made} inquiries, +${after.invitations - before.invitations} invitations, +${after.notices - before.notices} notices`,
      });
    }
  } finally {
    await server.close();
  }
}

async function countRows(db: Db): Promise<{ inquiries: number; invitations: number; notices: number }> {
  const count = async (table: 'inquiries' | 'invitations' | 'notices') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { inquiries: await count('inquiries'), invitations: await count('invitations'), notices: await count('notices') };
}

console.log(`${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (the load loops run in the server's process)`);
console.log(`Seeding ${expertCount} experts and ${inquiryCount} inquiries, then measuring (${seconds} s per measure, ${connections} connections, ${writers} writers)…`);
await forEachEngine('inquiries', benchEngine);
printTable(results);
console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
