import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/adapters/clock.js';
import { createSmtpMailer, type Mailer, type OutgoingEmail } from '../../src/adapters/mailer.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { claimDueEmails } from '../../src/db/repositories/outbox-repository.js';
import type { OutboxEmailRow } from '../../src/db/schema.js';
import { enqueueEmail } from '../../src/use-cases/enqueue-email.js';
import { deliverDueEmails, emailLeaseMs } from '../../src/workers/outbox-worker.js';
import { startWorker } from '../../src/workers/worker.js';
import { emailsTo } from '../support/emails.js';
import { createUser, loginAs } from '../support/factories.js';
import { freePort } from '../support/server-process.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createSharedTestDatabase, testEngine, type SharedTestDatabase } from '../support/test-db.js';

/**
 * The outbox under the conditions it exists for: several workers at once, a mail server that
 * is down for a while, one that refuses for good, and a worker that dies mid-send. Every case
 * ends with what a person would notice: each e-mail arrived exactly once (counted by
 * Message-ID at a real SMTP server), or it is shown as failed to the admin.
 */

const from = 'Konsult <noreply@konsult.test>';
const isPostgres = testEngine() === 'postgres';

/** Queues `count` e-mails the way the use cases do (fixed Message-ID, status pending). */
async function queueEmails(db: Db, clock: ManualClock, count: number, prefix = 'person'): Promise<void> {
  const deps = { clock, publicUrl: 'http://konsult.test', mail: { from, deliverBySmtp: true } };
  for (let i = 1; i <= count; i += 1) {
    await enqueueEmail(db, deps, { address: `${prefix}${i}@example.ee`, name: `Inimene ${i}` }, {
      subject: `Teade nr ${i}`,
      text: `Tere! See on teade number ${i}.`,
      html: `<p>Tere! See on teade number ${i}.</p>`,
    });
  }
}

async function allEmails(db: Db): Promise<OutboxEmailRow[]> {
  return db.selectFrom('outbox_emails').selectAll().orderBy('id').execute();
}

/** How many times each Message-ID reached the SMTP server. */
function deliveriesByMessageId(sink: SmtpSink): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of sink.received) counts.set(mail.messageId ?? '(none)', (counts.get(mail.messageId ?? '(none)') ?? 0) + 1);
  return counts;
}

/**
 * A mail server that is down: port 1 on loopback, where nothing listens and (being privileged)
 * no other test can start listening meanwhile, as it could on a port just freed.
 */
const downSmtpUrl = 'smtp://127.0.0.1:1?tls=off';

