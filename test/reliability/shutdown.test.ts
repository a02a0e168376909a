/**
 * Graceful shutdown of the real processes: the web process (`src/server.ts`) and the worker
 * (`src/worker.ts`) are sent SIGTERM, as systemd or `docker stop` do on a deploy, while work is in
 * flight. Two web processes behind nginx and a worker: a restart of one must not cost anybody a
 * request or an e-mail.
 *
 * What must hold, as a person or an operator would notice it:
 * - a request in flight when the signal comes (a customer's inquiry whose upload is still
 *   arriving) is answered as usual and its write is in the database; meanwhile new connections are
 *   refused (nginx goes to the other web process), idle keep-alive connections are closed at once
 *   and do not hold the exit up, and the process exits 0 as soon as the request is done;
 * - a request that outlasts the grace period (10 s, src/server.ts) does not keep the process: it
 *   exits (1) when the grace period is over;
 * - an e-mail being handed to a slow SMTP server when the worker (its own process, or the one
 *   inside the web process) is told to stop is delivered and marked sent, the process exits 0, and
 *   a worker started again does not send it a second time (counted by Message-ID at the sink);
 * - the log says "shutting down" with the signal, and when done how long it took; a second
 *   SIGTERM while draining does not cut the drain short.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfOfSize } from '../support/hostile-files.js';
import { multipartBody } from '../support/multipart.js';
import { exitWithin, logLine, openConnection, readinessOnNewConnection, requestHead, startPortalProcess, type PortalProcess } from './shutdown-support.js';
import { fieldIdByEnglishName, outboxRows, readDatabase, sleep, SmtpSink, tallinnDay, userIdByEmail, waitFor, WebClient } from './support.js';

/** The web process's grace period (src/server.ts). */
const webGraceMs = 10_000;
/** How long the SMTP sink holds its answer to DATA: the slow mail server. */
const smtpAnswerDelayMs = 2_000;
/** Timers and process exits are not to the millisecond. */
const slackMs = 300;

let dataDir: string;
let dbFile: string;
/** A second data directory, without demo data, for the test that shares no data with the others. */
let emptyDataDir: string;
const sink = new SmtpSink();
const processes: PortalProcess[] = [];

async function start(program: 'web' | 'worker', env: Record<string, string> = {}, inDataDir = dataDir): Promise<PortalProcess> {
  const started = await startPortalProcess({ program, dataDir: inDataDir, env });
  processes.push(started);
  return started;
}

function context(...of: PortalProcess[]): string {
  return of.map((p) => `--- output of ${p.pid} ---\n${p.output().slice(-4000)}`).join('\n');
}

/** A visitor registers: the portal stores the verification e-mail in the outbox. Returns the address. */
async function register(baseUrl: string, tag: string): Promise<string> {
  const visitor = new WebClient(baseUrl);
  await visitor.get('/register');
  const email = `shutdown-${tag}-${Date.now()}@example.com`;
  const answer = await visitor.post('/register', { name: `Shutdown ${tag}`, email, phone: '', password: 'Graceful-exit-2026', passwordRepeat: 'Graceful-exit-2026' });
  expect(answer.status, answer.body.slice(0, 500)).toBe(200);
  return email;
}

type OutboxEmail = { id: number; message_id: string; status: string; locked_until: string | null };

function outboxRowTo(address: string): OutboxEmail {
  const row = readDatabase(dbFile, (db) => db.prepare('select id, message_id, status, locked_until from outbox_emails where to_address = ?').get(address)) as OutboxEmail | undefined;
  if (!row) throw new Error(`no e-mail to ${address} in the outbox`);
  return row;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'konsult-shutdown-'));
  dbFile = path.join(dataDir, 'konsult.sqlite');
  emptyDataDir = await mkdtemp(path.join(tmpdir(), 'konsult-shutdown-empty-'));
  await sink.start();
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await sink.stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(emptyDataDir, { recursive: true, force: true });
});

