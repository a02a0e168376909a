import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { demoPassword } from '../../src/db/seed-demo.js';
import { tallinnDayOf } from '../../src/domain/calendar.js';
import { formatMoney } from '../../src/i18n/format.js';
import { translator, type Translate } from '../../src/i18n/index.js';
import { registeredRoutes } from '../support/back-office.js';
import type { ServerProcess } from '../support/server-process.js';
import { createTestApp } from '../support/test-app.js';
import { expectVisibleFocus, focusStop, locationOf, postForm, tabTo } from './accessibility-support.js';
import { expectNoSeriousA11yViolations, openPage, withServerOutput, startServerAndBrowser } from './support.js';

/**
 * Accessibility of the whole portal, in Chromium against the real server with the demo data.
 *
 * The sweep: every page the app serves is opened by someone allowed to see it, in Estonian and
 * in English (the html lang must say which), and axe-core must find no serious or critical
 * WCAG 2.1 A/AA violation. The list of pages comes from the app's own route table: each GET
 * route is either in `visits` (who opens it, at which real address) or in `notPages` with the
 * reason (JSON, downloads, the event stream, redirects), and a route in neither fails the
 * test, so a new page cannot slip past. Pages that change a lot with their state are also
 * seen in that state: forms shown again with their errors, a refused sign-in, an inquiry with
 * an offer, an order in progress, a payment waiting, a conversation, the 404 and 403 pages.
 *
 * The keyboard walk: the main path with the keyboard alone (Tab, Shift+Tab, Enter, Space and
 * typing; no clicks): a customer signs in, asks an expert for a price (first forgetting the
 * title, and finding it again through the error summary), the expert (another browser) makes
 * an offer, and the customer orders and pays in the sandbox. Every Tab stop on the way must
 * show a focus indicator that can be seen; on every page the skip link is the first stop and
 * takes the focus into <main>, and the landmarks are there. The walk runs first, on the demo
 * data as the server seeded it (the sweep switches the demo accounts' language afterwards).
 */

const locales = ['et', 'en'] as const;
const et = translator('et');

/** The demo accounts the tests sign in as (src/db/seed-demo.ts). */
const accounts = {
  customer: 'klient@demo.konsult.ee',
  lawyer: 'jurist@demo.konsult.ee',
  psychologist: 'psuhholoog@demo.konsult.ee',
  familyLawyer: 'perekonnaoigus@demo.konsult.ee',
  moderator: 'moderaator@demo.konsult.ee',
  admin: 'admin@demo.konsult.ee',
  applicant: 'taotleja@demo.konsult.ee',
} as const;
type Account = keyof typeof accounts;
type Who = Account | 'visitor';

/** The demo field only the lawyer (Jaan Tamm) serves, and the one the psychologist and the family lawyer share. */
const lawyerField = 'Kriminaalmenetlus ja ohvri õigused';
const sharedField = 'Lähisuhtevägivald';

let server: ServerProcess;
let browser: Browser;
let database: DatabaseHandle;

beforeAll(async () => {
  [server, browser] = await startServerAndBrowser();
  database = openDatabase(`sqlite:${path.join(server.dataDir, 'konsult.sqlite')}`);
});

afterAll(async () => {
  await browser?.close();
  await database?.destroy();
  await server?.stop();
});

