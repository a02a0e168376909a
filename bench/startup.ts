/**
 * Start-up figures: time from spawning `node dist/src/server.js` until /readyz answers, and the
 * server's resident memory right after, for a first start on an empty database (migrations and
 * demo seed included) and for restarts on an existing one. Run `npm run build` first.
 * Usage: npm run bench:startup
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

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
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

async function startOnce(dataDir: string): Promise<{ ms: number; rss: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/src/server.js'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite:${path.join(dataDir, 'konsult.sqlite')}`,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (response.ok) break;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 30_000) throw new Error('server did not become ready in 30 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    const ms = performance.now() - started;
    if (!child.pid) throw new Error('no pid');
    return { ms, rss: rssMb(child.pid) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'konsult-bench-'));
const first = await startOnce(dataDir);
console.log(`first start (migrate + seed): ${first.ms.toFixed(0)} ms to ready, RSS ${first.rss} MB`);
const warm: number[] = [];
for (let i = 0; i < 5; i += 1) {
  const run = await startOnce(dataDir);
  warm.push(run.ms);
  if (i === 4) console.log(`restart: median ${warm.sort((a, b) => a - b)[2]!.toFixed(0)} ms to ready over 5 runs, RSS ${run.rss} MB`);
}
fs.rmSync(dataDir, { recursive: true, force: true });
