import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock.js';
import { createScryptHasher } from '../../src/adapters/password-hasher.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { demoPassword } from '../../src/db/seed-demo.js';
import type { Locale } from '../../src/domain/roles.js';
import { formatMoney } from '../../src/i18n/format.js';
import { translator, type Translate } from '../../src/i18n/index.js';
import type { Deps } from '../../src/use-cases/deps.js';
import { createUser, defaultPassword } from '../support/factories.js';
import type { ServerProcess } from '../support/server-process.js';
import type { TestApp } from '../support/test-app.js';
import { expectNoSeriousA11yViolations, openPage, withServerOutput, startServerAndBrowser } from './support.js';

/**
 * The back office in a real browser against the real server process, every person in a browser
 * of their own: an admin walks every back-office page through its menu, in Estonian and in
 * English, with axe on each (the dashboard's charts are figures with captions and their numbers
 * in tables); a moderator blocks a signed-in customer, who is signed out at once and cannot sign
 * in again, and the admin finds the block with its reason in the audit log; the admin changes
 * settings (a refused value first, the form keeping what was typed) and the footer follows; a
 * customer downloads their data and deletes their account with the keyboard only.
 */

const et = translator('et');
const en = translator('en');
const demo = {
  customer: { email: 'klient@demo.konsult.ee', name: 'Mari Maasikas', password: demoPassword },
  moderator: { email: 'moderaator@demo.konsult.ee', name: 'Kertu Saar', password: demoPassword },
  admin: { email: 'admin@demo.konsult.ee', password: demoPassword },
};
/** The demo customer's inquiry with the psychologist's 80 € offer (src/db/seed-demo.ts). */
const demoInquiry = { title: 'Kuidas saada lähenemiskeeld?', expert: 'Liis Kask', priceCents: 8_000 };

type Person = { id: number; name: string; email: string; password: string };

let server: ServerProcess;
let browser: Browser;
let database: DatabaseHandle;
let seeded: { admin: Person; blocked: Person; leaving: Person };

/** People straight into the running server's SQLite file, through the integration tests' factory. */
async function seed(): Promise<typeof seeded> {
  database = openDatabase(`sqlite:${path.join(server.dataDir, 'konsult.sqlite')}`);
  const seeding = { deps: { db: database.db, hasher: createScryptHasher(10) } as unknown as Deps, clock: new ManualClock(new Date()) } as TestApp;
  const person = async (name: string, email: string, roles: ('admin' | 'moderator')[] = []): Promise<Person> => {
    const user = await createUser(seeding, { name, email, roles });
    return { id: user.id, name: user.name, email: user.email, password: defaultPassword };
  };
  return {
    admin: await person('Anneli Haldur', 'anneli.haldur@example.ee', ['admin']),
    blocked: await person('Rein Rikkuja', 'rein.rikkuja@example.ee'),
    leaving: await person('Lea Lahkuja', 'lea.lahkuja@example.ee'),
  };
}

beforeAll(async () => {
  [server, browser] = await startServerAndBrowser();
  seeded = await seed();
});

afterAll(async () => {
  await browser?.close();
  await database?.destroy();
  await server?.stop();
});

/** Browsers of their own for several people at once; all closed whatever happens. */
async function withBrowsers(use: (open: () => Promise<Page>) => Promise<void>): Promise<void> {
  const contexts: BrowserContext[] = [];
  const open = async () => {
    const { context, page } = await openPage(browser, server.baseUrl);
    contexts.push(context);
    return page;
  };
  try {
    await withServerOutput(server, () => use(open));
  } finally {
    await Promise.all(contexts.map((context) => context.close()));
  }
}

/** Text as a reader sees it: any run of spaces (the no-break space of "80,00 €" too) as one. */
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

async function headingText(page: Page): Promise<string> {
  const h1 = page.locator('main h1');
  await h1.waitFor();
  return (await h1.innerText()).trim();
}

async function expectHeading(page: Page, text: string): Promise<void> {
  expect(await headingText(page)).toBe(text);
}

async function flashText(page: Page): Promise<string> {
  const flash = page.locator('main .flash');
  return (await flash.count()) > 0 ? (await flash.innerText()).trim() : '';
}

async function expectLang(page: Page, locale: Locale): Promise<void> {
  expect(await page.locator('html').getAttribute('lang')).toBe(locale);
}

