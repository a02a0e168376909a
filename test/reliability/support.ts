/**
 * Support for the reliability suite: a cookie-keeping HTTP client over real sockets, an SMTP sink
 * that can go down, come back and crash the portal at a chosen moment, read-only looks into the
 * SQLite file, a small tmpfs for the data directory, and a write load whose every successful
 * answer is recorded so it can be looked for in the database afterwards.
 */
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { mainText } from '../support/browser.js';
import SqliteDatabase from 'better-sqlite3';
import type { Pool as PgPool } from 'pg';
import { SMTPServer } from 'smtp-server';

const run = promisify(execFile);

export const demoPassword = 'Konsult-demo-2026';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `check` returns a value other than undefined, polling; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function seedFromEnv(): number {
  const given = Number(process.env['RELIABILITY_SEED']);
  return Number.isSafeInteger(given) && given > 0 ? given : Math.floor(Math.random() * 2 ** 31) + 1;
}

/** A calendar day in Tallinn, `days` from today, as the forms take it (YYYY-MM-DD). */
export function tallinnDay(days: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Tallinn', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + days * 86_400_000));
}

// ---- HTTP ----

export type Answer = { status: number; location: string | undefined; body: string; headers: Headers };

/** True for a request that got no HTTP answer at all because the connection failed (the server died, refused, reset); a timeout is not one. */
export function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError && error.message === 'fetch failed';
}

/**
 * A browser without a screen: keeps cookies, remembers the CSRF token of the last page it loaded
 * and sends it with forms. Talks to the real server over sockets, so a killed server shows up as
 * a failed request, never as an answer.
 */
export class WebClient {
  readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;

  constructor(
    readonly baseUrl: string,
    /** Headers sent with every request (X-Forwarded-For behind the trusted proxy, Accept-Language). */
    readonly headers: Record<string, string> = {},
    /** Longest wait for an answer: longer counts as a hang. */
    readonly timeoutMs = 20_000,
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(method: 'GET' | 'POST', url: string, body?: URLSearchParams | FormData, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(new URL(url, this.baseUrl), {
      method,
      headers: { ...this.headers, cookie: this.cookieHeader(), ...headers },
      ...(body ? { body } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const isExpired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1] ?? '') <= Date.now()));
      if (isExpired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token) this.csrfToken = token;
    return { status: response.status, location: response.headers.get('location') ?? undefined, body: text, headers: response.headers };
  }

  get(url: string): Promise<Answer> {
    return this.request('GET', url);
  }

