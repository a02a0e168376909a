/**
 * Support for the shutdown suite: the portal's two programs (the web process `src/server.ts` and
 * the worker `src/worker.ts`) as child processes whose exit code and log lines the test reads, and
 * raw HTTP connections that send a request at the pace the test chooses (half a body now, the rest
 * later) or stay open idle after one request, as a browser's or nginx's keep-alive connection does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/server-process.js';
import { waitFor } from './support.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type Exit = { code: number | null; signal: NodeJS.Signals | null; atMs: number };

export type LogLine = { level: number; msg: string; time: number; [key: string]: unknown };

export type PortalProcess = {
  pid: number;
  /** Where the web process answers (empty for the worker). */
  baseUrl: string;
  port: number;
  /** All it has written to stdout and stderr, for failure messages (the tail). */
  output(): string;
  /** Its JSON log lines so far, in order. */
  logLines(): LogLine[];
  /** Resolves once it has exited, with the code and the time (Date.now()). */
  exited: Promise<Exit>;
  hasExited(): boolean;
  /** Sends a signal (returns at once). */
  signal(signal: NodeJS.Signals): void;
  /** Ends it if still running (SIGKILL: the tests' own shutdown is under test, not used to clean up). */
  kill(): Promise<void>;
};

export type PortalOptions = {
  program: 'web' | 'worker';
  dataDir: string;
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
  /** How long to wait until it is ready (the web process answers /readyz, the worker logs that it runs). */
  readyTimeoutMs?: number;
};

function parseLogLines(text: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      // a line cut by the tail, or not a log line
    }
  }
  return lines;
}

/**
 * Starts the web process or the worker (`node --import tsx`, one process, so the pid signalled
 * is the program itself) on the SQLite file of `dataDir` with info-level JSON logs, and waits
 * until it is ready. The web process listens on a free port of 127.0.0.1 and seeds the demo
 * accounts into an empty database.
 */
