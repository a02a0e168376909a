import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock.js';
import { createScryptHasher } from '../../src/adapters/password-hasher.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { demoPassword } from '../../src/db/seed-demo.js';
import { tallinnDayOf } from '../../src/domain/calendar.js';
import { formatMoney } from '../../src/i18n/format.js';
import { translator } from '../../src/i18n/index.js';
import type { Deps } from '../../src/use-cases/deps.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, defaultPassword } from '../support/factories.js';
import type { ServerProcess } from '../support/server-process.js';
import type { TestApp } from '../support/test-app.js';
import { expectNoSeriousA11yViolations, openPage, withServerOutput, startServerAndBrowser } from './support.js';

/**
 * Ordering and paying in a real browser against the real server process, every person in a
 * browser of their own: a customer compares two experts' offers, orders one and pays on the
 * embedded sandbox's test payment page; the sandbox's server-to-server notification settles the
 * payment, and from then on the customer sees the winner's contact data and the winner the
 * customer's, while the other invited experts are told the customer chose another offer and,
 * like any other user, never see either contact. A failed payment cancels the order and opens
 * the inquiry for ordering again. Axe checks every page of the path.
 */

const et = translator('et');
const moderator = { email: 'moderaator@demo.konsult.ee', password: demoPassword };

type Person = { id: number; name: string; email: string; phone: string; password: string };

const field = { nameEt: 'Ehitusvaidlused', nameEn: 'Construction disputes' };

let server: ServerProcess;
let browser: Browser;
let database: DatabaseHandle;
let seeded: {
  experts: { winner: Person; loser: Person; silent: Person };
  customers: { paying: Person; failing: Person; outsider: Person };
};

/**
 * People and a field straight into the running server's SQLite file, through the factories the
 * integration tests use (they need only the database, a password hasher and a clock). Everyone
 * has a phone number, so the contact cards have all three lines to show (or to leak).
 */