  /** Sends a form with the remembered CSRF token (loading `formPage` first when there is none yet). */
  async post(url: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Answer> {
    if (!this.csrfToken) await this.get('/');
    const body = new URLSearchParams();
    body.append('_csrf', this.csrfToken ?? '');
    for (const [name, value] of Object.entries(fields)) {
      for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
    }
    return this.request('POST', url, body, headers);
  }

  /** Sends a multipart form (with files) and the remembered CSRF token. */
  async postMultipart(url: string, fields: Record<string, string | string[]>, files: { field: string; name: string; type: string; bytes: Uint8Array }[]): Promise<Answer> {
    if (!this.csrfToken) await this.get('/');
    const form = new FormData();
    form.append('_csrf', this.csrfToken ?? '');
    for (const [name, value] of Object.entries(fields)) {
      for (const v of Array.isArray(value) ? value : [value]) form.append(name, v);
    }
    for (const file of files) form.append(file.field, new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
    return this.request('POST', url, form);
  }

  /** Signs in (the sign-in page first, as a person would); throws unless the portal lets them in. */
  async signIn(email: string, password = demoPassword): Promise<void> {
    await this.get('/login');
    const answer = await this.post('/login', { email, password });
    if (answer.status !== 303) throw new Error(`sign-in of ${email} answered ${answer.status}`);
    await this.get('/my');
  }
}

// ---- SMTP ----

export type SinkMessage = { messageId: string; to: string; subject: string; generation: number };

/**
 * An SMTP receiver on loopback that counts what it accepts by Message-ID. A message counts once
 * its DATA is complete (the terminating dot arrived): from then on the portal may have been told
 * it was accepted. It can go down (connections refused) and come back on the same port, and it can
 * run a hook (crash the portal) right when the next message is complete, before answering 250.
 */
export class SmtpSink {
  readonly received: SinkMessage[] = [];
  /** Incremented by the test at each crash of the portal; stamped on every message. */
  generation = 0;
  port = 0;
  private server: SMTPServer | undefined;
  private onNextMessage: ((message: SinkMessage) => Promise<void>) | undefined;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}?tls=off`;
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  /** Listens (again) on the same port as before, or on a free one the first time. */
  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // Going down lets the conversations in progress finish (one message each), so a stop never
      // cuts a message off between its last byte and the answer.
      closeTimeout: 10_000,
      // A reverse DNS lookup per connection would make the sink, not the portal, set the pace.
      disableReverseLookup: true,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
          const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head)?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim() ?? '';
          const message: SinkMessage = { messageId: header('Message-ID'), to: header('To'), subject: header('Subject'), generation: this.generation };
          this.received.push(message);
          const hook = this.onNextMessage;
          this.onNextMessage = undefined;
          if (hook) hook(message).then(() => callback(), (error: Error) => callback(error));
          else callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    // A killed portal resets its connections (ECONNRESET): expected here, not a failure of the sink.
    server.on('error', () => undefined);
    const address = server.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.server = server;
  }

  /** Goes down: stops listening (new connections are refused) once the open conversations have ended. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Runs `hook` when the next message is complete, before the sink answers it. */
  whenNextMessageArrives(hook: (message: SinkMessage) => Promise<void>): void {
    this.onNextMessage = hook;
  }

  /** How many sockets are open (counted by the listening socket, so also ones closed before their greeting). */
  private openConnections(): Promise<number> {
    const server = this.server;
    if (!server) return Promise.resolve(0);
    return new Promise((resolve, reject) => server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
  }

  /** Resolves once no SMTP connection is open (after a crash: everything the portal sent has been read). */
  async settled(timeoutMs = 10_000): Promise<void> {
    await waitFor('the SMTP sink to have no open connection', timeoutMs, async () => ((await this.openConnections()) === 0 ? true : undefined), 20);
  }

  /** How many times each Message-ID arrived. */
  countsByMessageId(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.received) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
    return counts;
  }
}

// ---- the database file, read-only ----

export type Db = SqliteDatabase.Database;

/** Opens the SQLite file read-only (it may be in use by the portal, or left by a crash) for `look`. */
export function readDatabase<T>(file: string, look: (db: Db) => T): T {
  const db = new SqliteDatabase(file, { readonly: true, fileMustExist: true, timeout: 5_000 });
  try {
    return look(db);
  } finally {
    db.close();
  }
}

/** `PRAGMA integrity_check`'s answer: ['ok'] when the file is sound. */
export function integrityCheck(db: Db): string[] {
  return (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check);
}

export type OutboxRow = { id: number; message_id: string; status: string; attempts: number; next_attempt_at: string; locked_until: string | null; last_error: string | null; created_at: string; sent_at: string | null };

export function outboxRows(db: Db): OutboxRow[] {
  return db.prepare('select id, message_id, status, attempts, next_attempt_at, locked_until, last_error, created_at, sent_at from outbox_emails order by id').all() as OutboxRow[];
}

/**
 * Waits until no outbox row of the database file is pending, and gives them all. How long that
 * takes depends on how much the load wrote (a faster server leaves a longer backlog), so the wait
 * fails only when nothing has left `pending` for `stallMs` (a lease or a backoff to wait out),
 * or after `maxMs` in all; the error names the rows still pending.
 */
export async function waitForOutboxDrained(dbFile: string, options: { stallMs: number; maxMs?: number }): Promise<OutboxRow[]> {
  const started = Date.now();
  let pending: OutboxRow[] = [];
  let fewestPending = Number.POSITIVE_INFINITY;
  let lastProgressAt = started;
  for (;;) {
    const all = readDatabase(dbFile, outboxRows);
    pending = all.filter((row) => row.status === 'pending');
    if (pending.length === 0) return all;
    if (pending.length < fewestPending) {
      fewestPending = pending.length;
      lastProgressAt = Date.now();
    }
    const now = Date.now();
    if (now - lastProgressAt > options.stallMs || now - started > (options.maxMs ?? 900_000)) {
      throw new Error(
        `the outbox still has ${pending.length} pending after ${now - started} ms (none left pending for the last ${now - lastProgressAt} ms); ` +
          `the first: ${JSON.stringify(pending.slice(0, 5))}`,
      );
    }
    await sleep(250);
  }
}

export function userIdByEmail(db: Db, email: string): number {
  const row = db.prepare('select id from users where email = ?').get(email) as { id: number } | undefined;
  if (!row) throw new Error(`no user ${email}`);
  return row.id;
}

export function fieldIdByEnglishName(db: Db, name: string): number {
  const row = db.prepare('select id from fields where name_en = ?').get(name) as { id: number } | undefined;
  if (!row) throw new Error(`no field ${name}`);
  return row.id;
}

// ---- a small disk ----

/** Whether this machine lets us mount a tmpfs (we are root here and in CI). */
export async function canMountTmpfs(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'konsult-tmpfs-probe-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    await run('umount', [dir]);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type SmallDisk = { dir: string; unmount(): Promise<void> };

/** Mounts a tmpfs of `megabytes` on a fresh directory. */
export async function mountSmallDisk(megabytes: number): Promise<SmallDisk> {
  const dir = mkdtempSync(path.join(tmpdir(), 'konsult-small-disk-'));
  await run('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0700`, 'tmpfs', dir]);
  return {
    dir,
    async unmount() {
      // A lazy unmount cannot fail on a busy mount (a server that is still exiting).
      await run('umount', ['-l', dir]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the file system under `dir` to the last byte with one file; returns its path and size. */
export function fillDisk(dir: string, name = 'filler.bin'): { file: string; bytes: number } {
  const file = path.join(dir, name);
  const fd = openSync(file, 'a');
  let bytes = 0;
  try {
    for (let chunk = 1 << 20; chunk >= 512; chunk >>= 1) {
      const buffer = Buffer.alloc(chunk, 0x5a);
      for (;;) {
        try {
          const written = writeSync(fd, buffer);
          bytes += written;
          if (written < chunk) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return { file, bytes };
}

// ---- a write load whose successes are recorded ----

/** Every write that got a success answer, with what identifies it in the database. */
export class Ledger {
  readonly registrations: string[] = [];
  readonly inquiries: { id: number; title: string }[] = [];
  readonly questions: string[] = [];
  readonly offers: { inquiryId: number; expertId: number }[] = [];
  /** Inquiries whose offer was ordered. */
  readonly orders: number[] = [];
  /** Orders whose payment came back paid. */
  readonly payments: number[] = [];
  /** Answers that were neither the expected success nor a dropped connection: always a failure. */
  readonly unexpected: string[] = [];
  /** Counter for the addresses registrations come from (each address may ask for 10 e-mails an hour). */
  registrationCount = 0;

  get total(): number {
    return this.registrations.length + this.inquiries.length + this.questions.length + this.offers.length + this.orders.length + this.payments.length;
  }

  summary(): string {
    return `registrations ${this.registrations.length}, inquiries ${this.inquiries.length}, questions ${this.questions.length}, offers ${this.offers.length}, orders ${this.orders.length}, payments ${this.payments.length}`;
  }
}

/** The queries whose answers the ledger's entries must be among (plain SQL both engines run). */
const ledgerQueries = {
  emails: 'select email from users',
  inquiries: "select id || ':' || title from inquiries",
  messages: 'select body from messages',
  offers: "select inquiry_id || ':' || expert_id from offers",
  orders: 'select inquiry_id from orders',
  paid: 'select id from orders where paid_at is not null',
};

/** What the ledger holds that the database does not (an empty list when everything is there). */
export function missingFromDatabase(db: Db, ledger: Ledger): string[] {
  return missingFrom(ledger, (query) => (db.prepare(query).raw().all() as unknown[][]).map((row) => row[0]));
}

/** The same for a PostgreSQL database (the scaled-out deployment's test). */
export async function missingFromPostgres(pool: PgPool, ledger: Ledger): Promise<string[]> {
  const answers = await firstColumns(pool, Object.values(ledgerQueries));
  return missingFrom(ledger, (query) => answers.get(query) ?? []);
}

/** Each query's first column, asked of PostgreSQL up front (the checks themselves read synchronously). */
async function firstColumns(pool: PgPool, queries: string[]): Promise<Map<string, unknown[]>> {
  const answers = new Map<string, unknown[]>();
  for (const query of queries) answers.set(query, (await pool.query({ text: query, rowMode: 'array' })).rows.map((row: unknown[]) => row[0]));
  return answers;
}

function missingFrom(ledger: Ledger, firstColumn: (query: string) => unknown[]): string[] {
  const set = (query: string) => new Set(firstColumn(query).map(String));
  const emails = set(ledgerQueries.emails);
  const inquiries = set(ledgerQueries.inquiries);
  const messages = set(ledgerQueries.messages);
  const offers = set(ledgerQueries.offers);
  const orders = set(ledgerQueries.orders);
  const paid = set(ledgerQueries.paid);
  return [
    ...ledger.registrations.filter((email) => !emails.has(email)).map((email) => `registration ${email}`),
    ...ledger.inquiries.filter((i) => !inquiries.has(`${i.id}:${i.title}`)).map((i) => `inquiry ${i.id} "${i.title}"`),
    ...ledger.questions.filter((body) => !messages.has(body)).map((body) => `question "${body}"`),
    ...ledger.offers.filter((o) => !offers.has(`${o.inquiryId}:${o.expertId}`)).map((o) => `offer on inquiry ${o.inquiryId} by expert ${o.expertId}`),
    ...ledger.orders.filter((id) => !orders.has(String(id))).map((id) => `order of inquiry ${id}`),
    ...ledger.payments.filter((id) => !paid.has(String(id))).map((id) => `payment of order ${id}`),
  ];
}

/**
 * Records that only exist half (one transaction's rows without the others it writes): each
 * check names what is wrong and lists the ids. An empty list when every write is whole.
 */
export function halfWrittenRecords(db: Db): string[] {
  return halfWrittenFrom((query) => (db.prepare(query).raw().all() as unknown[][]).map((row) => row[0]));
}

/** The same for a PostgreSQL database (the scaled-out deployment's test). */
export async function halfWrittenInPostgres(pool: PgPool): Promise<string[]> {
  const answers = await firstColumns(pool, halfWrittenChecks.map(([, query]) => query));
  return halfWrittenFrom((query) => answers.get(query) ?? []);
}

const halfWrittenChecks: [string, string][] = [
  ['an order without its payment', 'select o.id from orders o where not exists (select 1 from payments p where p.order_id = o.id)'],
  ['an ordered inquiry without a live order', "select i.id from inquiries i where i.status = 'ordered' and not exists (select 1 from orders o where o.inquiry_id = i.id and o.status <> 'cancelled')"],
  ['a live order whose inquiry is not ordered', "select o.id from orders o join inquiries i on i.id = o.inquiry_id where o.status <> 'cancelled' and i.status <> 'ordered'"],
  ['a paid order whose money is not all in escrow', "select o.id from orders o where o.status = 'in_progress' and (select coalesce(sum(l.amount_cents), 0) from ledger_entries l where l.account = 'escrow:order:' || o.id) <> o.amount_cents"],
  ['a ledger transaction that does not balance', 'select transaction_id from ledger_entries group by transaction_id having sum(amount_cents) <> 0'],
  ['an inquiry to a field without invitations', 'select i.id from inquiries i where i.is_general = 0 and not exists (select 1 from invitations v where v.inquiry_id = i.id)'],
  ['an inquiry without the notice to its customer', "select i.id from inquiries i where i.title like 'Reliability %' and not exists (select 1 from notices n where n.user_id = i.customer_id and n.link = '/inquiries/' || i.id)"],
  ['an offer whose invitation does not show it', "select f.id from offers f join invitations v on v.id = f.invitation_id where v.status not in ('offered', 'won', 'lost')"],
  ['a registration without its verification e-mail', "select u.email from users u where u.email like 'reliability-%' and not exists (select 1 from outbox_emails e where e.to_address = u.email)"],
];

function halfWrittenFrom(firstColumn: (query: string) => unknown[]): string[] {
  return halfWrittenChecks.flatMap(([what, query]) => {
    const ids = firstColumn(query).map(String);
    return ids.length > 0 ? [`${what}: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ` (${ids.length} in all)` : ''}`] : [];
  });
}

/** `PRAGMA foreign_key_check`'s findings: rows pointing at rows that do not exist. */
export function foreignKeyProblems(db: Db): string[] {
  return (db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[]).map((p) => `${p.table} row ${p.rowid} → missing ${p.parent}`);
}

export type Cast = {
  baseUrl: string;
  fieldId: number;
  customers: WebClient[];
  experts: { client: WebClient; id: number }[];
};

/** Signs in the demo customers and the two demo experts of "Domestic violence" (one Estonian, one English). */
export async function signInCast(baseUrl: string, dbFile: string): Promise<Cast> {
  const fieldId = readDatabase(dbFile, (db) => fieldIdByEnglishName(db, 'Domestic violence'));
  const customerEmails = ['klient@demo.konsult.ee', 'taotleja@demo.konsult.ee'];
  const expertEmails = ['psuhholoog@demo.konsult.ee', 'perekonnaoigus@demo.konsult.ee'];
  const customers = customerEmails.map(() => new WebClient(baseUrl));
  const experts = readDatabase(dbFile, (db) => expertEmails.map((email) => ({ client: new WebClient(baseUrl), id: userIdByEmail(db, email) })));
  await Promise.all([...customers.map((c, i) => c.signIn(customerEmails[i]!)), ...experts.map((e, i) => e.client.signIn(expertEmails[i]!))]);
  return { baseUrl, fieldId, customers, experts };
}

class UnexpectedAnswer extends Error {}

/** nginx's answer when the process it passed a request to died before answering: no answer from the portal. */
class ProxyFoundNoAnswer extends Error {}

function expectAnswer(answer: Answer, status: number, what: string, location?: RegExp): RegExpExecArray | undefined {
  if (answer.status === 502 && /<center>nginx<\/center>/.test(answer.body)) throw new ProxyFoundNoAnswer(`${what}: 502 from nginx`);
  const match = location ? location.exec(answer.location ?? '') : undefined;
  if (answer.status !== status || (location && !match)) {
    throw new UnexpectedAnswer(`${what}: ${answer.status} ${answer.location ?? ''} ${mainText(answer.body).slice(0, 300)}`);
  }
  return match ?? undefined;
}

/** One customer's round trip: an inquiry to both experts, a question and an offer from each, the order of the first offer and its payment. */
async function customerRoundTrip(cast: Cast, customer: WebClient, tag: string, ledger: Ledger): Promise<void> {
  const title = `Reliability ${tag}`;
  const sent = await customer.post('/inquiries', {
    kind: 'consultation',
    fieldId: String(cast.fieldId),
    allExperts: 'on',
    title,
    description: `Steady write load, ${tag}.`,
    deadline: tallinnDay(7),
    language: 'et',
  });
  const inquiryId = Number(expectAnswer(sent, 303, `inquiry ${tag}`, /^\/inquiries\/(\d+)$/)![1]);
  ledger.inquiries.push({ id: inquiryId, title });

  const expertWork = await Promise.allSettled(
    cast.experts.map(async (expert) => {
      const body = `Question ${tag} from ${expert.id}`;
      expectAnswer(await expert.client.post(`/inquiries/${inquiryId}/questions`, { body }), 303, `question ${tag}`);
      ledger.questions.push(body);
      const offer = await expert.client.post(`/inquiries/${inquiryId}/offer`, { price: '120', deliveryDate: tallinnDay(5), validUntil: tallinnDay(3), note: `Offer ${tag}` });
      expectAnswer(offer, 303, `offer ${tag}`);
      ledger.offers.push({ inquiryId, expertId: expert.id });
    }),
  );
  const failed = expertWork.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;

  const page = await customer.get(`/inquiries/${inquiryId}`);
  expectAnswer(page, 200, `inquiry page ${tag}`);
  const offerId = /name="offerId" value="(\d+)"/.exec(page.body)?.[1];
  if (!offerId) throw new UnexpectedAnswer(`inquiry page ${tag} shows no offer to order`);
  const ordered = await customer.post(`/inquiries/${inquiryId}/order`, { offerId });
  const paymentPath = new URL(expectAnswer(ordered, 303, `order ${tag}`, /\/sandbox\/pay\/[0-9a-f-]+$/)!.input).pathname;
  ledger.orders.push(inquiryId);

  expectAnswer(await customer.get(paymentPath), 200, `payment page ${tag}`);
  const paid = await customer.post(paymentPath, { action: 'pay' });
  const returned = await customer.get(expectAnswer(paid, 303, `payment ${tag}`, /\/payments\/return\/sandbox\?/)!.input);
  const orderId = Number(expectAnswer(returned, 303, `payment return ${tag}`, /^\/orders\/(\d+)$/)![1]);
  ledger.payments.push(orderId);
}

/** One registration from an address of its own (the portal trusts X-Forwarded-For from loopback here). */
async function registration(baseUrl: string, tag: string, ledger: Ledger): Promise<void> {
  const n = (ledger.registrationCount += 1);
  const client = new WebClient(baseUrl, { 'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` });
  await client.get('/register');
  const email = `reliability-${tag}@example.com`;
  const answer = await client.post('/register', { name: `Reliability ${tag}`, email, phone: '', password: 'Steady-writes-2026', passwordRepeat: 'Steady-writes-2026' });
  expectAnswer(answer, 200, `registration ${tag}`);
  if (!answer.body.includes(email)) throw new UnexpectedAnswer(`registration ${tag} did not confirm the address`);
  ledger.registrations.push(email);
}

export type Load = {
  /** Stops the lanes after the requests in flight and resolves when all have finished. */
  stop(): Promise<void>;
  /** Requests that got no answer because the connection failed (a killed or restarting server). */
  droppedRequests(): number;
};

/**
 * A lane starts a step at most this often. Unpaced, the e-mails the load leaves behind grew with
 * the server's speed (twice as fast a server, twice the backlog for the outbox to drain after the
 * crashes); paced, each run writes about as much, and still several steps are in flight at once.
 */
const minStepMs = 250;

/**
 * Starts the write load: one lane per customer running round trips one after another (at most one
 * start per `minStepMs`), and one lane of registrations (unless `registrations: false`: behind
 * nginx every request comes from one address, and an address may ask for few e-mails). A lane whose
 * request fails at the connection, or gets nginx's 502 because the process died under it, starts
 * over with a new round trip (nothing is retried: the outcome of a dropped request is unknown and
 * it is not recorded); an unexpected answer is put in `ledger.unexpected`.
 */
export function startLoad(cast: Cast, ledger: Ledger, tagPrefix: string, options: { registrations?: boolean } = {}): Load {
  let isStopping = false;
  let dropped = 0;
  let counter = 0;
  const lane = async (step: (tag: string) => Promise<void>) => {
    while (!isStopping) {
      const tag = `${tagPrefix}-${(counter += 1)}`;
      const startedAt = Date.now();
      try {
        await step(tag);
        await sleep(Math.max(0, minStepMs - (Date.now() - startedAt)));
      } catch (error) {
        if (isNetworkError(error) || error instanceof ProxyFoundNoAnswer) {
          dropped += 1;
          await sleep(50);
        } else {
          ledger.unexpected.push(error instanceof Error ? error.message : String(error));
          await sleep(200);
        }
      }
    }
  };
  const lanes = [
    ...cast.customers.map((customer) => lane((tag) => customerRoundTrip(cast, customer, tag, ledger))),
    ...(options.registrations === false ? [] : [lane((tag) => registration(cast.baseUrl, tag, ledger))]),
  ];
  return {
    async stop() {
      isStopping = true;
      await Promise.all(lanes);
    },
    droppedRequests: () => dropped,
  };
}