describe('SIGTERM to the web process', () => {
  it('answers the upload in flight, refuses new connections, closes idle ones, and exits 0 once the upload is answered', async () => {
    const web = await start('web', { RUN_WORKER: 'false' });
    const customer = new WebClient(web.baseUrl);
    await customer.signIn('klient@demo.konsult.ee');
    expect(customer.csrfToken, 'the signed-in page carries a form token').toBeDefined();
    const fieldId = readDatabase(dbFile, (db) => fieldIdByEnglishName(db, 'Domestic violence'));
    const customerId = readDatabase(dbFile, (db) => userIdByEmail(db, 'klient@demo.konsult.ee'));

    // A keep-alive connection left idle after one request, as a browser or nginx keeps them.
    const idle = await openConnection(web.port);
    await idle.write(requestHead('GET', '/healthz', { connection: 'keep-alive' }));
    expect((await idle.answer()).status).toBe(200);

    // The customer's inquiry with a statement of 300 KB: the head and half of the body now.
    const title = `Shutdown upload ${Date.now()}`;
    const pdf = pdfOfSize(300_000);
    const { body, contentType } = multipartBody({
      fields: {
        _csrf: customer.csrfToken ?? '',
        kind: 'consultation',
        fieldId: String(fieldId),
        allExperts: 'on',
        title,
        description: 'Sent while the portal is being restarted.',
        deadline: tallinnDay(7),
        language: 'et',
      },
      files: [{ field: 'files', name: 'statement.pdf', contentType: 'application/pdf', content: pdf }],
    });
    const cookie = [...customer.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const upload = await openConnection(web.port);
    await upload.write(requestHead('POST', '/inquiries', { cookie, 'content-type': contentType, 'content-length': String(body.length), connection: 'keep-alive' }));
    const half = Math.floor(body.length / 2);
    await upload.write(body.subarray(0, half));
    await sleep(300); // the portal has the request and is reading its body

    const signalledAt = Date.now();
    web.signal('SIGTERM');

    // At once: a new connection is refused (nginx tries the other web process), so /readyz no
    // longer answers ready, and the idle keep-alive connection is closed.
    const onNewConnection = await waitFor('a new connection to be refused', 2_000, async () => {
      const outcome = await readinessOnNewConnection(web.port);
      return outcome === 'ready' ? undefined : outcome;
    }, 20);
    expect(['refused', 'reset', 503]).toContain(onNewConnection);
    expect(Date.now() - signalledAt, 'time until a new connection was turned away').toBeLessThan(1_000);
    const idleClosedAt = await Promise.race([idle.closedByServer, sleep(3_000).then(() => undefined)]);
    expect(idleClosedAt, 'the idle keep-alive connection was closed by the portal').toBeDefined();
    expect(idleClosedAt! - signalledAt).toBeLessThan(1_000);

    // A second SIGTERM while the upload is still arriving does not cut it short.
    web.signal('SIGTERM');
    await sleep(1_000);
    expect(web.hasExited(), context(web)).toBe(false);

    // The rest of the body: the customer gets the usual answer, the inquiry page.
    await upload.write(body.subarray(half));
    const answer = await upload.answer();
    const answeredAt = Date.now();
    expect(answer.status, `${answer.body.slice(0, 500)}\n${context(web)}`).toBe(303);
    const inquiryId = Number(/^\/inquiries\/(\d+)$/.exec(answer.headers['location'] ?? '')?.[1]);
    expect(inquiryId).toBeGreaterThan(0);

    // And the process goes as soon as it has answered, with code 0, well within the grace period.
    const exit = await exitWithin(web, webGraceMs);
    expect(exit.code, context(web)).toBe(0);
    expect(exit.atMs - answeredAt).toBeLessThan(2_000);
    expect(exit.atMs - signalledAt).toBeLessThan(webGraceMs - 2_000);

    // The write is in the database, with every byte of the file.
    const stored = readDatabase(dbFile, (db) => ({
      inquiry: db.prepare('select customer_id, title from inquiries where id = ?').get(inquiryId) as { customer_id: number; title: string } | undefined,
      files: db.prepare('select f.sha256, f.size_bytes from inquiry_files x join files f on f.id = x.file_id where x.inquiry_id = ?').all(inquiryId),
    }));
    expect(stored.inquiry).toEqual({ customer_id: customerId, title });
    expect(stored.files).toEqual([{ sha256: createHash('sha256').update(pdf).digest('hex'), size_bytes: pdf.length }]);

    // The log: the signal, the second one noted, and how long the drain took (the upload's wait).
    const shuttingDown = logLine(web, 'shutting down');
    expect(shuttingDown, context(web)).toMatchObject({ signal: 'SIGTERM' });
    expect(logLine(web, 'already shutting down, still waiting for the work in flight'), context(web)).toMatchObject({ signal: 'SIGTERM' });
    const done = logLine(web, 'shut down');
    expect(done, context(web)).toMatchObject({ signal: 'SIGTERM' });
    expect(done!['elapsedMs']).toBeGreaterThanOrEqual(answeredAt - signalledAt - slackMs);
    expect(done!['elapsedMs']).toBeLessThan(exit.atMs - signalledAt + slackMs);
  });
});

// These two run side by side: the first mostly waits out the grace period, and shares nothing
// with the second (it has a data directory of its own and sends no e-mail).
describe.concurrent('SIGTERM with work that outlasts the grace period, or an e-mail in flight', () => {
  it('a request longer than the grace period does not keep the web process: it exits when the period is over', async ({ expect }) => {
    const web = await start('web', { RUN_WORKER: 'false', SEED_DEMO: 'false' }, emptyDataDir);
    // A client that sends the head and a few bytes of its sign-in form, then nothing more.
    const stuck = await openConnection(web.port);
    await stuck.write(requestHead('POST', '/login', { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '1000' }));
    await stuck.write('email=slow');
    await sleep(200);

    const signalledAt = Date.now();
    web.signal('SIGTERM');
    await waitFor('a new connection to be refused', 2_000, async () => ((await readinessOnNewConnection(web.port)) === 'ready' ? undefined : true), 20);

    const exit = await exitWithin(web, webGraceMs + 5_000);
    expect(exit.atMs - signalledAt, context(web)).toBeGreaterThanOrEqual(webGraceMs - slackMs);
    expect(exit.atMs - signalledAt).toBeLessThan(webGraceMs + 2_000);
    expect(exit.code, 'cut off, not a clean exit').toBe(1);
    expect(logLine(web, 'shutdown grace period over, exiting with work unfinished'), context(web)).toMatchObject({ signal: 'SIGTERM', openConnections: 1, unfinished: ['requests'] });
    expect(logLine(web, 'shut down')).toBeUndefined();
    stuck.destroy();
  });

  it('the worker process, then the web process with its worker inside, each deliver it, mark it sent and exit 0; none is sent twice', async ({ expect }) => {
    // The worker process. The web process answers the registration and runs no worker of its own.
    const web = await start('web', { RUN_WORKER: 'false', SMTP_URL: sink.url });
    const first = await register(web.baseUrl, 'worker');
    expect(outboxRowTo(first).status).toBe('pending');
    // The worker's first tick comes 2 s after it has started: time to arm the sink.
    const worker = await start('worker', { SMTP_URL: sink.url });
    let signalledAt = 0;
    sink.whenNextMessageArrives(async () => {
      signalledAt = Date.now();
      worker.signal('SIGTERM');
      await sleep(smtpAnswerDelayMs);
    });
    const exit = await exitWithin(worker, 30_000);
    expect(signalledAt, 'the sink received a message and the worker was signalled').toBeGreaterThan(0);
    expect(exit.code, context(worker)).toBe(0);
    // It waited for the mail server's answer, and no longer than that.
    expect(exit.atMs - signalledAt).toBeGreaterThanOrEqual(smtpAnswerDelayMs - slackMs);
    expect(exit.atMs - signalledAt).toBeLessThan(smtpAnswerDelayMs + 3_000);
    const firstRow = outboxRowTo(first);
    expect(firstRow, context(worker)).toMatchObject({ status: 'sent', locked_until: null });
    expect(sink.countsByMessageId().get(firstRow.message_id)).toBe(1);
    // Nothing is left claimed by the process that went (the rest of a batch is handed back).
    const now = new Date().toISOString();
    expect(readDatabase(dbFile, outboxRows).filter((r) => r.status === 'pending' && r.locked_until !== null && r.locked_until > now)).toEqual([]);
    expect(logLine(worker, 'worker shutting down'), context(worker)).toMatchObject({ signal: 'SIGTERM' });
    expect(logLine(worker, 'worker shut down')?.['elapsedMs']).toBeGreaterThanOrEqual(smtpAnswerDelayMs - slackMs);

    // With nothing in flight, the web process goes at once.
    const idleSignalledAt = Date.now();
    web.signal('SIGTERM');
    const webExit = await exitWithin(web, 5_000);
    expect(webExit.code, context(web)).toBe(0);
    expect(webExit.atMs - idleSignalledAt).toBeLessThan(2_000);

    // The web process with its own worker (RUN_WORKER's default), a worker started again: it
    // claims whatever is due every 2 s from its start, and the e-mail delivered while the worker
    // process stopped must not be among it.
    const inProcess = await start('web', { SMTP_URL: sink.url });
    let inProcessSignalledAt = 0;
    sink.whenNextMessageArrives(async () => {
      inProcessSignalledAt = Date.now();
      inProcess.signal('SIGTERM');
      await sleep(smtpAnswerDelayMs);
    });
    const second = await register(inProcess.baseUrl, 'in-process');
    const inProcessExit = await exitWithin(inProcess, 20_000);
    expect(inProcessSignalledAt, 'the sink received the e-mail and the web process was signalled').toBeGreaterThan(0);
    expect(inProcessExit.code, context(inProcess)).toBe(0);
    expect(inProcessExit.atMs - inProcessSignalledAt).toBeGreaterThanOrEqual(smtpAnswerDelayMs - slackMs);
    expect(inProcessExit.atMs - inProcessSignalledAt).toBeLessThan(smtpAnswerDelayMs + 3_000);
    const secondRow = outboxRowTo(second);
    expect(secondRow, context(inProcess)).toMatchObject({ status: 'sent', locked_until: null });
    expect(logLine(inProcess, 'shutting down'), context(inProcess)).toMatchObject({ signal: 'SIGTERM' });
    expect(logLine(inProcess, 'shut down')?.['elapsedMs']).toBeGreaterThanOrEqual(smtpAnswerDelayMs - slackMs);

    // Each e-mail arrived once.
    await sink.settled();
    const counts = sink.countsByMessageId();
    expect(counts.get(firstRow.message_id), 'the e-mail delivered while the worker process stopped').toBe(1);
    expect(counts.get(secondRow.message_id), 'the e-mail delivered while the web process stopped').toBe(1);
    expect([...counts].filter(([, count]) => count !== 1)).toEqual([]);
  });
});