async function seed(): Promise<typeof seeded> {
  database = openDatabase(`sqlite:${path.join(server.dataDir, 'konsult.sqlite')}`);
  const seeding = { deps: { db: database.db, hasher: createScryptHasher(10) } as unknown as Deps, clock: new ManualClock(new Date()) } as TestApp;
  const person = (user: { id: number; name: string; email: string; phone: string | null }): Person => ({
    id: user.id,
    name: user.name,
    email: user.email,
    phone: user.phone ?? '',
    password: defaultPassword,
  });
  const { id: fieldId } = await createField(seeding, field);
  const expert = async (name: string, email: string, phone: string) => person(await createExpert(seeding, { name, email, phone, fieldIds: [fieldId], languages: ['et'] }));
  const customer = async (name: string, email: string, phone: string) => person(await createUser(seeding, { name, email, phone }));
  return {
    experts: {
      winner: await expert('Mart Mänd', 'mart.mand@example.ee', '+372 5111 2233'),
      loser: await expert('Kadri Kuusk', 'kadri.kuusk@example.ee', '+372 5222 3344'),
      silent: await expert('Tõnu Tamm', 'tonu.tamm@example.ee', '+372 5333 4455'),
    },
    customers: {
      paying: await customer('Ene Ehala', 'ene.ehala@example.ee', '+372 5444 5566'),
      failing: await customer('Piia Pärn', 'piia.parn@example.ee', '+372 5555 6677'),
      outsider: await customer('Olev Org', 'olev.org@example.ee', '+372 5666 7788'),
    },
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

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Text as a reader sees it: any run of spaces (the no-break space of "150,00 €" too) as one. */
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/** A price as the pages write it, squashed. */
const euros = (cents: number) => squash(formatMoney('et', cents));

/** A control whose label starts with `text` (optional fields append "(valikuline)" to theirs). */
function labelled(scope: Page | Locator, text: string): Locator {
  return scope.getByLabel(new RegExp(`^${escapeRegExp(text)}`));
}

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

async function signIn(page: Page, person: { email: string; password: string }): Promise<void> {
  await page.goto('/login');
  const main = page.getByRole('main');
  await main.getByLabel(et('auth.email'), { exact: true }).fill(person.email);
  await main.getByLabel(et('auth.password'), { exact: true }).fill(person.password);
  await main.getByRole('button', { name: et('auth.loginButton'), exact: true }).click();
  await page.waitForURL('**/my');
}

/** A Tallinn calendar day `days` from today, as a date input takes it. */
function dayFromToday(days: number): string {
  return tallinnDayOf(new Date(Date.now() + days * 86_400_000));
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

/** The first table after a heading (the tables of an inquiry's page are named by the heading above them; a hint may come between). */
function tableUnder(page: Page, heading: string): Locator {
  return page.getByRole('main').locator(`xpath=(.//h2[normalize-space(.)="${heading}"]/following-sibling::*[descendant-or-self::table][1]/descendant-or-self::table)[1]`);
}

function expertCheckbox(page: Page, name: string): Locator {
  return page.getByRole('main').getByRole('checkbox', { name: new RegExp(`^${escapeRegExp(name)}\\b`) });
}

/** The customer sends a field inquiry to the named experts with the real form; returns its path. */
async function sendInquiry(page: Page, title: string, experts: Person[]): Promise<string> {
  await page.getByRole('navigation', { name: et('nav.label') }).getByRole('link', { name: et('nav.orderConsultation'), exact: true }).click();
  await page.waitForURL('**/order/consultation');
  await page.getByRole('main').getByRole('link', { name: field.nameEt, exact: true }).click();
  await page.waitForURL(/\/inquiries\/new\?/);
  const main = page.getByRole('main');
  for (const expert of experts) await expertCheckbox(page, expert.name).check();
  await main.getByLabel(et('inquiries.titleLabel'), { exact: true }).fill(title);
  await labelled(main, et('inquiries.description')).fill('Ehitaja jättis töö pooleli ja ei vasta kõnedele. Ettemaks on tehtud.');
  await main.getByLabel(et('inquiries.deadline'), { exact: true }).fill(dayFromToday(5));
  await main.getByRole('button', { name: et('inquiries.send'), exact: true }).click();
  await page.waitForURL(/\/inquiries\/\d+$/);
  await expectHeading(page, title);
  return new URL(page.url()).pathname;
}

type Offer = { price: string; cents: number; deliveryDate: string; validUntil: string; note: string };

/** An expert opens the inquiry from their My menu and makes an offer with the real form. */
async function offerFromMyMenu(page: Page, title: string, offer: Offer): Promise<void> {
  await page.goto('/my');
  const expertTools = page.getByRole('main').locator('section.card').filter({ has: page.getByRole('heading', { name: et('myMenu.expertTitle'), exact: true }) });
  await expertTools.getByRole('link', { name: title, exact: true }).first().click();
  await page.waitForURL(/\/inquiries\/\d+$/);
  const section = page.getByRole('region', { name: et('inquiries.yourOffer') });
  await section.getByLabel(et('inquiries.priceLabel'), { exact: true }).fill(offer.price);
  await section.getByLabel(et('inquiries.deliveryDate'), { exact: true }).fill(offer.deliveryDate);
  await section.getByLabel(et('inquiries.validUntil'), { exact: true }).fill(offer.validUntil);
  await labelled(section, et('inquiries.offerNote')).fill(offer.note);
  await section.getByRole('button', { name: et('inquiries.makeOffer'), exact: true }).click();
  await page.waitForURL(/\/inquiries\/\d+#offer$/);
  expect(await flashText(page)).toBe(et('inquiries.offerSent'));
}

/** The customer opens the inquiry from the list on their My menu. */
async function openFromCustomerMenu(page: Page, title: string): Promise<void> {
  await page.goto('/my');
  const customerCard = page.getByRole('main').locator('section.card').filter({ has: page.getByRole('heading', { name: et('myMenu.customerTitle'), exact: true }) });
  await customerCard.getByRole('link', { name: title, exact: true }).click();
  await page.waitForURL(/\/inquiries\/\d+$/);
  await expectHeading(page, title);
}

/** The "Telli ja maksa" button of one expert's offer (its accessible name names the expert and the price). */
function orderButton(page: Page, expert: Person, cents: number): Locator {
  return page.getByRole('main').getByRole('button', { name: et('orders.orderFrom', { name: expert.name, amount: formatMoney('et', cents) }), exact: true });
}

function allOrderButtons(page: Page): Locator {
  return page.getByRole('main').getByRole('button', { name: et('orders.orderAndPay') });
}

/** Presses an offer's order button and lands on the sandbox's test payment page; returns the merchant reference shown there. */
async function orderAndReachSandbox(page: Page, expert: Person, cents: number): Promise<string> {
  await orderButton(page, expert, cents).click();
  await page.waitForURL(/\/sandbox\/pay\/[0-9a-f-]{36}$/);
  await expectHeading(page, et('sandbox.title'));
  const details = await definitionsOf(page.getByRole('main').locator('section.card'));
  expect(details[et('sandbox.recipient')]).toBe('Konsult');
  expect(details[et('orders.amount')]).toBe(euros(cents));
  const reference = details[et('orders.reference')]!;
  expect(reference).toMatch(/^KONSULT-\d+$/);
  return reference;
}

/** Presses one of the test payment page's buttons and follows the provider's return to the order page. */
async function finishPayment(page: Page, button: string): Promise<number> {
  await page.getByRole('main').getByRole('button', { name: button, exact: true }).click();
  await page.waitForURL(/\/orders\/\d+$/);
  return Number(/\/orders\/(\d+)$/.exec(new URL(page.url()).pathname)![1]);
}

/** A description list (`dt` → `dd`) as squashed text. */
async function definitionsOf(scope: Locator): Promise<Record<string, string>> {
  const terms = (await scope.locator('dl dt').allInnerTexts()).map(squash);
  const values = (await scope.locator('dl dd').allInnerTexts()).map(squash);
  return Object.fromEntries(terms.map((term, index) => [term, values[index] ?? '']));
}

function orderSummary(page: Page): Locator {
  return page.getByRole('region', { name: et('orders.summaryTitle'), exact: true });
}

async function orderStatus(page: Page): Promise<string> {
  return squash(await orderSummary(page).locator('.status').innerText());
}

/** A contact card on the order page: name, e-mail, phone. */
async function contactCard(page: Page, title: string): Promise<Record<string, string>> {
  const card = page.getByRole('region', { name: title, exact: true });
  await card.waitFor();
  return definitionsOf(card);
}

const cardOf = (person: Person) => ({ [et('orders.contactName')]: person.name, [et('orders.contactEmail')]: person.email, [et('orders.contactPhone')]: person.phone });

/** Opens a notice from the mailbox (through the header's mailbox link) by its title. */
async function openNotice(page: Page, title: string): Promise<void> {
  await page.locator('header .mailbox-link').click();
  await page.waitForURL('**/mailbox');
  await page.locator('.mailbox-list').getByRole('link', { name: new RegExp(escapeRegExp(title)) }).click();
  await page.waitForURL('**/mailbox/notices/*');
  await expectHeading(page, title);
}

/** The mailbox's list of items, as squashed text each. */
async function mailboxItems(page: Page): Promise<string[]> {
  await page.goto('/mailbox');
  return (await page.locator('.mailbox-list li').allInnerTexts()).map(squash);
}

/** Opens a page and expects the "page not found" answer. */
async function expectNotFound(page: Page, url: string): Promise<void> {
  const response = await page.goto(url);
  expect(response?.status(), url).toBe(404);
  await expectHeading(page, et('errors.notFoundTitle'));
}

/** A person's contact data: name, e-mail and phone. */
const contactOf = (person: Person) => [person.name, person.email, person.phone];

/** How to reach a person: e-mail and phone (pages that name the expert anyway, e.g. a cancelled order). */
const reachOf = (person: Person) => [person.email, person.phone];

/** None of these texts anywhere on the page. */
async function expectNoneOf(page: Page, secrets: string[], label: string): Promise<void> {
  const text = await page.locator('body').innerText();
  for (const secret of secrets) expect(text, `${label} shows "${secret}"`).not.toContain(secret);
}

describe('ordering an offer', () => {
  it('is paid in the sandbox, shows each party the other’s contact, tells the other experts and shows nobody else anything', async () => {
    const { experts, customers } = seeded;
    const { winner, loser, silent } = experts;
    const customer = customers.paying;
    const title = 'Ehitaja jättis katuse pooleli';
    const winnerOffer: Offer = { price: '240', cents: 24_000, deliveryDate: dayFromToday(12), validUntil: dayFromToday(5), note: 'Kirjalik nõue ehitajale ja kohtueelne pretensioon.' };
    const loserOffer: Offer = { price: '180,50', cents: 18_050, deliveryDate: dayFromToday(10), validUntil: dayFromToday(4), note: 'Üks tunnine videokonsultatsioon.' };

    await withBrowsers(async (open) => {
      const [page, winnerPage, loserPage, silentPage, outsiderPage, moderatorPage] = await Promise.all([open(), open(), open(), open(), open(), open()]);
      await Promise.all([
        signIn(page, customer),
        signIn(winnerPage, winner),
        signIn(loserPage, loser),
        signIn(silentPage, silent),
        signIn(outsiderPage, customers.outsider),
        signIn(moderatorPage, moderator),
      ]);

      // ---- an inquiry to three experts; two offer, the third stays silent ----
      const inquiryPath = await sendInquiry(page, title, [winner, loser, silent]);
      await offerFromMyMenu(winnerPage, title, winnerOffer);
      await offerFromMyMenu(loserPage, title, loserOffer);

      // ---- the customer compares the offers: each valid one has its order button ----
      await openFromCustomerMenu(page, title);
      expect(new URL(page.url()).pathname).toBe(inquiryPath);
      const offersSection = page.getByRole('region', { name: et('inquiries.offersTitle') });
      expect(await offersSection.innerText()).toContain(et('orders.orderHint'));
      const noRatings = et('experts.noRatings');
      const offerRows = await rowsOf(tableUnder(page, et('inquiries.offersTitle')));
      expect(offerRows.map(([name, price, , , , order]) => [name, price, order])).toEqual([
        [`${loser.name} ${noRatings}`, euros(loserOffer.cents), et('orders.orderAndPay')],
        [`${winner.name} ${noRatings}`, euros(winnerOffer.cents), et('orders.orderAndPay')],
      ]);
      expect(await orderButton(page, winner, winnerOffer.cents).count()).toBe(1);
      expect(await orderButton(page, loser, loserOffer.cents).count()).toBe(1);
      // Before payment the customer sees no expert's e-mail or phone.
      const beforePayment = await page.locator('body').innerText();
      for (const expert of [winner, loser, silent]) {
        expect(beforePayment).not.toContain(expert.email);
        expect(beforePayment).not.toContain(expert.phone);
      }
      await expectNoSeriousA11yViolations(page, 'customer’s inquiry page with order buttons (et)');

      // ---- "Telli ja maksa" on the dearer offer → the sandbox's test payment page ----
      const reference = await orderAndReachSandbox(page, winner, winnerOffer.cents);
      expect(await page.getByRole('main').innerText()).toContain(et('sandbox.lead'));
      await expectNoSeriousA11yViolations(page, 'sandbox test payment page (et)');

      // ---- "Maksa" → back on the order page: paid, work in progress, the expert's contact ----
      const orderId = await finishPayment(page, et('sandbox.pay'));
      const orderPath = `/orders/${orderId}`;
      expect(reference).toBe(`KONSULT-${orderId}`);
      await expectHeading(page, et('orders.title', { id: orderId }));
      expect(await orderStatus(page)).toBe(et('orders.status_in_progress'));
      const summary = await definitionsOf(orderSummary(page));
      expect(summary[et('inquiries.expert')]).toBe(winner.name);
      expect(summary[et('orders.amount')]).toBe(euros(winnerOffer.cents));
      expect(await orderSummary(page).innerText()).toContain(et('orders.inProgressCustomer'));
      expect(await contactCard(page, et('orders.expertContact'))).toEqual(cardOf(winner));
      expect(await page.getByRole('region', { name: et('orders.customerContact') }).count()).toBe(0);
      await expectNoneOf(page, [...contactOf(loser), ...contactOf(silent)], 'the customer’s order page');
      await expectNoSeriousA11yViolations(page, 'customer’s order page, paid (et)');

      // The inquiry is ordered: a link to the order instead of order buttons.
      await page.getByRole('main').getByRole('link', { name: `← ${title}` }).click();
      await page.waitForURL((url) => url.pathname === inquiryPath);
      expect(squash(await page.getByRole('region', { name: et('inquiries.contentTitle') }).locator('.status').innerText())).toBe(et('inquiries.status.inquiry_ordered'));
      expect(await page.getByRole('main').locator('.notice').innerText()).toContain(et('orders.inquiryOrdered'));
      expect(await page.getByRole('main').getByRole('link', { name: et('orders.openOrder'), exact: true }).getAttribute('href')).toBe(orderPath);
      expect(await allOrderButtons(page).count()).toBe(0);
      expect((await mailboxItems(page)).some((item) => item.includes(et('notices.orderPaidCustomer.title', { title })))).toBe(true);

      // ---- the winner: the mailbox notice's link → the order, with the customer's contact ----
      await winnerPage.goto('/my');
      await openNotice(winnerPage, et('notices.orderPaidExpert.title', { title }));
      await winnerPage.getByRole('main').getByRole('link', { name: et('mailbox.openItem'), exact: true }).click();
      await winnerPage.waitForURL((url) => url.pathname === orderPath);
      await expectHeading(winnerPage, et('orders.title', { id: orderId }));
      expect(await orderStatus(winnerPage)).toBe(et('orders.status_in_progress'));
      expect(await orderSummary(winnerPage).innerText()).toContain(et('orders.inProgressExpert'));
      expect(await contactCard(winnerPage, et('orders.customerContact'))).toEqual(cardOf(customer));
      expect(await winnerPage.getByRole('region', { name: et('orders.expertContact') }).count()).toBe(0);
      await expectNoSeriousA11yViolations(winnerPage, 'expert’s order page, paid (et)');
      // Their page of the inquiry says it is theirs and leads to the order.
      await winnerPage.goto(inquiryPath);
      expect(squash(await winnerPage.getByRole('region', { name: et('inquiries.myInvitationTitle') }).locator('.status').innerText())).toBe(et('inquiries.status.invitation_won'));
      expect(await winnerPage.getByRole('main').getByRole('link', { name: et('orders.openOrder'), exact: true }).getAttribute('href')).toBe(orderPath);

      // ---- the other invited experts: told, and shut out of the order ----
      for (const [expertPage, expert] of [
        [loserPage, loser],
        [silentPage, silent],
      ] as const) {
        await expertPage.goto('/my');
        await openNotice(expertPage, et('notices.offerNotChosen.title', { title }));
        await expertPage.getByRole('main').getByRole('link', { name: et('mailbox.openItem'), exact: true }).click();
        await expertPage.waitForURL((url) => url.pathname === inquiryPath);
        expect(squash(await expertPage.getByRole('region', { name: et('inquiries.myInvitationTitle') }).locator('.status').innerText()), expert.name).toBe(
          et('inquiries.status.invitation_lost'),
        );
        expect(await expertPage.getByRole('main').getByRole('link', { name: et('orders.openOrder'), exact: true }).count(), expert.name).toBe(0);
        await expectNoneOf(expertPage, [...contactOf(customer), ...reachOf(winner)], `${expert.name}’s inquiry page`);
        await expectNotFound(expertPage, orderPath);
        await expectNoneOf(expertPage, [...contactOf(customer), ...contactOf(winner)], `${expert.name}’s order page`);
        for (const item of await mailboxItems(expertPage)) {
          for (const secret of [customer.name, customer.email, customer.phone, winner.email, winner.phone]) expect(item, `${expert.name}’s mailbox`).not.toContain(secret);
        }
      }
      // The winner's notice is not the loser's.
      expect((await mailboxItems(loserPage)).some((item) => item.includes(et('notices.orderPaidExpert.title', { title })))).toBe(false);

      // ---- a third user: not the order, not the inquiry, no contact anywhere ----
      await expectNotFound(outsiderPage, orderPath);
      await expectNoneOf(outsiderPage, [...contactOf(customer), ...contactOf(winner)], 'the outsider’s order page');
      await expectNotFound(outsiderPage, inquiryPath);
      await expectNoneOf(outsiderPage, [...contactOf(customer), ...contactOf(winner)], 'the outsider’s inquiry page');
      await outsiderPage.goto('/orders');
      await expectHeading(outsiderPage, et('orders.myTitle'));
      expect(await outsiderPage.getByRole('main').innerText()).toContain(et('orders.none'));
      expect(await outsiderPage.getByRole('main').innerText()).not.toContain(title);
      for (const item of await mailboxItems(outsiderPage)) expect(item).not.toContain(title);

      // ---- staff: the payment was settled by the sandbox's server-to-server notification ----
      // (delivered to PUBLIC_URL, which is the address the server listens on); the browser's
      // return then asked for the status, and that changed nothing.
      await moderatorPage.goto(orderPath);
      const audit = moderatorPage.getByRole('region', { name: et('orders.paymentTitle'), exact: true });
      const events = (await audit.locator('ul.plain-list li').allInnerTexts()).map(squash);
      expect(events).toHaveLength(2);
      expect(events[0]).toContain(`· notification · PAID · ${euros(winnerOffer.cents)}`);
      expect(events[0]).not.toContain(et('orders.eventIgnored'));
      expect(events[1]).toContain(`· query · PAID · ${euros(winnerOffer.cents)} · ${et('orders.eventIgnored')}`);
      expect((await definitionsOf(audit))[et('orders.paymentStatus')]).toBe(et('orders.payment_succeeded'));
    });
  }, 240_000);

  it('is cancelled when the payment fails, and the inquiry can be ordered again', async () => {
    const { experts, customers } = seeded;
    const { winner, loser } = experts;
    const customer = customers.failing;
    const title = 'Vannitoa plaatimine tehti valesti';
    const firstOffer: Offer = { price: '95', cents: 9_500, deliveryDate: dayFromToday(9), validUntil: dayFromToday(5), note: 'Hinnang tööde puudustele.' };
    const secondOffer: Offer = { price: '120', cents: 12_000, deliveryDate: dayFromToday(8), validUntil: dayFromToday(5), note: 'Hinnang ja nõude projekt.' };

    await withBrowsers(async (open) => {
      const [page, loserPage, winnerPage] = await Promise.all([open(), open(), open()]);
      await Promise.all([signIn(page, customer), signIn(loserPage, loser), signIn(winnerPage, winner)]);
      const inquiryPath = await sendInquiry(page, title, [loser, winner]);
      await offerFromMyMenu(loserPage, title, firstOffer);
      await offerFromMyMenu(winnerPage, title, secondOffer);

      // ---- ordered, then "Makse ebaõnnestub" on the test payment page ----
      await openFromCustomerMenu(page, title);
      await orderAndReachSandbox(page, loser, firstOffer.cents);
      const orderId = await finishPayment(page, et('sandbox.fail'));
      const orderPath = `/orders/${orderId}`;
      await expectHeading(page, et('orders.title', { id: orderId }));
      expect(await orderStatus(page)).toBe(et('orders.status_cancelled'));
      expect(await orderSummary(page).innerText()).toContain(et('orders.cancelledExplained'));
      expect(await page.getByRole('region', { name: et('orders.expertContact') }).count()).toBe(0);
      await expectNoneOf(page, [...reachOf(loser), ...reachOf(winner)], 'the cancelled order’s page');
      await expectNoSeriousA11yViolations(page, 'customer’s order page, cancelled (et)');
      expect((await mailboxItems(page)).some((item) => item.includes(et('notices.paymentFailed.title', { title })))).toBe(true);

      // The order's expert sees the cancelled order, and not the customer.
      await loserPage.goto(orderPath);
      expect(await orderStatus(loserPage)).toBe(et('orders.status_cancelled'));
      expect(await loserPage.getByRole('region', { name: et('orders.customerContact') }).count()).toBe(0);
      await expectNoneOf(loserPage, contactOf(customer), 'the expert’s cancelled order page');

      // ---- the inquiry is open again, with its order buttons ----
      await page.goto(orderPath);
      await page.getByRole('main').getByRole('link', { name: `← ${title}` }).click();
      await page.waitForURL((url) => url.pathname === inquiryPath);
      expect(squash(await page.getByRole('region', { name: et('inquiries.contentTitle') }).locator('.status').innerText())).toBe(et('inquiries.status.inquiry_open'));
      expect(await page.getByRole('main').locator('.notice').count()).toBe(0);
      expect(await allOrderButtons(page).count()).toBe(2);
      expect(await orderButton(page, loser, firstOffer.cents).count()).toBe(1);
      expect(await orderButton(page, winner, secondOffer.cents).count()).toBe(1);
      await expectNoSeriousA11yViolations(page, 'customer’s inquiry page with order buttons after a failed payment (et)');

      // ---- and another offer can be ordered and paid ----
      const reference = await orderAndReachSandbox(page, winner, secondOffer.cents);
      const secondOrderId = await finishPayment(page, et('sandbox.pay'));
      expect(secondOrderId).not.toBe(orderId);
      expect(reference).toBe(`KONSULT-${secondOrderId}`);
      expect(await orderStatus(page)).toBe(et('orders.status_in_progress'));
      expect(await contactCard(page, et('orders.expertContact'))).toEqual(cardOf(winner));
      // The expert whose order failed lost this time, and is told so.
      expect((await mailboxItems(loserPage)).some((item) => item.includes(et('notices.offerNotChosen.title', { title })))).toBe(true);
      await expectNotFound(loserPage, `/orders/${secondOrderId}`);
    });
  }, 180_000);
});
