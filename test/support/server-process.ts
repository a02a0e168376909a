import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type ServerProcess = {
  /** Where the portal answers, e.g. http://127.0.0.1:41234 (also its PUBLIC_URL, so e-mailed links point here). */
  baseUrl: string;
  /** The data directory (SQLite file, generated secret): a temporary one, or the one passed in `options.dataDir`. */
  dataDir: string;
  /** The server's process id. */
  pid: number;
  /** What the process has written to stdout and stderr so far (the tail), for failure messages. */
  output(): string;
  /**
   * Sends `signal` (default SIGKILL: a crash, no shutdown code runs) and resolves once the process
   * has exited. The data directory stays; `stop()` afterwards still removes a temporary one.
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the process (SIGTERM, then SIGKILL) and removes its data directory unless it was passed in. */
  stop(): Promise<void>;
};

export type ServerProcessOptions = {
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
  /** How long to wait for /readyz. */
  readyTimeoutMs?: number;
  /**
   * An existing data directory to use (a restart after a crash, a directory on a small disk).
   * The caller owns it: `stop()` leaves it in place.
   */
  dataDir?: string;
  /** The port to listen on (the same one again after a restart); a free one when unset. */
  port?: number;
};

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const maxOutputChars = 64 * 1024;

/** Asks the kernel for a free port on loopback. A tiny race remains until the server binds it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts the real portal (`src/server.ts` through tsx, the same code the tests import) as a
 * child process on a free port of 127.0.0.1 (or `options.port`), with a fresh SQLite database in a
 * temporary directory (or the one in `options.dataDir`) and the demo accounts seeded into an empty
 * database, and waits until /readyz answers.
 */
export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'konsult-e2e-')));
  const port = options.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    TMPDIR: process.env['TMPDIR'],
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: baseUrl,
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite:${path.join(dataDir, 'konsult.sqlite')}`,
    SEED_DEMO: 'true',
    PASSWORD_HASH_LOG_N: '12',
    LOG_LEVEL: 'warn',
    ...options.env,
  };

  // `node --import tsx` keeps it to one process, so the pid we signal is the server itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let output = '';
  const capture = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > maxOutputChars) output = output.slice(-maxOutputChars);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);

  let exitNote: string | undefined;
  child.once('exit', (code, signal) => {
    exitNote = `server process exited (code ${code ?? '-'}, signal ${signal ?? '-'})`;
  });

  let isStopped = false;
  const stop = async () => {
    if (isStopped) return;
    isStopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 5_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    if (!(await waitForExit(child, 10_000))) throw new Error(`the server process did not exit after ${signal}`);
  };

  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + readyTimeoutMs;
  try {
    for (;;) {
      if (exitNote) throw new Error(exitNote);
      try {
        const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the portal did not become ready within ${readyTimeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason}\n--- server output ---\n${output || '(none)'}`, { cause: error });
  }

  return { baseUrl, dataDir, pid: child.pid ?? 0, output: () => output, kill, stop };
}