async function userId(email: string): Promise<number> {
  return (await database.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

async function fieldId(nameEt: string): Promise<number> {
  return (await database.db.selectFrom('fields').select('id').where('name_et', '=', nameEt).executeTakeFirstOrThrow()).id;
}

/** A Tallinn calendar day `days` from today, as a date input takes it. */
function dayFromToday(days: number): string {
  return tallinnDayOf(new Date(Date.now() + days * 86_400_000));
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------------------------------------
// The keyboard walk
// ---------------------------------------------------------------------------------------------

async function expectLandmarks(page: Page, t: Translate): Promise<void> {
  const where = new URL(page.url()).pathname;
  expect(await page.getByRole('banner').count(), `${where}: banner`).toBe(1);
  expect(await page.getByRole('navigation', { name: t('nav.label'), exact: true }).count(), `${where}: main menu`).toBe(1);
  expect(await page.getByRole('main').count(), `${where}: main`).toBe(1);
  expect(await page.getByRole('contentinfo').count(), `${where}: footer`).toBe(1);
}

/**
 * On a freshly loaded page, with its landmarks: the first Tab stop is the visible skip link;
 * Enter on it puts the focus on <main>, and the next Tab stop is inside it, past the header and
 * the menu. Leaves the focus there.
 */
async function skipToContent(page: Page, t: Translate): Promise<void> {
  const where = new URL(page.url()).pathname;
  await expectLandmarks(page, t);
  await page.keyboard.press('Tab');
  const first = await focusStop(page);
  expectVisibleFocus(first, `${where}: the first Tab stop`);
  expect(first.element, `${where}: the first Tab stop`).toBe(`a.skip-link "${t('nav.skipToContent')}"`);
  await page.keyboard.press('Enter');
  expect(await page.evaluate(() => document.activeElement?.id), `${where}: the skip link's target`).toBe('content');
  await page.keyboard.press('Tab');
  const next = await focusStop(page);
  expectVisibleFocus(next, `${where}: the Tab after the skip link`);
  expect(next.isInMain, `${where}: the Tab after the skip link went to ${next.element}`).toBe(true);
}

/** Presses Enter on the focused link or button and waits for the page it leads to. */
async function enterAndWait(page: Page, url: RegExp | string): Promise<void> {
  await Promise.all([page.waitForURL(url), page.keyboard.press('Enter')]);
  await page.waitForLoadState('load');
}

/** From the home page: Tab to "Logi sisse", then the login form by the keyboard. */
async function signInByKeyboard(page: Page, t: Translate, email: string): Promise<void> {
  await page.goto('/');
  await tabTo(page, page.getByRole('banner').getByRole('link', { name: t('nav.login'), exact: true }));
  await enterAndWait(page, '**/login');
  await skipToContent(page, t);
  const main = page.getByRole('main');
  await tabTo(page, main.getByLabel(t('auth.email'), { exact: true }), { limit: 5 });
  await page.keyboard.type(email);
  await tabTo(page, main.getByLabel(t('auth.password'), { exact: true }), { limit: 3 });
  await page.keyboard.type(demoPassword);
  await tabTo(page, main.getByRole('button', { name: t('auth.loginButton'), exact: true }), { limit: 5 });
  await enterAndWait(page, '**/my');
}

/**
 * The first day from tomorrow on whose day and month are the same number (e.g. 2027-03-03).
 * A date input's segments follow the browser's own locale, not the page's: typed as day, month,
 * year, such a date means the same whether it shows dd.mm.yyyy or mm/dd/yyyy.
 */
function sameDayAndMonthAhead(): string {
  for (let days = 1; ; days += 1) {
    const day = dayFromToday(days);
    if (day.slice(5, 7) === day.slice(8, 10)) return day;
  }
}

/** The keys a person types into a date input for that day: its segments in turn, the year last. */
function dateKeys(isoDay: string): string {
  const [year, month, day] = isoDay.split('-');
  return `${day}${month}${year}`;
}

describe('the keyboard alone', () => {
  it('takes a customer from signing in to a paid order, with the expert’s offer in between', async () => {
    const t = et;
    const contexts: BrowserContext[] = [];
    try {
      await withServerOutput(server, async () => {
        const [customer, lawyer] = await Promise.all([openPage(browser, server.baseUrl), openPage(browser, server.baseUrl)]);
        contexts.push(customer.context, lawyer.context);
        const page = customer.page;
        const expertPage = lawyer.page;
        const title = 'Ähvardav kiri endiselt töökaaslaselt';
        const description = 'Sain e-kirja, milles mind ähvardatakse. Kas sellest tuleks teatada politseile ja kuidas tõendeid säilitada?';

        // ---- the customer signs in and goes through the menu to the lawyer's field ----
        await signInByKeyboard(page, t, accounts.customer);
        expect(await page.locator('html').getAttribute('lang')).toBe('et');
        await tabTo(page, page.getByRole('navigation', { name: t('nav.label'), exact: true }).getByRole('link', { name: t('nav.orderConsultation'), exact: true }));
        await enterAndWait(page, '**/order/consultation');
        await skipToContent(page, t);
        await tabTo(page, page.getByRole('main').getByRole('link', { name: lawyerField, exact: true }));
        await enterAndWait(page, /\/inquiries\/new\?kind=consultation&field=\d+$/);

        // ---- the form: the lawyer with Space, a description, and "Saada" without a title ----
        await skipToContent(page, t);
        const main = page.getByRole('main');
        const lawyerChoice = main.getByRole('checkbox', { name: /^Jaan Tamm\b/ });
        await tabTo(page, lawyerChoice);
        await page.keyboard.press('Space');
        expect(await lawyerChoice.isChecked()).toBe(true);
        await tabTo(page, main.getByLabel(new RegExp(`^${escapeRegExp(t('inquiries.description'))}`)));
        await page.keyboard.type(description);
        await tabTo(page, main.getByRole('button', { name: t('inquiries.send'), exact: true }));
        await enterAndWait(page, '**/inquiries');

        // ---- shown again with the error: its summary's link leads to the title ----
        const summary = main.getByRole('alert');
        expect(await summary.innerText()).toContain(t('errors.field.required'));
        await skipToContent(page, t);
        await tabTo(page, summary.getByRole('link'), { limit: 5 });
        await page.keyboard.press('Enter');
        expect(await page.evaluate(() => document.activeElement?.id), 'the error summary’s link moves the focus to the field').toBe('title');
        await page.keyboard.type(title);
        // Back with Shift+Tab: the lawyer is still chosen.
        await tabTo(page, lawyerChoice, { backwards: true, limit: 4 });
        expect(await lawyerChoice.isChecked()).toBe(true);
        expect(await main.getByLabel(new RegExp(`^${escapeRegExp(t('inquiries.description'))}`)).inputValue()).toBe(description);
        await tabTo(page, main.getByRole('button', { name: t('inquiries.send'), exact: true }));
        await enterAndWait(page, /\/inquiries\/\d+$/);
        expect(await page.locator('main .flash').innerText()).toBe(t('inquiries.sent'));
        const inquiryPath = new URL(page.url()).pathname;

        // ---- the lawyer, in a browser of his own: My menu → the inquiry → an offer ----
        await signInByKeyboard(expertPage, t, accounts.lawyer);
        await tabTo(expertPage, expertPage.getByRole('main').getByRole('link', { name: title, exact: true }));
        await enterAndWait(expertPage, `**${inquiryPath}`);
        await skipToContent(expertPage, t);
        const offer = expertPage.getByRole('region', { name: t('inquiries.yourOffer') });
        const deliveryDate = sameDayAndMonthAhead();
        await tabTo(expertPage, offer.getByLabel(t('inquiries.priceLabel'), { exact: true }));
        await expertPage.keyboard.type('95');
        await tabTo(expertPage, offer.getByLabel(t('inquiries.deliveryDate'), { exact: true }), { limit: 2 });
        await expertPage.keyboard.type(dateKeys(deliveryDate));
        expect(await offer.getByLabel(t('inquiries.deliveryDate'), { exact: true }).inputValue()).toBe(deliveryDate);
        await tabTo(expertPage, offer.getByLabel(new RegExp(`^${escapeRegExp(t('inquiries.offerNote'))}`)));
        await expertPage.keyboard.type('Vaatan kirja läbi ja kirjutan, kuidas tõendid säilitada ja avaldus koostada.');
        await tabTo(expertPage, offer.getByRole('button', { name: t('inquiries.makeOffer'), exact: true }));
        await enterAndWait(expertPage, /\/inquiries\/\d+#offer$/);
        expect(await expertPage.locator('main .flash').innerText()).toBe(t('inquiries.offerSent'));

        // ---- the customer: My menu → the inquiry → "Telli ja maksa" → the sandbox's "Maksa" ----
        await tabTo(page, page.getByRole('banner').getByRole('link', { name: t('nav.myMenu'), exact: true }));
        await enterAndWait(page, '**/my');
        await skipToContent(page, t);
        await tabTo(page, page.getByRole('main').getByRole('link', { name: title, exact: true }));
        await enterAndWait(page, `**${inquiryPath}`);
        await skipToContent(page, t);
        await tabTo(page, page.getByRole('main').getByRole('button', { name: t('orders.orderFrom', { name: 'Jaan Tamm', amount: formatMoney('et', 9_500) }), exact: true }));
        await enterAndWait(page, /\/sandbox\/pay\/[0-9a-f-]{36}$/);
        await skipToContent(page, t);
        await tabTo(page, page.getByRole('main').getByRole('button', { name: t('sandbox.pay'), exact: true }), { limit: 5 });
        await enterAndWait(page, /\/orders\/\d+$/);
        await skipToContent(page, t);
        const summaryCard = page.getByRole('region', { name: t('orders.summaryTitle'), exact: true });
        expect((await summaryCard.locator('.status').innerText()).trim()).toBe(t('orders.status_in_progress'));
        expect(await page.getByRole('main').innerText()).toContain(t('orders.expertContact'));
      });
    } finally {
      await Promise.all(contexts.map((context) => context.close()));
    }
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// The sweep
// ---------------------------------------------------------------------------------------------

/** Real objects the pages are opened with: the demo data's and those the setup makes. */
type Ids = {
  lawyer: number;
  customer: number;
  lawyerField: number;
  sharedField: number;
  /** The demo customer's inquiry to two experts, one of whom has offered (still open). */
  openInquiry: number;
  /** The demo customer's general inquiry waiting for the moderator. */
  triageInquiry: number;
  /** An order of the demo customer's, paid: in progress with the lawyer. */
  order: number;
  /** The sandbox's payment page of another order, not paid yet. */
  pendingPayment: string;
  conversation: number;
  notice: number;
  application: number;
  documentType: number;
  sentEmail: number;
  passwordResetToken: string;
  emailChangeToken: string;
};

type Visit = {
  /** The GET route as the app registered it; undefined for an address no route answers (the 404 page). */
  route: string | undefined;
  who: Who;
  url: (ids: Ids) => string;
  /** What is special about this visit beyond the route, for the test's name. */
  state?: string;
  /** The answer's status when the page is opened (default 200). */
  status?: number;
  /** Brings the opened page into its state (fills and sends a form); returns the answer's status. */
  then?: (page: Page, t: Translate) => Promise<number>;
};

/**
 * Sends a form (the first in <main> by default) as it is, past the browser's own checks, and
 * returns the answer's status once the page it answered with has loaded. The submit is left to
 * the page's next task, so no evaluation in the page spans the navigation.
 */
async function sendForm(page: Page, form: Locator = page.locator('main form').first()): Promise<number> {
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest());
  const loaded = page.waitForEvent('load');
  await form.evaluate((element) => {
    setTimeout(() => (element as HTMLFormElement).submit(), 0);
  });
  const [response] = await Promise.all([answer, loaded]);
  return response.status();
}

/** Every GET page of the portal, with who opens it where. */
const visits: Visit[] = [
  // ---- public ----
  { route: '/', who: 'visitor', url: () => '/' },
  { route: '/register', who: 'visitor', url: () => '/register' },
  { route: '/register', who: 'visitor', url: () => '/register', state: 'sent empty, with its errors', then: (page) => sendForm(page) },
  { route: '/verify-email', who: 'visitor', url: () => `/verify-email?token=${'x'.repeat(43)}` },
  { route: '/verify-email/resend', who: 'visitor', url: () => '/verify-email/resend' },
  { route: '/login', who: 'visitor', url: () => '/login' },
  {
    route: '/login',
    who: 'visitor',
    url: () => '/login',
    state: 'a refused sign-in',
    then: async (page, t) => {
      await page.getByRole('main').getByLabel(t('auth.email'), { exact: true }).fill(accounts.customer);
      await page.getByRole('main').getByLabel(t('auth.password'), { exact: true }).fill('not the password');
      return sendForm(page);
    },
  },
  { route: '/password/forgot', who: 'visitor', url: () => '/password/forgot' },
  { route: '/password/reset', who: 'visitor', url: (ids) => `/password/reset?token=${ids.passwordResetToken}` },
  { route: '/account/email/confirm', who: 'visitor', url: (ids) => `/account/email/confirm?token=${ids.emailChangeToken}` },
  { route: '/order/consultation', who: 'visitor', url: () => '/order/consultation' },
  { route: '/order/document', who: 'visitor', url: () => '/order/document' },
  { route: '/become-expert', who: 'visitor', url: () => '/become-expert' },
  { route: '/experts', who: 'visitor', url: () => '/experts' },
  { route: '/experts/:id', who: 'visitor', url: (ids) => `/experts/${ids.lawyer}` },
  { route: undefined, who: 'visitor', url: () => '/no/such/page', state: 'the 404 page', status: 404 },

  // ---- the customer ----
  { route: '/my', who: 'customer', url: () => '/my' },
  { route: '/mailbox', who: 'customer', url: () => '/mailbox' },
  { route: '/mailbox/conversations/:id', who: 'customer', url: (ids) => `/mailbox/conversations/${ids.conversation}` },
  { route: '/mailbox/notices/:id', who: 'customer', url: (ids) => `/mailbox/notices/${ids.notice}` },
  { route: '/account', who: 'customer', url: () => '/account' },
  { route: '/account/password', who: 'customer', url: () => '/account/password' },
  { route: '/account/email', who: 'customer', url: () => '/account/email' },
  { route: '/account/delete', who: 'customer', url: () => '/account/delete' },
  { route: '/account/notifications', who: 'customer', url: () => '/account/notifications' },
  { route: '/become-expert', who: 'customer', url: () => '/become-expert', state: 'the application form' },
  { route: '/inquiries', who: 'customer', url: () => '/inquiries' },
  { route: '/inquiries/new', who: 'customer', url: (ids) => `/inquiries/new?kind=consultation&field=${ids.sharedField}`, state: 'a consultation, two experts to choose' },
  {
    route: '/inquiries/new',
    who: 'customer',
    url: (ids) => `/inquiries/new?kind=consultation&field=${ids.sharedField}`,
    state: 'sent empty, with its errors',
    then: (page) => sendForm(page),
  },
  { route: '/inquiries/new', who: 'customer', url: (ids) => `/inquiries/new?kind=document&field=${ids.lawyerField}`, state: 'a document' },
  { route: '/inquiries/new', who: 'customer', url: () => '/inquiries/new?kind=consultation', state: 'a general inquiry' },
  { route: '/inquiries/:id', who: 'customer', url: (ids) => `/inquiries/${ids.openInquiry}`, state: 'the customer’s, with an offer to order' },
  { route: '/inquiries/:id', who: 'customer', url: (ids) => `/inquiries/${ids.triageInquiry}`, state: 'the customer’s, waiting for the moderator' },
  { route: '/inquiries/:id', who: 'customer', url: () => '/inquiries/999999', state: 'one that does not exist (404)', status: 404 },
  { route: '/sandbox/pay/:ref', who: 'customer', url: (ids) => ids.pendingPayment },
  { route: '/orders', who: 'customer', url: () => '/orders' },
  { route: '/orders/:id', who: 'customer', url: (ids) => `/orders/${ids.order}`, state: 'the customer’s, in progress' },
  { route: '/admin', who: 'customer', url: () => '/admin', state: 'a customer is refused (403)', status: 403 },

  // ---- experts ----
  { route: '/inquiries/:id', who: 'familyLawyer', url: (ids) => `/inquiries/${ids.openInquiry}`, state: 'an invitation with the offer form' },
  {
    route: '/inquiries/:id',
    who: 'familyLawyer',
    url: (ids) => `/inquiries/${ids.openInquiry}`,
    state: 'the offer form sent empty, with its errors',
    then: (page, t) => sendForm(page, page.getByRole('region', { name: t('inquiries.yourOffer') }).locator('form').first()),
  },
  { route: '/inquiries/:id', who: 'psychologist', url: (ids) => `/inquiries/${ids.openInquiry}`, state: 'the expert’s own offer' },
  { route: '/orders/:id', who: 'lawyer', url: (ids) => `/orders/${ids.order}`, state: 'the expert’s, in progress' },
  { route: '/e-consultations', who: 'lawyer', url: () => '/e-consultations' },
  { route: '/experts/:id/edit', who: 'lawyer', url: (ids) => `/experts/${ids.lawyer}/edit` },

  // ---- staff ----
  { route: '/admin', who: 'admin', url: () => '/admin' },
  { route: '/admin/triage', who: 'moderator', url: () => '/admin/triage' },
  { route: '/inquiries/:id', who: 'moderator', url: (ids) => `/inquiries/${ids.triageInquiry}`, state: 'the moderator’s, with the triage forms' },
  { route: '/admin/orders', who: 'moderator', url: () => '/admin/orders' },
  { route: '/admin/expert-applications', who: 'moderator', url: () => '/admin/expert-applications' },
  { route: '/admin/expert-applications/:id', who: 'moderator', url: (ids) => `/admin/expert-applications/${ids.application}` },
  { route: '/admin/users', who: 'admin', url: () => '/admin/users' },
  { route: '/admin/users/:id', who: 'admin', url: (ids) => `/admin/users/${ids.customer}` },
  { route: '/admin/settings', who: 'admin', url: () => '/admin/settings' },
  { route: '/admin/audit', who: 'admin', url: () => '/admin/audit' },
  { route: '/admin/fields', who: 'admin', url: () => '/admin/fields' },
  { route: '/admin/fields/:id', who: 'admin', url: (ids) => `/admin/fields/${ids.lawyerField}` },
  { route: '/admin/document-types', who: 'admin', url: () => '/admin/document-types' },
  { route: '/admin/document-types/:id', who: 'admin', url: (ids) => `/admin/document-types/${ids.documentType}` },
  { route: '/admin/ledger', who: 'admin', url: () => '/admin/ledger' },
  { route: '/sent-emails', who: 'admin', url: () => '/sent-emails' },
  { route: '/sent-emails/:id', who: 'admin', url: (ids) => `/sent-emails/${ids.sentEmail}` },
];

/** GET routes that are not pages, and why. */
const notPages: Record<string, string> = {
  '/*': 'static files (CSS, script, icon)',
  '/healthz': 'JSON probe',
  '/readyz': 'JSON probe',
  '/mailbox/unread-stream': 'server-sent event stream',
  '/account/data.json': 'JSON download of the account’s data',
  '/files/:id': 'file download (attachment)',
  '/inquiries/:id/files/:fileId': 'file download (attachment)',
  '/orders/:id/files/:fileId': 'file download (attachment)',
  '/experts/:id/photo': 'image',
  '/expert-applications/:id/photo': 'image',
  '/payments/return/:provider': 'redirect to the order',
  '/sent-emails/:id/html': 'an e-mail’s own HTML in the sandboxed frame of /sent-emails/:id, in its recipient’s language (accounts.test.ts checks one with axe)',
};

describe('the route table', () => {
  it('has every GET route either swept here or set aside as not a page, and nothing stale in either list', async () => {
    const t = await createTestApp({ env: { NODE_ENV: 'development' } });
    try {
      const gets = registeredRoutes(t.app)
        .filter((route) => route.method === 'GET')
        .map((route) => route.path);
      const swept = new Set(visits.flatMap((visit) => (visit.route ? [visit.route] : [])));
      expect(gets.filter((route) => !swept.has(route) && !(route in notPages)), 'GET routes neither swept nor set aside').toEqual([]);
      expect([...swept, ...Object.keys(notPages)].filter((route) => !gets.includes(route)), 'listed routes the app no longer has').toEqual([]);
      expect([...swept].filter((route) => route in notPages), 'routes both swept and set aside').toEqual([]);
    } finally {
      await t.close();
    }
  });
});

/** A browser of each person's, signed in (the visitor's not); each visit opens a page of its own in it. */
const browsers = new Map<Who, BrowserContext>();
let ids: Ids;

/** Signs in through the login form's request (the context's pages share the cookie). */
async function signIn(context: BrowserContext, email: string): Promise<void> {
  const response = await postForm(context, '/login', '/login', { email, password: demoPassword });
  expect(locationOf(response), `signing in as ${email}`).toBe('/my');
}

/** The customer asks the lawyer for a price and the lawyer offers; returns the inquiry and the offer. */
async function inquiryWithOffer(customer: BrowserContext, lawyer: BrowserContext, field: number, lawyerId: number, title: string) {
  const created = await postForm(customer, `/inquiries/new?kind=consultation&field=${field}`, '/inquiries', {
    kind: 'consultation',
    fieldId: String(field),
    expertIds: [String(lawyerId)],
    title,
    description: 'Vajan nõu, kuidas edasi minna.',
    deadline: dayFromToday(7),
    language: 'et',
  });
  const inquiry = Number(/^\/inquiries\/(\d+)$/.exec(locationOf(created))?.[1]);
  await postForm(lawyer, `/inquiries/${inquiry}`, `/inquiries/${inquiry}/offer`, {
    price: '120',
    deliveryDate: dayFromToday(5),
    validUntil: dayFromToday(3),
    note: 'Kirjalik vastus koos järgmiste sammudega.',
  });
  const offer = await database.db.selectFrom('offers').select('id').where('inquiry_id', '=', inquiry).executeTakeFirstOrThrow();
  return { inquiry, offer: offer.id };
}

/** The link an e-mail to `to` carries to `pathname`, as its token. */
async function tokenMailedTo(to: string, pathname: string): Promise<{ token: string; emailId: number }> {
  const email = await database.db.selectFrom('outbox_emails').select(['id', 'text_body']).where('to_address', '=', to).orderBy('id', 'desc').executeTakeFirstOrThrow();
  const token = new RegExp(`${escapeRegExp(pathname)}\\?token=([A-Za-z0-9_-]+)`).exec(email.text_body)?.[1];
  if (!token) throw new Error(`no ${pathname} link in the e-mail to ${to}:\n${email.text_body}`);
  return { token, emailId: email.id };
}

/** Signs everyone in and makes what the demo data lacks: a paid order, a payment waiting, tokens from e-mails. */
async function prepare(): Promise<Ids> {
  for (const who of ['visitor', ...Object.keys(accounts)] as Who[]) {
    const { context, page } = await openPage(browser, server.baseUrl);
    await page.close();
    // The live unread count (a stream kept open by every signed-in page) has nothing for axe, and
    // several pages open at once in one browser would spend its few connections to the server on it.
    await context.route('**/mailbox/unread-stream', (route) => route.abort());
    browsers.set(who, context);
  }
  const as = (who: Who) => browsers.get(who)!;
  await Promise.all((Object.keys(accounts) as Account[]).map((who) => signIn(as(who), accounts[who])));

  const [lawyer, customer, lawyerFieldId, sharedFieldId] = await Promise.all([userId(accounts.lawyer), userId(accounts.customer), fieldId(lawyerField), fieldId(sharedField)]);

  // A paid order in progress, and another order whose payment waits on the sandbox's page.
  const paid = await inquiryWithOffer(as('customer'), as('lawyer'), lawyerFieldId, lawyer, 'Kahju hüvitamine pärast rünnakut');
  const paying = locationOf(await postForm(as('customer'), `/inquiries/${paid.inquiry}`, `/inquiries/${paid.inquiry}/order`, { offerId: String(paid.offer) }));
  const returned = locationOf(await postForm(as('customer'), paying, paying, { action: 'pay' }));
  const orderPage = await as('customer').request.get(returned);
  const order = Number(/\/orders\/(\d+)$/.exec(new URL(orderPage.url()).pathname)?.[1]);
  expect(order, `the paid order (the return led to ${orderPage.url()})`).toBeGreaterThan(0);
  const waiting = await inquiryWithOffer(as('customer'), as('lawyer'), lawyerFieldId, lawyer, 'Tunnistajana kohtus');
  const pendingPayment = locationOf(await postForm(as('customer'), `/inquiries/${waiting.inquiry}`, `/inquiries/${waiting.inquiry}/order`, { offerId: String(waiting.offer) }));

  // The e-mails behind the reset-password and confirm-address pages.
  await postForm(as('visitor'), '/password/forgot', '/password/forgot', { email: accounts.applicant });
  await postForm(as('applicant'), '/account/email', '/account/email', { newEmail: 'piret.pold@example.ee', currentPassword: demoPassword });
  const reset = await tokenMailedTo(accounts.applicant, '/password/reset');
  const change = await tokenMailedTo('piret.pold@example.ee', '/account/email/confirm');

  const db = database.db;
  const demoInquiry = (status: 'open' | 'triage') => db.selectFrom('inquiries').select('id').where('customer_id', '=', customer).where('status', '=', status).orderBy('id').executeTakeFirstOrThrow();
  const [openInquiry, triageInquiry, conversation, notice, application, documentType] = await Promise.all([
    demoInquiry('open'),
    demoInquiry('triage'),
    db.selectFrom('conversation_members').select('conversation_id as id').where('user_id', '=', customer).orderBy('conversation_id').executeTakeFirstOrThrow(),
    db.selectFrom('notices').select('id').where('user_id', '=', customer).orderBy('id').executeTakeFirstOrThrow(),
    db.selectFrom('expert_applications').select('id').orderBy('id').executeTakeFirstOrThrow(),
    db.selectFrom('document_types').select('id').orderBy('id').executeTakeFirstOrThrow(),
  ]);
  return {
    lawyer,
    customer,
    lawyerField: lawyerFieldId,
    sharedField: sharedFieldId,
    openInquiry: openInquiry.id,
    triageInquiry: triageInquiry.id,
    order,
    pendingPayment,
    conversation: conversation.id,
    notice: notice.id,
    application: application.id,
    documentType: documentType.id,
    sentEmail: reset.emailId,
    passwordResetToken: reset.token,
    emailChangeToken: change.token,
  };
}

describe('every page', () => {
  beforeAll(async () => {
    ids = await withServerOutput(server, prepare);
  });

  afterAll(async () => {
    await Promise.all([...browsers.values()].map((context) => context.close()));
  });

  describe.each(locales)('in %s', (locale) => {
    const t = translator(locale);

    // Everyone switches the language (signed in, it is saved on the account).
    beforeAll(async () => {
      await Promise.all([...browsers.values()].map((context) => postForm(context, '/', '/language', { lang: locale, returnTo: '/' })));
    });

    // A few pages at once (vitest's maxConcurrency): axe is most of the time, and it waits on the page.
    for (const visit of visits) {
      const name = `${visit.route ?? visit.url(ids)}${visit.state ? ` (${visit.state})` : ''} as the ${visit.who}`;
      it.concurrent(name, async ({ expect }) => {
        const page = await browsers.get(visit.who)!.newPage();
        try {
          await withServerOutput(server, async () => {
            const url = visit.url(ids);
            const response = await page.goto(url);
            expect(response?.status(), `opening ${url}`).toBe(visit.then ? 200 : (visit.status ?? 200));
            expect(new URL(page.url()).pathname, `${url} is not redirected`).toBe(new URL(url, server.baseUrl).pathname);
            if (visit.then) {
              expect(await visit.then(page, t), `the answer to the form on ${url}`).toBeGreaterThanOrEqual(400);
              expect(await page.getByRole('main').locator('[role="alert"], [aria-invalid="true"]').count(), `the refusal shown on ${url}`).toBeGreaterThan(0);
            }
            expect(await page.locator('html').getAttribute('lang')).toBe(locale);
            await expectNoSeriousA11yViolations(page, `${url} (${visit.state ?? 'as opened'}, ${visit.who}, ${locale})`);
          });
        } finally {
          await page.close();
        }
      });
    }
  });
});