describe('several workers on one outbox', () => {
  let shared: SharedTestDatabase;
  let sink: SmtpSink;
  const mailers: Mailer[] = [];

  beforeEach(async () => {
    [shared, sink] = await Promise.all([createSharedTestDatabase(3), startSmtpSink()]);
  });
  afterEach(async () => {
    for (const mailer of mailers.splice(0)) mailer.close();
    await shared.destroy();
    await sink.close();
  });

  it('delivers 200 e-mails exactly once with three workers on their own database handles', async () => {
    const clock = new ManualClock();
    const [first] = shared.handles;
    await queueEmails(first!.db, clock, 200);

    const sentBy = [0, 0, 0];
    const runWorker = async (index: number) => {
      const db = shared.handles[index]!.db;
      const mailer = createSmtpMailer(sink.url, from);
      mailers.push(mailer);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const sent = await deliverDueEmails(db, clock, mailer, { batchSize: 7 });
        sentBy[index]! += sent;
        if (sent > 0) continue;
        const left = await db.selectFrom('outbox_emails').select('id').where('status', '=', 'pending').limit(1).execute();
        if (left.length === 0) return;
        if (Date.now() > deadline) throw new Error(`worker ${index} gave up with e-mails still pending`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await Promise.all([runWorker(0), runWorker(1), runWorker(2)]);

    const rows = await allEmails(first!.db);
    expect(rows).toHaveLength(200);
    expect(rows.filter((row) => row.status !== 'sent')).toEqual([]);
    expect(rows.filter((row) => row.attempts !== 1 || row.locked_until !== null)).toEqual([]);

    // Each row's Message-ID reached the server once, and nothing else did.
    const deliveries = deliveriesByMessageId(sink);
    expect(sink.received).toHaveLength(200);
    expect([...deliveries].filter(([, n]) => n !== 1), 'Message-IDs delivered more than once').toEqual([]);
    expect(new Set(deliveries.keys())).toEqual(new Set(rows.map((row) => row.message_id)));
    expect(sentBy.reduce((a, b) => a + b, 0)).toBe(200);
    // How the 200 were shared depends on scheduling (one fast worker may take most): not asserted.
  }, 90_000);

  it('never hands one row to two workers claiming at the same moment', async () => {
    const clock = new ManualClock();
    await queueEmails(shared.handles[0]!.db, clock, 60);
    const now = clock.now();
    const leaseUntil = new Date(now.getTime() + emailLeaseMs).toISOString();
    // Many overlapping claims from the three handles (on PostgreSQL truly concurrent sessions).
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) => claimDueEmails(shared.handles[i % 3]!.db, now.toISOString(), leaseUntil, 8)),
    );
    const ids = claims.flat().map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(60);
  });

  it('lets another worker send an e-mail whose worker died mid-send once the lease runs out, with the same Message-ID', async () => {
    const clock = new ManualClock();
    const [handleA, handleB] = shared.handles;
    await queueEmails(handleA!.db, clock, 1, 'crash');
    const [queued] = await allEmails(handleA!.db);

    // Worker A claims the e-mail and hands it to the SMTP server, then dies before marking it sent.
    const now = clock.now();
    const claimed = await claimDueEmails(handleA!.db, now.toISOString(), new Date(now.getTime() + emailLeaseMs).toISOString(), 20);
    expect(claimed.map((row) => row.id)).toEqual([queued!.id]);
    const mailerA = createSmtpMailer(sink.url, from);
    mailers.push(mailerA);
    const email = claimed[0]!;
    await mailerA.send({ messageId: email.message_id, to: { address: email.to_address, name: email.to_name }, subject: email.subject, text: email.text_body, html: email.html_body });

    // Worker B cannot take it while A's lease holds…
    const mailerB = createSmtpMailer(sink.url, from);
    mailers.push(mailerB);
    expect(await deliverDueEmails(handleB!.db, clock, mailerB)).toBe(0);
    clock.advance(emailLeaseMs - 1_000);
    expect(await deliverDueEmails(handleB!.db, clock, mailerB)).toBe(0);

    // …and sends it once the lease has run out: the same message, recognisably (same Message-ID).
    clock.advance(2_000);
    expect(await deliverDueEmails(handleB!.db, clock, mailerB)).toBe(1);
    expect(sink.received.map((mail) => mail.messageId)).toEqual([queued!.message_id, queued!.message_id]);
    const [row] = await allEmails(handleB!.db);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, locked_until: null });

    // Sent for good: no third copy later.
    clock.advance(24 * 3_600_000);
    expect(await deliverDueEmails(handleA!.db, clock, mailerB)).toBe(0);
    expect(sink.received).toHaveLength(2);
  });

  it('delivers an e-mail claimed by a worker that died before sending exactly once, after the lease', async () => {
    const clock = new ManualClock();
    const [handleA, handleB] = shared.handles;
    await queueEmails(handleA!.db, clock, 3, 'early-crash');
    const now = clock.now();
    expect(await claimDueEmails(handleA!.db, now.toISOString(), new Date(now.getTime() + emailLeaseMs).toISOString(), 20)).toHaveLength(3);

    const mailerB = createSmtpMailer(sink.url, from);
    mailers.push(mailerB);
    expect(await deliverDueEmails(handleB!.db, clock, mailerB)).toBe(0);
    clock.advance(emailLeaseMs + 1);
    expect(await deliverDueEmails(handleB!.db, clock, mailerB)).toBe(3);
    const rows = await allEmails(handleB!.db);
    expect([...deliveriesByMessageId(sink)].sort()).toEqual(rows.map((row) => [row.message_id, 1]).sort());
  });
});