export async function startPortalProcess(options: PortalOptions): Promise<PortalProcess> {
  const port = options.program === 'web' ? await freePort() : 0;
  const baseUrl = port ? `http://127.0.0.1:${port}` : '';
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    TMPDIR: process.env['TMPDIR'],
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port || 3000),
    ...(baseUrl ? { PUBLIC_URL: baseUrl } : {}),
    DATA_DIR: options.dataDir,
    DATABASE_URL: `sqlite:${path.join(options.dataDir, 'konsult.sqlite')}`,
    SEED_DEMO: 'true',
    PASSWORD_HASH_LOG_N: '12',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', options.program === 'web' ? 'src/server.ts' : 'src/worker.ts'], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let output = '';
  let lines: LogLine[] = [];
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-256 * 1024);
    pending += text;
    const end = pending.lastIndexOf('\n');
    if (end >= 0) {
      lines = lines.concat(parseLogLines(pending.slice(0, end)));
      pending = pending.slice(end + 1);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-256 * 1024);
  });

  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    // 'close' rather than 'exit': by then stdout has been read to the end, last log lines included.
    child.once('close', (code, signal) => {
      exit = { code, signal, atMs: Date.now() };
      resolve(exit);
    });
  });

  const running: PortalProcess = {
    pid: child.pid ?? 0,
    baseUrl,
    port,
    output: () => output,
    logLines: () => lines,
    exited,
    hasExited: () => exit !== undefined,
    signal: (signal) => void child.kill(signal),
    async kill() {
      if (exit) return;
      child.kill('SIGKILL');
      await exited;
    },
  };

  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  try {
    await waitFor(`the ${options.program} process to be ready`, readyTimeoutMs, async () => {
      if (exit) throw new Error(`the ${options.program} process exited (code ${exit.code ?? '-'}, signal ${exit.signal ?? '-'})`);
      if (options.program === 'worker') return lines.some((line) => line.msg === 'Konsult worker is running') ? true : undefined;
      try {
        const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
        return response.ok ? true : undefined;
      } catch {
        return undefined; // not listening yet
      }
    }, 100);
  } catch (error) {
    await running.kill();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- output ---\n${output || '(none)'}`, { cause: error });
  }
  return running;
}

/** The first log line with this message (after `since`, a Date.now() time), or undefined. */
export function logLine(process: PortalProcess, msg: string | RegExp, since = 0): LogLine | undefined {
  return process.logLines().find((line) => (typeof msg === 'string' ? line.msg === msg : msg.test(line.msg)) && line.time >= since);
}

// ---- raw HTTP ----

/** The connection ended or failed before the whole answer had arrived. */
export class ConnectionLost extends Error {}

export type RawAnswer = { status: number; headers: Record<string, string>; body: string };

/** Reads one HTTP/1.1 answer (with a Content-Length or up to the end of the connection) from what has arrived on `socket`. */
function readAnswer(socket: Socket, received: () => Buffer, isEnded: () => boolean, timeoutMs: number): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
    const parse = (isEnded: boolean): RawAnswer | undefined => {
      const bytes = received();
      const headEnd = bytes.indexOf('\r\n\r\n');
      if (headEnd < 0) return undefined;
      const [statusLine = '', ...headerLines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = bytes.subarray(headEnd + 4);
      const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
      if (length === undefined ? !isEnded : body.length < length) return undefined;
      return { status: Number(statusLine.split(' ')[1]), headers, body: body.subarray(0, length).toString('utf8') };
    };
    const onData = () => {
      const answer = parse(false);
      if (answer) done(undefined, answer);
    };
    const onEnd = () => {
      const answer = parse(true);
      done(answer ? undefined : new ConnectionLost(`the connection ended without a complete answer: ${JSON.stringify(received().toString('latin1').slice(0, 300))}`), answer);
    };
    const onError = (error: Error) => done(new ConnectionLost(`the connection failed before a complete answer: ${error.message}`, { cause: error }));
    function done(error: Error | undefined, answer?: RawAnswer) {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      if (error) reject(error);
      else resolve(answer!);
    }
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
    if (isEnded()) onEnd();
    else onData();
  });
}

export type RawConnection = {
  /** Writes more bytes of the request. */
  write(bytes: Buffer | string): Promise<void>;
  /** The answer to the request (call once it has been sent in full, or to wait while it is sent). */
  answer(timeoutMs?: number): Promise<RawAnswer>;
  /** Resolves with the time (Date.now()) the server closed the connection. */
  closedByServer: Promise<number>;
  destroy(): void;
};

/** Opens a TCP connection to the portal; rejects when it is refused. */
export async function openConnection(port: number): Promise<RawConnection> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined); // a reset shows up as the end below
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  let isEnded = false;
  const closedByServer = new Promise<number>((resolve) => {
    const ended = () => {
      isEnded = true;
      resolve(Date.now());
    };
    socket.once('end', ended);
    socket.once('close', ended);
  });
  return {
    write: (bytes) =>
      new Promise<void>((resolve, reject) =>
        socket.write(bytes, (error) => (error ? reject(new ConnectionLost(`the connection failed while sending: ${error.message}`, { cause: error })) : resolve())),
      ),
    answer: (timeoutMs = 20_000) => readAnswer(socket, () => Buffer.concat(chunks), () => isEnded, timeoutMs),
    closedByServer,
    destroy: () => socket.destroy(),
  };
}

/**
 * How a new connection fares: refused at the TCP level; reset (the kernel had queued it, the
 * portal closed its listening socket before taking it); or answered, `ready` when /readyz says so,
 * else the status it got.
 */
export async function readinessOnNewConnection(port: number): Promise<'refused' | 'reset' | 'ready' | number> {
  let connection: RawConnection;
  try {
    connection = await openConnection(port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return 'refused';
    if (code === 'ECONNRESET') return 'reset';
    throw error;
  }
  try {
    await connection.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    const answer = await connection.answer(5_000);
    return answer.status === 200 && /"ready"/.test(answer.body) ? 'ready' : answer.status;
  } catch (error) {
    if (error instanceof ConnectionLost) return 'reset';
    throw error;
  } finally {
    connection.destroy();
  }
}

/** A request head for `path` with `headers` (Host added), as a client writes it. */
export function requestHead(method: string, url: string, headers: Record<string, string>): string {
  return `${method} ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
}

/** Resolves with the process's exit once it has exited; throws if it is still running after `ms`. */
export async function exitWithin(process: PortalProcess, ms: number): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the process was still running ${ms} ms later\n--- output ---\n${process.output().slice(-4000)}`)), ms);
  });
  try {
    return await Promise.race([process.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
