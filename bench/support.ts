/**
 * What the benchmarks share: a deterministic random source, keep-alive load loops with
 * percentiles, the real app on a loopback port, one run per engine (SQLite always, PostgreSQL
 * when BENCH_DATABASE_URL is set) and a table of results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import { randomToken } from '../src/adapters/tokens.js';
import { loadConfig } from '../src/config.js';
import { buildContainer } from '../src/container.js';
import { openDatabase, type DatabaseHandle, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { buildApp } from '../src/http/app.js';
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

/** The real portal (production settings, silent logs) listening on a free loopback port. */
export async function startBenchServer(database: DatabaseHandle, dataDir: string): Promise<{ base: string; deps: Deps; close(): Promise<void> }> {
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