describe('a mail server that is down, refuses, or comes back', () => {
  let t: TestApp;
  let sink: SmtpSink | undefined;
  const mailers: Mailer[] = [];

  beforeEach(async () => {
    // SMTP_URL set: e-mails are queued as pending for the worker (the mailer is built per test).
    t = await createTestApp({ env: { SMTP_URL: downSmtpUrl } });
  });
  afterEach(async () => {
    for (const mailer of mailers.splice(0)) mailer.close();
    await t.close();
    await sink?.close();
    sink = undefined;
  });

  async function registerSomeone(email: string) {
    await t.browser().post(
      '/register',
      { name: 'Mari Maasikas', email, password: 'a calm and long passphrase', passwordRepeat: 'a calm and long passphrase' },
      { formPage: '/register' },
    );
  }

  it('keeps e-mails pending with growing backoff while the server is down, then delivers each once', async () => {
    const addresses = ['down1@example.ee', 'down2@example.ee', 'down3@example.ee'];
    for (const address of addresses) await registerSomeone(address);
    const downMailer = createSmtpMailer(downSmtpUrl, from);
    mailers.push(downMailer);

    // First try: refused connection. Nothing lost, nothing failed: pending, one attempt, a retry time.
    expect(await deliverDueEmails(t.deps.db, t.clock, downMailer)).toBe(0);
    let rows = await allEmails(t.deps.db);
    expect(rows).toHaveLength(3);
    const start = t.clock.now().getTime();
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'pending', attempts: 1, locked_until: null });
      expect(row.last_error).toMatch(/ECONNREFUSED|connect/i);
      // The first backoff is 30 s with jitter: between 15 and 30 s from now.
      const wait = new Date(row.next_attempt_at).getTime() - start;
      expect(wait).toBeGreaterThanOrEqual(15_000);
      expect(wait).toBeLessThanOrEqual(30_000);
    }

    // Not due yet: no attempt is made (the count stays).
    t.clock.advance(10_000);
    expect(await deliverDueEmails(t.deps.db, t.clock, downMailer)).toBe(0);
    expect((await allEmails(t.deps.db)).map((row) => row.attempts)).toEqual([1, 1, 1]);

    // Due again, still down: a second attempt, and a longer wait (60 s base, 30–60 s).
    t.clock.advance(21_000);
    const secondTry = t.clock.now().getTime();
    expect(await deliverDueEmails(t.deps.db, t.clock, downMailer)).toBe(0);
    rows = await allEmails(t.deps.db);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'pending', attempts: 2 });
      const wait = new Date(row.next_attempt_at).getTime() - secondTry;
      expect(wait).toBeGreaterThanOrEqual(30_000);
      expect(wait).toBeLessThanOrEqual(60_000);
    }

    // The server comes up (somewhere new: a new mailer URL). After the backoff everything arrives once.
    sink = await startSmtpSink();
    const upMailer = createSmtpMailer(sink.url, from);
    mailers.push(upMailer);
    t.clock.advance(60_000);
    expect(await deliverDueEmails(t.deps.db, t.clock, upMailer)).toBe(3);
    expect(await deliverDueEmails(t.deps.db, t.clock, upMailer)).toBe(0);
    rows = await allEmails(t.deps.db);
    expect(rows.map((row) => [row.status, row.attempts, row.last_error])).toEqual(rows.map(() => ['sent', 3, null]));
    expect([...deliveriesByMessageId(sink)].sort()).toEqual(rows.map((row) => [row.message_id, 1]).sort());
    expect(sink.received.map((mail) => (Array.isArray(mail.to) ? undefined : mail.to?.value[0]?.address)).sort()).toEqual(addresses);
  });

  it('marks a permanently refused e-mail failed, and the admin sees it as failed on the Sent e-mail page', async () => {
    sink = await startSmtpSink();
    const mailer = createSmtpMailer(sink.url, from);
    mailers.push(mailer);
    await registerSomeone('bounce@example.ee');
    sink.refuseWith(550);
    expect(await deliverDueEmails(t.deps.db, t.clock, mailer)).toBe(0);
    const [failed] = await emailsTo(t, 'bounce@example.ee');
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, locked_until: null });
    expect(failed!.last_error).toContain('550');

    // Never tried again, even much later and with the server accepting.
    sink.refuseWith(undefined);
    t.clock.advance(7 * 24 * 3_600_000);
    expect(await deliverDueEmails(t.deps.db, t.clock, mailer)).toBe(0);
    expect(sink.received).toHaveLength(0);

    const admin = await createUser(t, { roles: ['admin'] });
    const browser = t.browser();
    await loginAs(browser, admin);
    const list = await browser.get('/sent-emails');
    expect(list.status).toBe(200);
    const row = list.body.split('<tr').find((part) => part.includes('bounce@example.ee'));
    expect(row, 'a row for bounce@example.ee').toBeDefined();
    expect(row).toContain('<td>Ebaõnnestus</td>');

    const detail = await browser.get(`/sent-emails/${failed!.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toContain('Ebaõnnestus');
    expect(detail.body).toContain('550');
  });
});

describe('the worker loop', () => {
  let shared: SharedTestDatabase;
  beforeEach(async () => {
    shared = await createSharedTestDatabase(1);
  });
  afterEach(async () => {
    await shared.destroy();
  });

  it('stop() waits for the sends in flight and hands the rest of the batch back unsent', async () => {
    const clock = new ManualClock();
    const db = shared.handles[0]!.db;
    await queueEmails(db, clock, 6, 'stopping');
    const sends: OutgoingEmail[] = [];
    const releases: (() => void)[] = [];
    const slowMailer: Mailer = {
      async send(email) {
        sends.push(email);
        await new Promise<void>((resolve) => releases.push(resolve));
      },
      close() {},
    };
    const worker = startWorker({ db, clock, mailer: slowMailer, logger: pino({ level: 'silent' }), sessionIdleMs: 60_000, intervalMs: 5 });
    // The batch of 6 goes out four at a time: four sends start and hang at the SMTP server.
    const deadline = Date.now() + 10_000;
    while (sends.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sends).toHaveLength(4);

    let isStopped = false;
    const stopping = worker.stop().then(() => (isStopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isStopped).toBe(false); // four e-mails are still with the SMTP server

    for (const release of releases) release();
    await stopping;
    expect(sends).toHaveLength(4);
    const rows = await allEmails(db);
    expect(rows.map((row) => row.status).sort()).toEqual(['pending', 'pending', 'sent', 'sent', 'sent', 'sent']);
    // The other two are free for the next worker at once, not after a lease.
    expect(rows.filter((row) => row.status === 'pending').map((row) => [row.locked_until, row.attempts])).toEqual([
      [null, 0],
      [null, 0],
    ]);

    // Stopped for good: no more sends.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sends).toHaveLength(4);
  });
});

// The separate worker process (`npm run worker` runs the same entry, built): the web process
// with RUN_WORKER=false sends nothing, the worker process does, and SIGTERM ends it cleanly.
// Processes on a SQLite file: run once, in the sqlite project.
describe.skipIf(isPostgres)('the worker as a process of its own', () => {
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  let dataDir: string;
  let sink: SmtpSink;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'konsult-worker-'));
    sink = await startSmtpSink();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sink.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function spawnEntry(entry: string, env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: projectRoot,
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output: () => output, exited };
  }

  async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string, output: () => string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms\n--- output ---\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('RUN_WORKER=false leaves e-mail to the worker process, which delivers it and stops on SIGTERM', async () => {
    const port = await freePort();
    const env = {
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite:${path.join(dataDir, 'konsult.sqlite')}`,
      SEED_DEMO: 'false',
      SMTP_URL: sink.url,
      LOG_LEVEL: 'info',
    };
    const web = spawnEntry('src/server.ts', { ...env, RUN_WORKER: 'false' });
    await waitFor(
      async () => {
        try {
          return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
        } catch {
          return false;
        }
      },
      60_000,
      'the web process answering /readyz',
      web.output,
    );

    // An e-mail written the way the use cases write it, into the web process's database.
    const database = openDatabase(env.DATABASE_URL);
    try {
      await migrateToLatest(database.db);
      const clock = new ManualClock(systemClock.now());
      await queueEmails(database.db, clock, 1, 'process');
      // Longer than the in-process worker's interval (2 s): the web process sends nothing.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(sink.received).toHaveLength(0);

      const worker = spawnEntry('src/worker.ts', env);
      await waitFor(() => sink.received.length > 0, 30_000, 'delivery by the worker process', worker.output);
      const [row] = await allEmails(database.db);
      expect(sink.received.map((mail) => mail.messageId)).toEqual([row!.message_id]);
      await waitFor(async () => (await allEmails(database.db))[0]?.status === 'sent', 10_000, 'the row marked sent', worker.output);

      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(worker.output()).toContain('worker shutting down');
      expect(sink.received).toHaveLength(1);
    } finally {
      await database.destroy();
      web.child.kill('SIGTERM');
      await web.exited;
    }
  }, 120_000);
});
