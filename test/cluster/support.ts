import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { projectRoot } from '../../src/project-root.js';
import { freePort } from '../support/server-process.js';
import { testPostgresUrl } from '../support/test-db.js';

const run = promisify(execFile);

/**
 * The scaled-out deployment as an operator starts it: `deploy/cluster.sh start` with nginx on
 * loopback in front of two web processes and one worker, on a PostgreSQL database of the test's
 * own, and `deploy/cluster.sh stop` at the end.
 */

function readFileOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export type TestDatabase = { url: string; pool: pg.Pool; drop(): Promise<void> };

/** A new, empty PostgreSQL database on the test server; `drop()` removes it. */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = `konsult_cluster_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: testPostgresUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testPostgresUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: testPostgresUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

export type Cluster = {
  /** nginx's address: what people use. */
  baseUrl: string;
  dir: string;
  webPorts: number[];
  pidOf(name: 'web-1' | 'web-2' | 'worker' | 'nginx'): Promise<number>;
  /** Is the process alive (signal 0)? */
  isRunning(pid: number): boolean;
  /** nginx's access log: one line per request, with the web process that answered it. */
  accessLog(): Promise<AccessLine[]>;
  /** The end of each part's log, for a failing test's message. */
  logs(): Promise<string>;
  /** `deploy/cluster.sh stop`: graceful, and the folder removed. */
  stop(): Promise<void>;
};

export type AccessLine = { method: string; path: string; status: number; upstreams: string[]; startedAtMs: number };

const script = path.join(projectRoot(), 'deploy', 'cluster.sh');

/** Starts the cluster with `env` on top of a minimal environment; the dist/ build must exist. */
export async function startCluster(env: Record<string, string>): Promise<Cluster> {
  const dir = await mkdtemp(path.join(tmpdir(), 'konsult-cluster-'));
  const [port, web1, web2] = [await freePort(), await freePort(), await freePort()];
  const baseUrl = `http://127.0.0.1:${port}`;
  const fullEnv: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    TMPDIR: process.env['TMPDIR'],
    CLUSTER_DIR: dir,
    CLUSTER_PORT: String(port),
    WEB_PORTS: `${web1} ${web2}`,
    PUBLIC_URL: baseUrl,
    CLUSTER_SKIP_BUILD: process.env['CLUSTER_SKIP_BUILD'] ?? '1',
    ...env,
  };
  const cluster: Cluster = {
    baseUrl,
    dir,
    webPorts: [web1, web2],
    async pidOf(name) {
      return Number((await readFile(path.join(dir, `${name}.pid`), 'utf8')).trim());
    },
    isRunning(pid) {
      // A killed process nobody has reaped yet is a zombie: dead, though signal 0 still reaches it.
      const state = /^\d+ \(.*\) (\S)/.exec(readFileOrEmpty(`/proc/${pid}/stat`))?.[1];
      return state !== undefined && state !== 'Z' && state !== 'X';
    },
    async accessLog() {
      const text = await readFile(path.join(dir, 'nginx-access.log'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const match = /"(\w+) (\S+) [^"]*" (\d{3}) \d+ done=([\d.]+) rt=([\d.]+) upstream="([^"]*)"/.exec(line);
          if (!match) throw new Error(`an access log line in an unknown format: ${line}`);
          return {
            method: match[1]!,
            path: match[2]!,
            status: Number(match[3]),
            upstreams: match[6]!.split(/,\s*/).filter((u) => u !== '-'),
            // nginx writes a line when the request ends; a long one (the unread stream) began earlier.
            startedAtMs: Math.round((Number(match[4]) - Number(match[5])) * 1000),
          };
        });
    },
    async logs() {
      const parts = await Promise.all(
        ['web-1', 'web-2', 'worker', 'nginx-error'].map(async (name) => {
          const text = await readFile(path.join(dir, `${name}.log`), 'utf8').catch(() => '(none)');
          return `--- ${name}.log ---\n${text.slice(-4000)}`;
        }),
      );
      return parts.join('\n');
    },
    async stop() {
      try {
        await run('bash', [script, 'stop'], { env: fullEnv, timeout: 90_000 });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    await run('bash', [script, 'start'], { env: fullEnv, timeout: 180_000 });
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    const logs = await cluster.logs();
    await run('bash', [script, 'stop'], { env: fullEnv, timeout: 90_000 }).catch(() => undefined);
    throw new Error(`deploy/cluster.sh start failed:\n${output.stdout ?? ''}${output.stderr ?? ''}\n${logs}`, { cause: error });
  }
  return cluster;
}