/** Switches the language with the header's button, the way a visitor would. */
async function switchLanguageTo(page: Page, locale: Locale): Promise<void> {
  const current = (await page.locator('html').getAttribute('lang')) as Locale;
  if (current === locale) return;
  const before = page.url();
  await page.locator('header').getByRole('button', { name: translator(current)('nav.switchTo'), exact: true }).click();
  await page.waitForFunction((lang) => document.documentElement.lang === lang, locale);
  await expectLang(page, locale);
  expect(page.url()).toBe(before);
}

/** Fills and sends the login form (on /login already). */
async function submitLogin(page: Page, person: { email: string; password: string }, t: Translate = et): Promise<void> {
  const main = page.getByRole('main');
  await main.getByLabel(t('auth.email'), { exact: true }).fill(person.email);
  await main.getByLabel(t('auth.password'), { exact: true }).fill(person.password);
  await main.getByRole('button', { name: t('auth.loginButton'), exact: true }).click();
}

async function signIn(page: Page, person: { email: string; password: string }): Promise<void> {
  await page.goto('/login');
  await submitLogin(page, person);
  await page.waitForURL('**/my');
}

/** The header as an anonymous visitor sees it: "Logi sisse", no "Logi välja", no "Minu menüü". */
async function expectSignedOut(page: Page, t: Translate = et): Promise<void> {
  const header = page.locator('header');
  expect(await header.getByRole('link', { name: t('nav.login'), exact: true }).count()).toBe(1);
  expect(await header.getByRole('button', { name: t('nav.logout'), exact: true }).count()).toBe(0);
  expect(await header.getByRole('link', { name: t('nav.myMenu'), exact: true }).count()).toBe(0);
}

/** The refusal of the login form (the alert), after trying to sign in. */
async function loginRefusal(page: Page, person: { email: string; password: string }): Promise<string> {
  await page.goto('/login');
  await submitLogin(page, person);
  const refusal = page.getByRole('alert');
  await refusal.waitFor();
  expect(new URL(page.url()).pathname).toBe('/login');
  return squash(await refusal.innerText());
}

function adminMenu(page: Page, t: Translate): Locator {
  return page.getByRole('navigation', { name: t('admin.title'), exact: true });
}

/**
 * Opens a back-office page from the back-office menu; the page's own menu then marks that link
 * as the current page (the sent e-mails page, shared with development mode, has no such menu).
 */
async function openFromAdminMenu(page: Page, t: Translate, label: string, heading: string, hasMenu = true): Promise<void> {
  await adminMenu(page, t).getByRole('link', { name: label, exact: true }).click();
  await page.waitForLoadState();
  await expectHeading(page, heading);
  if (!hasMenu) return;
  const current = adminMenu(page, t).locator('a[aria-current="page"]');
  expect(await current.count(), label).toBe(1);
  expect(squash(await current.innerText())).toBe(label);
}

/** The cells of each body row of a table, as squashed text (the row header first). */
async function rowsOf(table: Locator): Promise<string[][]> {
  await table.waitFor();
  const rows = table.locator('tbody tr');
  const result: string[][] = [];
  for (let index = 0; index < (await rows.count()); index += 1) {
    result.push((await rows.nth(index).locator('th, td').allInnerTexts()).map(squash));
  }
  return result;
}

/** A whole number as the dashboard writes it ("1 234" in Estonian, "1,234" in English). */
const wholeNumber = (text: string) => Number(text.replace(/[\s,.]/g, ''));

/**
 * The dashboard's charts: each a figure named by its caption, holding one SVG image whose name
 * starts with the caption, and the same numbers in a table behind a disclosure (opened here).
 * Returns each chart's table rows by the figure's id.
 */
