import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../src/adapters/tokens.js';
import { demoPassword } from '../../src/db/seed-demo.js';
import { tallinnDayOf } from '../../src/domain/calendar.js';
import { testPostgresUrl } from '../support/test-db.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/**
 * sqlmap (Debian's package, /usr/bin/sqlmap) against the real server process, signed in, on the
 * portal's main forms and query strings: sign-in, registration, a new inquiry, changing an offer,
 * an order's message, a mailbox message, the expert directory's search and filters, and the
 * admin's user search. A scan fails when sqlmap calls any parameter injectable (or "might be"
 * injectable, or open to XSS by its heuristic), and also when sqlmap could not really test:
 * every scan must reach its form with a valid session and CSRF token (the untouched request is
 * answered as for a person: a 303 to where the form leads, or the page), get ordinary answers to
 * its payloads (accepted, or the form again with a reason: 422, a wrong password's 401, an
 * unknown field's 404), never a 403 (CSRF), 429 (rate limit) or 5xx, and report every parameter
 * it was told to test as tested. Every form on SQLite; on PostgreSQL, in a database of its own,
 * the searches, the sign-in and the inquiry form (that engine's error-based, stacked and
 * pg_sleep payloads). Two controls show that a clean scan is not a scan that cannot fail: the
 * same harness on a deliberately injectable page fails, and so does a scan whose every request
 * the portal refused for a wrong CSRF token (which sqlmap itself reports as finished, with
 * nothing injectable).
 *
 * What was chosen, and why (about a minute and a half of CI for the file, on 2 CPUs):
 * - --dbms names the engine, so sqlmap sends only payloads that engine would run.
 * - Boolean, error, union and stacked (BEUS) on every parameter, --risk=2 (adds the heavy-query
 *   variants). --level=2 (the comment and subquery boundaries too, ~80 requests a parameter) on
 *   the text most likely to be pasted into SQL by a careless change: the searches (directory q
 *   and sort, admin q) and the two message bodies; --level=1 (~20 requests) on the rest, whose
 *   values are ids, dates, numbers and names that the forms parse before any query. Level 3 and
 *   above mostly add headers and cookies as places, which -p leaves out.
 * - Time-based (T, --time-sec=2) on a few: the searches, the sign-in and the new inquiry; when
 *   nothing is injectable it costs one statistical model of ~30 requests a scan. Two seconds
 *   stay clear of a busy CI machine's jitter.
 * - --ignore-redirects: a form that succeeds answers 303; following it would load a page that
 *   differs by an id each time (a new inquiry), and sqlmap would resend the POST to it.
 * - The CSRF token is an HMAC of the session (or of the anonymous CSRF cookie before sign-in),
 *   fixed for the session's life, so it goes into --data as the page gives it and stays out of
 *   -p; --csrf-url would add a GET to every request for the same token. The traffic log (-t)
 *   proves it was accepted: no 403 among the answers.
 * - --drop-set-cookie: the session stays the one we signed in with; a flash cookie from one
 *   answer would otherwise change the next page.
 * - Rate limits would turn every answer after the fifth failed sign-in, or the tenth
 *   registration from one address, into the same 429 page, and the scan would pass without
 *   testing anything: this server allows many sign-in failures and inquiries a day, trusts
 *   X-Forwarded-For from loopback (as behind nginx), and registration is scanned with sqlmap's
 *   xforwardedfor tamper, which gives each request an address of its own.
 */

const sqlmapPath = process.env['SQLMAP_PATH'] ?? '/usr/bin/sqlmap';

/** A cookie jar over fetch that remembers the CSRF token of the last page, as a form would send it. */
class HttpClient {
  readonly cookies = new Map<string, string>();
  csrfToken = '';

  constructor(readonly baseUrl: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private async remember(response: Response): Promise<{ status: number; location: string; body: string }> {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      if (value === '' || /max-age=0\b/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const body = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    if (token) this.csrfToken = token;
    return { status: response.status, location: response.headers.get('location') ?? '', body };
  }

  async get(pathname: string) {
    return this.remember(await fetch(this.baseUrl + pathname, { headers: { cookie: this.cookieHeader() }, redirect: 'manual' }));
  }

  /** Posts a form from its page: loads the page first for the token, as a person's browser would have it. */
  async post(pathname: string, fields: Record<string, string | string[]>, formPage: string) {
    await this.get(formPage);
    const body = new URLSearchParams({ _csrf: this.csrfToken });
    for (const [name, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
    return this.remember(
      await fetch(this.baseUrl + pathname, {
        method: 'POST',
        headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
        redirect: 'manual',
      }),
    );
  }
}

/** Signs a demo account in through the login form; the client then holds its session and token. */
async function signedIn(baseUrl: string, email: string): Promise<HttpClient> {
  const client = new HttpClient(baseUrl);
  const answer = await client.post('/login', { email, password: demoPassword }, '/login');
  if (answer.status !== 303) throw new Error(`signing in as ${email} answered ${answer.status}`);
  await client.get('/my');
  return client;
}

/** The id in a redirect such as /inquiries/12, or in a link on a page. */
function idIn(text: string, pattern: RegExp): number {
  const id = pattern.exec(text)?.[1];
  if (!id) throw new Error(`no id matching ${pattern} in ${text.slice(0, 500)}`);
  return Number(id);
}

const dayFromToday = (days: number) => tallinnDayOf(new Date(Date.now() + days * 86_400_000));

type Scan = {
  label: string;
  method: 'GET' | 'POST';
  /** The form's action (POST) or the page (GET), on the portal. */
  path: string;
  /** Every field the form sends, valid, as a person would fill it in. */
  fields: Record<string, string>;
  /** The parameters sqlmap injects into. */
  parameters: string[];
  /** Who sends it (the session cookie and the page's CSRF token). */
  client: HttpClient;
  /** The answer to the untouched request: 303 for a form that succeeds, 200 for a page. */
  acceptedStatus: 200 | 303;
  /** Where an accepted form leads (its Location), when it is a 303. */
  acceptedLocation?: RegExp;
  techniques: 'BEUS' | 'BEUST';
  level: 1 | 2;
  /** Ordinary refusals besides 422 that this form gives (a wrong password is a 401). */
  refusals?: number[];
  tamper?: string;
  /** False when no payload can be valid input (a password that is not the password): none is accepted. */
  takesPayloads?: false;
};

type ScanResult = { output: string; traffic: Exchange[]; csvRows: string[] };
type Exchange = { request: string; body: string; status: number; location: string | undefined };

/** The requests and answers of sqlmap's traffic log (-t), in order: request line, form body, status, Location. */
function parseTraffic(log: string): Exchange[] {
  const exchanges: Exchange[] = [];
  for (const part of log.replace(/\r\n/g, '\n').split(/^HTTP request \[#\d+\]:\n/m).slice(1)) {
    // An answer is "HTTP response [#n] (200 OK):", or "HTTP redirect [#n] (303 See Other):" when not followed.
    const answerAt = part.search(/^HTTP (?:response|redirect) \[#\d+\] \(\d{3}/m);
    const requestText = answerAt < 0 ? part : part.slice(0, answerAt);
    const answer = answerAt < 0 ? '' : part.slice(answerAt);
    const [head = '', ...bodyLines] = requestText.split('\n\n');
    exchanges.push({
      request: head.split('\n')[0] ?? '',
      body: bodyLines.join('\n\n').trim(),
      status: Number(/^HTTP \w+ \[#\d+\] \((\d{3})/.exec(answer)?.[1] ?? 0),
      location: /^location: (.*)$/im.exec(answer)?.[1]?.trim(),
    });
  }
  return exchanges;
}

/** Runs sqlmap on one form; resolves with what it printed, its traffic and its results file. */
async function runSqlmap(scan: Scan, dbms: 'SQLite' | 'PostgreSQL', workDir: string): Promise<ScanResult> {
  const slug = `${dbms}-${scan.label.replace(/[^a-z0-9]+/gi, '-')}`;
  const outputDir = path.join(workDir, slug);
  const trafficFile = path.join(workDir, `${slug}.traffic`);
  const query = new URLSearchParams({ _csrf: scan.client.csrfToken, ...scan.fields }).toString();
  const target = scan.method === 'GET' ? `${scan.client.baseUrl}${scan.path}?${new URLSearchParams(scan.fields).toString()}` : `${scan.client.baseUrl}${scan.path}`;
  const args = [
    '-u',
    target,
    ...(scan.method === 'POST' ? ['--data', query] : []),
    '-p',
    scan.parameters.join(','),
    ...(scan.client.cookies.size > 0 ? ['--cookie', scan.client.cookieHeader()] : []),
    '--drop-set-cookie',
    '--batch',
    '--disable-coloring',
    '--flush-session',
    '--dbms',
    dbms,
    '--technique',
    scan.techniques,
    `--level=${scan.level}`,
    '--risk=2',
    '--time-sec=2',
    '--threads=1',
    '--output-dir',
    outputDir,
    '-t',
    trafficFile,
    ...(scan.method === 'POST' ? ['--ignore-redirects'] : []),
    ...(scan.refusals?.length ? ['--ignore-code', scan.refusals.join(',')] : []),
    ...(scan.tamper ? ['--tamper', scan.tamper] : []),
  ];
  const output = await new Promise<string>((resolve, reject) => {
    // HOME in the work directory: sqlmap keeps its history under ~/.local/share/sqlmap.
    const child = spawn(sqlmapPath, args, { env: { PATH: process.env['PATH'], HOME: workDir, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.once('error', (error) => reject(new Error(`could not run ${sqlmapPath} (Debian's sqlmap package): ${error.message}`, { cause: error })));
    child.once('close', () => resolve(text));
  });
  const traffic = parseTraffic(await readFile(trafficFile, 'utf8').catch(() => ''));
  const csvRows: string[] = [];
  for (const name of await readdir(outputDir).catch(() => [] as string[])) {
    if (!name.endsWith('.csv')) continue;
    const lines = (await readFile(path.join(outputDir, name), 'utf8')).split('\n').filter((line) => line.trim() !== '');
    csvRows.push(...lines.slice(1));
  }
  return { output, traffic, csvRows };
}

/** The lines of sqlmap's output that claim (or suspect) an injection or a reflected-script weakness. */
function findings(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => /injectable|vulnerable|injection point|Parameter: .* \((GET|POST)\)/i.test(line))
    .filter((line) => !/does not seem to be injectable|might not be injectable|do not appear to be injectable/i.test(line));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Fails with sqlmap's own words when it found something, or when it could not really test the form. */
function expectCleanScan(scan: Scan, result: ScanResult): void {
  const { output, traffic, csvRows } = result;
  const tail = `\n--- sqlmap output (tail) ---\n${output.slice(-6000)}`;
  expect(findings(output), `sqlmap reports an injection in ${scan.label}${tail}`).toEqual([]);
  expect(csvRows, `sqlmap's results file lists an injection point in ${scan.label}${tail}`).toEqual([]);
  expect(output, `sqlmap did not finish its scan of ${scan.label}${tail}`).toMatch(/all tested parameters do not appear to be injectable/);
  expect(output.split('\n').filter((line) => /\[CRITICAL\]/.test(line)), `sqlmap could not test ${scan.label}${tail}`).toEqual([]);
  const place = scan.method === 'GET' ? 'GET' : 'POST';
  for (const parameter of scan.parameters) {
    expect(output, `sqlmap did not test ${parameter} in ${scan.label}${tail}`).toContain(`testing for SQL injection on ${place} parameter '${parameter}'`);
    expect(output, `sqlmap did not finish ${parameter} in ${scan.label}${tail}`).toContain(`${place} parameter '${parameter}' does not seem to be injectable`);
  }

  // It reached the form: the untouched request is answered as for a person, and the payloads
  // get ordinary answers (accepted, or the form again with a reason), never a refused token,
  // a rate limit or a server error.
  const toTarget = traffic.filter((exchange) => exchange.request.startsWith(`${scan.method} ${scan.path}?`) || exchange.request.startsWith(`${scan.method} ${scan.path} `));
  expect(toTarget.length, `sqlmap's traffic to ${scan.label}${tail}`).toBeGreaterThanOrEqual(scan.parameters.length * 10);
  const [first] = toTarget;
  expect(first?.status, `the untouched request to ${scan.label}`).toBe(scan.acceptedStatus);
  if (scan.acceptedLocation) expect(first?.location, `where the untouched ${scan.label} leads`).toMatch(scan.acceptedLocation);
  // Text payloads are taken like any text (stored, or searched for), so some must be accepted:
  // they went as far as the queries, which is where an injection would show.
  if (scan.takesPayloads !== false) {
    expect(toTarget.slice(1).filter((exchange) => exchange.status === scan.acceptedStatus).length, `payloads accepted by ${scan.label}`).toBeGreaterThan(0);
  }
  const ordinary = new Set([scan.acceptedStatus, 422, ...(scan.refusals ?? [])]);
  const unusual = toTarget
    .filter((exchange) => !ordinary.has(exchange.status))
    .map((exchange) => `${exchange.status} ← ${safeDecode(exchange.request)} ${safeDecode(exchange.body.replace(/\+/g, ' '))}`);
  expect(unusual, `answers to ${scan.label} other than ${[...ordinary].join('/')}`).toEqual([]);
}

/** The people and the data the scans need, made through the portal's own forms. */
type Fixture = {
  anonymous: HttpClient;
  registering: HttpClient;
  customer: HttpClient;
  expert: HttpClient;
  admin: HttpClient;
  fieldId: number;
  expertId: number;
  offerInquiryId: number;
  orderId: number;
  conversationId: number;
};

const customerEmail = 'klient@demo.konsult.ee';
const expertEmail = 'psuhholoog@demo.konsult.ee';

/**
 * The demo customer asks the demo psychologist (domestic violence, the seeded field 2) for a
 * price, the psychologist offers, the customer orders and pays in the sandbox: an order in
 * progress to write in. The seeded inquiry's active offer is the one the offer scan changes.
 */
async function prepare(baseUrl: string): Promise<Fixture> {
  const [customer, expert, admin] = await Promise.all([signedIn(baseUrl, customerEmail), signedIn(baseUrl, expertEmail), signedIn(baseUrl, 'admin@demo.konsult.ee')]);
  const anonymous = new HttpClient(baseUrl);
  await anonymous.get('/login');
  const registering = new HttpClient(baseUrl);
  await registering.get('/register');

  const invitations = await expert.get('/e-consultations');
  const offerInquiryId = idIn(invitations.body, /href="\/inquiries\/(\d+)"/);
  const profile = await customer.get('/experts?q=Kask');
  const expertId = idIn(profile.body, /href="\/experts\/(\d+)"/);
  const fieldId = 2;

  const created = await customer.post(
    '/inquiries',
    { kind: 'consultation', fieldId: String(fieldId), expertIds: String(expertId), title: 'Tellimus sõnumite jaoks', description: 'Kirjeldus.', deadline: dayFromToday(10), language: 'et' },
    `/inquiries/new?kind=consultation&field=${fieldId}`,
  );
  if (created.status !== 303) throw new Error(`the inquiry was refused (${created.status}): ${created.body.slice(0, 2000)}`);
  const inquiryId = idIn(created.location, /\/inquiries\/(\d+)/);
  const offered = await expert.post(`/inquiries/${inquiryId}/offer`, { price: '50', deliveryDate: dayFromToday(12), validUntil: dayFromToday(5), note: 'Pakkumine.' }, `/inquiries/${inquiryId}`);
  if (offered.status !== 303) throw new Error(`the offer was refused (${offered.status})`);
  const inquiryPage = await customer.get(`/inquiries/${inquiryId}`);
  const offerId = idIn(inquiryPage.body, /name="offerId" value="(\d+)"/);
  const ordered = await customer.post(`/inquiries/${inquiryId}/order`, { offerId: String(offerId) }, `/inquiries/${inquiryId}`);
  const payPath = new URL(ordered.location, baseUrl).pathname;
  if (!payPath.startsWith('/sandbox/pay/')) throw new Error(`ordering answered ${ordered.status} ${ordered.location}`);
  const paid = await customer.post(payPath, { action: 'pay' }, payPath);
  if (paid.status !== 303) throw new Error(`paying answered ${paid.status}`);
  const orders = await customer.get('/orders');
  const orderId = idIn(orders.body, /href="\/orders\/(\d+)"/);
  const mailbox = await customer.get('/mailbox?filter=conversations');
  const conversationId = idIn(mailbox.body, /href="\/mailbox\/conversations\/(\d+)"/);
  // Each client's remembered token is its session's again (the last page it loaded).
  await Promise.all([customer.get('/my'), expert.get('/my'), admin.get('/my')]);
  return { anonymous, registering, customer, expert, admin, fieldId, expertId, offerInquiryId, orderId, conversationId };
}

type ScanName =
  | 'signIn'
  | 'registration'
  | 'newInquiry'
  | 'offer'
  | 'orderMessage'
  | 'mailboxMessage'
  | 'directorySearch'
  | 'directoryFilters'
  | 'userSearch'
  | 'userFilters';

/** Each form and page with valid values, the parameters to inject into, and how hard (see the header). */
function scans(f: Fixture): Record<ScanName, Scan> {
  const directory = { field: String(f.fieldId), q: 'Kask', lang: 'et', price: '1', rating: '2', sort: 'rating', page: '1' };
  return {
    signIn: {
      label: 'the sign-in form',
      method: 'POST',
      path: '/login',
      fields: { email: customerEmail, password: demoPassword },
      parameters: ['email', 'password'],
      client: f.anonymous,
      acceptedStatus: 303,
      acceptedLocation: /\/my$/,
      techniques: 'BEUST',
      level: 1,
      refusals: [401],
      takesPayloads: false,
    },
    registration: {
      label: 'the registration form',
      method: 'POST',
      path: '/register',
      fields: { name: 'Mari Maasikas', email: 'mari.sqlmap@example.ee', phone: '+372 5123 4567', password: 'a calm and long passphrase', passwordRepeat: 'a calm and long passphrase' },
      parameters: ['name', 'email', 'phone'],
      client: f.registering,
      // "Check your e-mail": the same page whether or not the address was free.
      acceptedStatus: 200,
      techniques: 'BEUS',
      level: 1,
      tamper: 'xforwardedfor',
    },
    newInquiry: {
      label: 'the new inquiry form',
      method: 'POST',
      path: '/inquiries',
      fields: { kind: 'consultation', fieldId: String(f.fieldId), expertIds: String(f.expertId), title: 'Kuidas saada lähenemiskeeld?', description: 'Palun abi.', deadline: dayFromToday(10), language: 'et' },
      parameters: ['title', 'description', 'deadline', 'fieldId', 'expertIds'],
      client: f.customer,
      acceptedStatus: 303,
      acceptedLocation: /\/inquiries\/\d+$/,
      techniques: 'BEUST',
      level: 1,
      // A field that does not exist (what a mangled fieldId names) is the not-found page.
      refusals: [404],
    },
    offer: {
      label: 'the offer form',
      method: 'POST',
      path: `/inquiries/${f.offerInquiryId}/offer/change`,
      fields: { price: '80', deliveryDate: dayFromToday(8), validUntil: dayFromToday(8), note: 'Kaks nõustamist veebis.' },
      parameters: ['price', 'deliveryDate', 'validUntil', 'note'],
      client: f.expert,
      acceptedStatus: 303,
      acceptedLocation: /\/inquiries\/\d+#offer$/,
      techniques: 'BEUS',
      level: 1,
    },
    orderMessage: {
      label: 'the order message form',
      method: 'POST',
      path: `/orders/${f.orderId}/messages`,
      fields: { body: 'Kas saaksime kokku leppida aja?' },
      parameters: ['body'],
      client: f.customer,
      acceptedStatus: 303,
      acceptedLocation: /\/orders\/\d+#thread$/,
      techniques: 'BEUS',
      level: 2,
    },
    mailboxMessage: {
      label: 'the mailbox message form',
      method: 'POST',
      path: `/mailbox/conversations/${f.conversationId}`,
      fields: { body: 'Tänan vastuse eest!' },
      parameters: ['body'],
      client: f.customer,
      acceptedStatus: 303,
      acceptedLocation: /\/mailbox\/conversations\/\d+$/,
      techniques: 'BEUS',
      level: 2,
    },
    directorySearch: {
      label: 'the expert directory’s search and order',
      method: 'GET',
      path: '/experts',
      fields: directory,
      parameters: ['q', 'sort'],
      client: f.customer,
      acceptedStatus: 200,
      techniques: 'BEUST',
      level: 2,
    },
    directoryFilters: {
      label: 'the expert directory’s filters',
      method: 'GET',
      path: '/experts',
      fields: directory,
      parameters: ['field', 'lang', 'price', 'rating', 'page'],
      client: f.customer,
      acceptedStatus: 200,
      techniques: 'BEUS',
      level: 1,
    },
    userSearch: {
      label: 'the admin’s user search',
      method: 'GET',
      path: '/admin/users',
      fields: { q: 'Mari', filter: 'all', page: '1' },
      parameters: ['q'],
      client: f.admin,
      acceptedStatus: 200,
      techniques: 'BEUST',
      level: 2,
    },
    userFilters: {
      label: 'the admin’s user list filters',
      method: 'GET',
      path: '/admin/users',
      fields: { q: 'Mari', filter: 'all', page: '1' },
      parameters: ['filter', 'page'],
      client: f.admin,
      acceptedStatus: 200,
      techniques: 'BEUS',
      level: 1,
    },
  };
}

/** Scans one form and fails as expectCleanScan does, with the server's recent output added. */
async function scanCleanly(scan: Scan, dbms: 'SQLite' | 'PostgreSQL', workDir: string, server: ServerProcess): Promise<void> {
  const result = await runSqlmap(scan, dbms, workDir);
  try {
    expectCleanScan(scan, result);
  } catch (error) {
    if (error instanceof Error) error.message += `\n--- server output (tail) ---\n${server.output().slice(-3000)}`;
    throw error;
  }
}

/** Environment for a server that does not turn a scan's repeated attempts into rate-limit pages (see the header). */
const scanFriendlyEnv = {
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000000',
  LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000',
  INQUIRIES_PER_DAY: '1000',
  TRUST_PROXY: 'true',
};

describe('sqlmap on SQLite', () => {
  let server: ServerProcess;
  let workDir: string;
  let fixture: Fixture;

  beforeAll(async () => {
    [server, workDir] = await Promise.all([startServerProcess({ env: scanFriendlyEnv }), mkdtemp(path.join(tmpdir(), 'konsult-sqlmap-'))]);
    fixture = await prepare(server.baseUrl);
  });

  afterAll(async () => {
    await server?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const names: ScanName[] = ['signIn', 'registration', 'newInquiry', 'offer', 'orderMessage', 'mailboxMessage', 'directorySearch', 'directoryFilters', 'userSearch', 'userFilters'];
  it.each(names)('finds no injection: %s', (name) => scanCleanly(scans(fixture)[name], 'SQLite', workDir, server), 120_000);

  it('counts a scan whose every request the form refused (a token of another session) as no scan at all', async () => {
    const stranger = new HttpClient(server.baseUrl);
    await stranger.get('/login');
    const refused = scans(fixture).mailboxMessage;
    // The customer's session with a token made for someone else: every post is a 403.
    refused.client = new HttpClient(server.baseUrl);
    for (const [name, value] of fixture.customer.cookies) refused.client.cookies.set(name, value);
    refused.client.csrfToken = stranger.csrfToken;
    refused.level = 1;
    const result = await runSqlmap(refused, 'SQLite', workDir);
    // sqlmap itself reports such a scan as finished, with nothing injectable.
    expect(result.output).toMatch(/all tested parameters do not appear to be injectable/);
    expect(() => expectCleanScan(refused, result)).toThrow(/the untouched request to the mailbox message form: expected 403 to be 303/);
  }, 60_000);
});

describe('sqlmap on PostgreSQL', () => {
  let server: ServerProcess;
  let workDir: string;
  let fixture: Fixture;
  const database = `konsult_sqlmap_${randomToken(6).toLowerCase().replace(/[^a-z0-9]/g, '')}`;
  const adminUrl = new URL(testPostgresUrl);
  adminUrl.pathname = '/postgres';

  async function onPostgres(statement: string): Promise<void> {
    const client = new pg.Client({ connectionString: adminUrl.toString() });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    // A database of its own (not a schema of the shared test database): the server migrates it
    // at start, and nothing another suite does to its schemas can meet this one.
    await onPostgres(`create database ${database}`);
    const url = new URL(testPostgresUrl);
    url.pathname = `/${database}`;
    [server, workDir] = await Promise.all([startServerProcess({ env: { ...scanFriendlyEnv, DATABASE_URL: url.toString() } }), mkdtemp(path.join(tmpdir(), 'konsult-sqlmap-'))]);
    fixture = await prepare(server.baseUrl);
  });

  afterAll(async () => {
    await server?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
    await onPostgres(`drop database if exists ${database} with (force)`);
  });

  const names: ScanName[] = ['signIn', 'newInquiry', 'directorySearch', 'userSearch'];
  it.each(names)('finds no injection: %s', (name) => scanCleanly(scans(fixture)[name], 'PostgreSQL', workDir, server), 120_000);
});

describe('the scan itself', () => {
  let control: Server;
  let workDir: string;
  let baseUrl: string;

  beforeAll(async () => {
    // A page that builds its query from the text it is given, as the portal must never do.
    const people = new SqliteDatabase(':memory:');
    people.exec("create table people (id integer primary key, name text); insert into people (name) values ('Mari Maasikas'), ('Jaan Tamm'), ('Liis Kask')");
    control = createServer((request, response) => {
      const q = new URL(request.url ?? '/', 'http://control.test').searchParams.get('q') ?? '';
      try {
        const rows = people.prepare(`select name from people where name like '%${q}%' order by id`).all() as { name: unknown }[];
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(`<ul>${rows.map((row) => `<li>${String(row.name).replace(/</g, '&lt;')}</li>`).join('')}</ul>`);
      } catch {
        response.writeHead(500);
        response.end('error');
      }
    });
    await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
    const address = control.address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    workDir = await mkdtemp(path.join(tmpdir(), 'konsult-sqlmap-'));
  });

  afterAll(async () => {
    await new Promise((resolve) => control?.close(resolve));
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('fails on a page that is injectable, so a clean scan of the portal means something', async () => {
    const scan: Scan = {
      label: 'a deliberately injectable search',
      method: 'GET',
      path: '/search',
      fields: { q: 'Kask' },
      parameters: ['q'],
      client: new HttpClient(baseUrl),
      acceptedStatus: 200,
      techniques: 'BEUST',
      level: 1,
    };
    const result = await runSqlmap(scan, 'SQLite', workDir);
    expect(findings(result.output).join('\n')).toContain("GET parameter 'q' is");
    expect(() => expectCleanScan(scan, result)).toThrow(/sqlmap reports an injection/);
  }, 60_000);
});