async function dashboardCharts(page: Page, t: Translate): Promise<Record<string, string[][]>> {
  const figures = page.getByRole('main').locator('figure.chart');
  const count = await figures.count();
  expect(count).toBeGreaterThanOrEqual(5);
  const tables: Record<string, string[][]> = {};
  for (let index = 0; index < count; index += 1) {
    const figure = figures.nth(index);
    const id = (await figure.getAttribute('id'))!;
    const caption = squash(await figure.locator('figcaption').innerText());
    expect(caption, id).not.toBe('');
    expect(await page.getByRole('figure', { name: caption, exact: true }).count(), `figure named "${caption}"`).toBe(1);
    const image = figure.locator('svg[role="img"]');
    expect(await image.count(), id).toBe(1);
    expect(await figure.getByRole('img', { name: new RegExp(`^${caption.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }).count(), `image of "${caption}"`).toBe(1);
    // The numbers: a disclosure that opens a real table with one row per category.
    const summary = figure.locator('details > summary');
    expect(squash(await summary.innerText()), id).toBe(t('dashboard.showTable'));
    await summary.click();
    const table = figure.getByRole('table');
    await table.waitFor({ state: 'visible' });
    tables[id] = await rowsOf(table);
    expect(tables[id].length, id).toBeGreaterThan(0);
  }
  return tables;
}

/** Presses Tab until `target` has the focus; fails after `limit` presses. */
async function tabTo(page: Page, target: Locator, limit = 40): Promise<void> {
  for (let presses = 0; presses < limit; presses += 1) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((element) => element === document.activeElement)) return;
  }
  throw new Error(`${limit} presses of Tab did not reach ${target.toString()}`);
}

/** The demo customer orders the psychologist's offer on the seeded inquiry and pays in the sandbox; returns the order's id. */
async function orderAndPayDemoOffer(page: Page): Promise<number> {
  await signIn(page, demo.customer);
  const customerCard = page.getByRole('main').locator('section.card').filter({ has: page.getByRole('heading', { name: et('myMenu.customerTitle'), exact: true }) });
  await customerCard.getByRole('link', { name: demoInquiry.title, exact: true }).click();
  await page.waitForURL(/\/inquiries\/\d+$/);
  await page
    .getByRole('main')
    .getByRole('button', { name: et('orders.orderFrom', { name: demoInquiry.expert, amount: formatMoney('et', demoInquiry.priceCents) }), exact: true })
    .click();
  await page.waitForURL(/\/sandbox\/pay\/[0-9a-f-]{36}$/);
  await page.getByRole('main').getByRole('button', { name: et('sandbox.pay'), exact: true }).click();
  await page.waitForURL(/\/orders\/\d+$/);
  return Number(/\/orders\/(\d+)$/.exec(new URL(page.url()).pathname)![1]);
}

/**
 * Every back-office page through the back-office menu in one language, axe on each. Starts on
 * the dashboard; ends on the sent e-mails page (which has no back-office menu of its own).
 */
async function walkTheBackOffice(page: Page, locale: Locale, orderId: number): Promise<void> {
  const t = translator(locale);
  const check = (what: string) => expectNoSeriousA11yViolations(page, `${what} (${locale})`);

  // ---- the dashboard: charts with captions, their numbers in tables ----
  await expectHeading(page, t('dashboard.title'));
  const charts = await dashboardCharts(page, t);
  // The one paid order of the period is in the orders chart's numbers (this week's row).
  const paidOrders = charts['chart-orders']!.map((row) => wholeNumber(row[1]!));
  expect(paidOrders.reduce((sum, value) => sum + value, 0)).toBe(1);
  expect(charts['chart-orders']!.length).toBe(12);
  await check('dashboard with its tables open');

  await openFromAdminMenu(page, t, t('review.queueTitle'), t('review.queueTitle'));
  expect(await page.getByRole('main').innerText()).toContain('Piret Põld');
  await check('expert applications');

  await openFromAdminMenu(page, t, t('triage.title'), t('triage.title'));
  expect(await page.getByRole('main').innerText()).toContain('Naaber lõhkus mu auto');
  await check('triage');

  await openFromAdminMenu(page, t, t('admin.usersTitle'), t('admin.usersTitle'));
  await check('users');

  // A user's page: the demo customer, with her order in her history.
  await page.getByRole('main').getByRole('table').getByRole('link', { name: demo.customer.name, exact: true }).click();
  await page.waitForURL(/\/admin\/users\/\d+$/);
  await expectHeading(page, demo.customer.name);
  const history = page.getByRole('region', { name: t('admin.historyTitle'), exact: true });
  expect(await history.getByRole('link', { name: `#${orderId}`, exact: true }).count()).toBe(1);
  await check('a user’s page');

  await openFromAdminMenu(page, t, t('adminOrders.title'), t('adminOrders.title'));
  await check('orders');

  // An order's page: its timeline says when it was ordered and paid.
  await page.getByRole('main').getByRole('table').getByRole('link', { name: `#${orderId}`, exact: true }).click();
  await page.waitForURL((url) => url.pathname === `/orders/${orderId}`);
  await expectHeading(page, t('orders.title', { id: orderId }));
  const timeline = (await page.getByRole('region', { name: t('orders.timeline.title'), exact: true }).locator('ol li').allInnerTexts()).map(squash);
  expect(timeline.some((event) => event.endsWith(squash(t('orders.timeline.ordered', { amount: formatMoney(locale, demoInquiry.priceCents) }))))).toBe(true);
  expect(timeline.some((event) => event.endsWith(t('orders.timeline.paid')))).toBe(true);
  await check('an order’s page');
  await page.goBack();
  await expectHeading(page, t('adminOrders.title'));

  await openFromAdminMenu(page, t, t('ledger.title'), t('ledger.title'));
  await check('ledger');

  await openFromAdminMenu(page, t, t('fieldAdmin.title'), t('fieldAdmin.title'));
  await check('fields');

  await openFromAdminMenu(page, t, t('documentTypeAdmin.title'), t('documentTypeAdmin.title'));
  await check('document types');

  await openFromAdminMenu(page, t, t('settings.title'), t('settings.title'));
  await check('settings');

  await openFromAdminMenu(page, t, t('audit.title'), t('audit.title'));
  await check('audit log');

  await openFromAdminMenu(page, t, t('sentEmails.title'), t('sentEmails.title'), false);
  await check('sent e-mails');
}

describe('the back office', () => {
  it('every page from the back-office menu, with the dashboard’s charts, passes axe in Estonian and in English', async () => {
    await withBrowsers(async (open) => {
      const [customerPage, page] = await Promise.all([open(), open()]);
      const orderId = await orderAndPayDemoOffer(customerPage);

      await signIn(page, seeded.admin);
      await page.getByRole('navigation', { name: et('nav.label') }).getByRole('link', { name: et('nav.admin'), exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/admin');
      await walkTheBackOffice(page, 'et', orderId);

      // The language control, then the same walk in English from the header's "Administration".
      await switchLanguageTo(page, 'en');
      await expectHeading(page, en('sentEmails.title'));
      await page.getByRole('navigation', { name: en('nav.label') }).getByRole('link', { name: en('nav.admin'), exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/admin');
      await walkTheBackOffice(page, 'en', orderId);
    });
  }, 180_000);

  it('a moderator blocks a signed-in customer: signed out at once, refused at the login, and the block is in the audit log with its reason', async () => {
    const customer = seeded.blocked;
    const reason = 'Saatis ekspertidele korduvalt solvavaid sõnumeid.';
    await withBrowsers(async (open) => {
      const [customerPage, moderatorPage, adminPage] = await Promise.all([open(), open(), open()]);
      await Promise.all([signIn(customerPage, customer), signIn(moderatorPage, demo.moderator), signIn(adminPage, demo.admin)]);
      await expectHeading(customerPage, et('myMenu.title'));

      // ---- the moderator finds the customer through the users list and blocks them ----
      await moderatorPage.getByRole('navigation', { name: et('nav.label') }).getByRole('link', { name: et('nav.admin'), exact: true }).click();
      await openFromAdminMenu(moderatorPage, et, et('admin.usersTitle'), et('admin.usersTitle'));
      const search = moderatorPage.getByRole('search');
      await search.getByLabel(et('admin.searchLabel'), { exact: true }).fill(customer.email);
      await search.getByRole('button', { name: et('common.search'), exact: true }).click();
      await moderatorPage.waitForURL(/\/admin\/users\?/);
      await moderatorPage.getByRole('main').getByRole('table').getByRole('link', { name: customer.name, exact: true }).click();
      await moderatorPage.waitForURL((url) => url.pathname === `/admin/users/${customer.id}`);
      await expectHeading(moderatorPage, customer.name);
      await expectNoSeriousA11yViolations(moderatorPage, 'a customer’s page for the moderator (et)');

      const blockSection = moderatorPage.getByRole('region', { name: et('admin.blockTitle'), exact: true });
      await blockSection.getByLabel(new RegExp(`^${et('admin.blockReason')}`)).fill(reason);
      await blockSection.getByRole('button', { name: et('admin.blockButton'), exact: true }).click();
      await moderatorPage.waitForURL((url) => url.pathname === `/admin/users/${customer.id}`);
      expect(await flashText(moderatorPage)).toBe(et('admin.saved'));
      const account = squash(await moderatorPage.getByRole('region', { name: et('admin.accountTitle'), exact: true }).innerText());
      expect(account).toContain(et('admin.statusBlockedSince', { date: '' }).trim());
      expect(account).toContain(et('admin.noSessions'));
      expect(await moderatorPage.getByRole('region', { name: et('admin.unblockTitle'), exact: true }).count()).toBe(1);
      await expectNoSeriousA11yViolations(moderatorPage, 'a blocked customer’s page for the moderator (et)');

      // ---- the customer's next page load: signed out, at the login, not on their My menu ----
      await customerPage.reload();
      expect(['/login', '/']).toContain(new URL(customerPage.url()).pathname);
      await expectSignedOut(customerPage);
      expect(await customerPage.getByRole('main').innerText()).not.toContain(et('myMenu.greeting', { name: customer.name }));

      // ---- and cannot sign in again ----
      expect(await loginRefusal(customerPage, customer)).toContain(et('errors.domain.ACCOUNT_BLOCKED'));
      await expectSignedOut(customerPage);
      await expectNoSeriousA11yViolations(customerPage, 'login refused for a blocked account (et)');

      // ---- the admin finds the block in the audit log, with the reason ----
      await adminPage.getByRole('navigation', { name: et('nav.label') }).getByRole('link', { name: et('nav.admin'), exact: true }).click();
      await openFromAdminMenu(adminPage, et, et('audit.title'), et('audit.title'));
      const filters = adminPage.getByRole('form', { name: et('audit.filtersLabel'), exact: true });
      await filters.getByLabel(et('audit.colAction'), { exact: true }).selectOption({ label: et('audit.action.user_blocked') });
      await filters.getByRole('button', { name: et('common.search'), exact: true }).click();
      await adminPage.waitForURL(/\/admin\/audit\?.*action=user_blocked/);
      const rows = await rowsOf(adminPage.getByRole('main').getByRole('table'));
      expect(rows).toHaveLength(1);
      const [, who, action, object, , after] = rows[0]!;
      expect(who).toBe(demo.moderator.name);
      expect(action).toBe(et('audit.action.user_blocked'));
      expect(object).toBe(`${et('audit.object.user')} ${customer.id}`);
      expect(after).toContain(reason);
      await expectNoSeriousA11yViolations(adminPage, 'audit log filtered to blocks (et)');
    });
  }, 120_000);

  it('the admin changes settings: a refused value keeps what was typed, a valid save shows in the footer and in the history', async () => {
    const supportEmail = 'abi@konsult.example';
    await withBrowsers(async (open) => {
      const page = await open();
      await signIn(page, demo.admin);
      await page.getByRole('navigation', { name: et('nav.label') }).getByRole('link', { name: et('nav.admin'), exact: true }).click();
      await openFromAdminMenu(page, et, et('settings.title'), et('settings.title'));
      const form = page.getByRole('main').locator('form.form');
      const invitations = form.getByLabel(et('settings.label.randomInvitations'), { exact: true });
      const email = form.getByLabel(et('settings.label.supportEmail'), { exact: true });
      const originalInvitations = await invitations.inputValue();
      expect(originalInvitations).toMatch(/^\d+$/);
      expect(await page.locator('footer').innerText()).not.toContain(supportEmail);

      // ---- 99 random invitations: refused at the field, both typed values kept ----
      await invitations.fill('99');
      await email.fill(supportEmail);
      await form.getByRole('button', { name: et('common.save'), exact: true }).click();
      await page.waitForLoadState();
      await expectHeading(page, et('settings.title'));
      const summary = page.getByRole('alert');
      await summary.waitFor();
      expect(await summary.getByRole('heading').innerText()).toBe(et('common.formHasErrors'));
      const fieldError = page.locator('#randomInvitations-error');
      expect(squash(await fieldError.innerText())).toBe(et('errors.field.outOfRange', { min: 1, max: 25 }));
      expect(await invitations.getAttribute('aria-invalid')).toBe('true');
      expect((await invitations.getAttribute('aria-describedby'))?.split(' ')).toContain('randomInvitations-error');
      expect(await invitations.inputValue()).toBe('99');
      expect(await email.inputValue()).toBe(supportEmail);
      expect(await email.getAttribute('aria-invalid')).toBeNull();
      expect(await page.locator('footer').innerText()).not.toContain(supportEmail);
      await expectNoSeriousA11yViolations(page, 'settings refused (et)');

      // ---- a valid number: saved, the footer shows the new address, the history lists both changes ----
      await invitations.fill('5');
      await form.getByRole('button', { name: et('common.save'), exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/admin/settings');
      expect(await flashText(page)).toBe(et('settings.saved'));
      expect(await invitations.inputValue()).toBe('5');
      expect(await email.inputValue()).toBe(supportEmail);
      const footerLink = page.locator('footer').getByRole('link', { name: supportEmail, exact: true });
      expect(await footerLink.getAttribute('href')).toBe(`mailto:${supportEmail}`);

      const historyRows = await rowsOf(page.getByRole('region', { name: et('settings.historyTitle'), exact: true }).getByRole('table'));
      const changeOf = (key: 'randomInvitations' | 'supportEmail') => historyRows.find((row) => row[3] === et(`settings.label.${key}`));
      const invitationChange = changeOf('randomInvitations');
      expect(invitationChange, JSON.stringify(historyRows)).toBeDefined();
      expect(invitationChange!.slice(1, 3)).toEqual(['Konsulti administraator', et('audit.action.settings_changed')]);
      expect(invitationChange![4]).toContain(originalInvitations);
      expect(invitationChange![5]).toContain('5');
      const emailChange = changeOf('supportEmail');
      expect(emailChange, JSON.stringify(historyRows)).toBeDefined();
      expect(emailChange![5]).toContain(supportEmail);
      // Nothing else changed, and the refused attempt left no entry.
      expect(historyRows).toHaveLength(2);
      await expectNoSeriousA11yViolations(page, 'settings saved (et)');

      // Any page's footer, for anyone.
      await page.goto('/');
      expect(await page.locator('footer').getByRole('link', { name: supportEmail, exact: true }).count()).toBe(1);
    });
  }, 90_000);

  it('a customer downloads their data and deletes their account with the keyboard only', async () => {
    const customer = seeded.leaving;
    await withBrowsers(async (open) => {
      const page = await open();
      await signIn(page, customer);

      // ---- the data download from the account page: a JSON file with their address ----
      await page.locator('header').getByRole('link', { name: et('nav.account'), exact: true }).click();
      await expectHeading(page, et('account.title'));
      const privacy = page.getByRole('region', { name: et('privacy.title'), exact: true });
      const [download] = await Promise.all([page.waitForEvent('download'), privacy.getByRole('link', { name: et('privacy.download'), exact: true }).click()]);
      expect(download.suggestedFilename()).toMatch(/^konsult-data-\d{4}-\d{2}-\d{2}\.json$/);
      const text = await readFile((await download.path())!, 'utf8');
      const data = JSON.parse(text) as unknown;
      expect(typeof data).toBe('object');
      expect(text).toContain(customer.email);
      expect(text).toContain(customer.name);
      await expectNoSeriousA11yViolations(page, 'account page with the privacy section (et)');

      // ---- keyboard only: Tab to "Delete my account", Enter; Tab to the password, type; Tab to the button, Enter ----
      const deleteLink = privacy.getByRole('link', { name: et('privacy.deleteLink'), exact: true });
      await tabTo(page, deleteLink, 80);
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === '/account/delete');
      await expectHeading(page, et('privacy.deleteTitle'));
      await expectNoSeriousA11yViolations(page, 'delete account (et)');

      const password = page.getByRole('main').getByLabel(et('account.currentPassword'), { exact: true });
      await tabTo(page, password);
      await page.keyboard.type(customer.password);
      const deleteButton = page.getByRole('main').getByRole('button', { name: et('privacy.deleteButton'), exact: true });
      await tabTo(page, deleteButton, 5);
      await page.keyboard.press('Enter');

      // ---- the goodbye page, signed out ----
      await page.waitForLoadState();
      await expectHeading(page, et('privacy.deletedTitle'));
      expect(await page.getByRole('main').innerText()).toContain(et('privacy.deletedBody'));
      await expectSignedOut(page);
      await expectNoSeriousA11yViolations(page, 'account deleted (et)');

      await page.goto('/my');
      expect(new URL(page.url()).pathname).toBe('/login');
      await expectSignedOut(page);

      // ---- and the account is gone: the address and password no longer sign in ----
      expect(await loginRefusal(page, customer)).toContain(et('errors.domain.INVALID_CREDENTIALS'));
      await expectSignedOut(page);
    });
  }, 90_000);
});
