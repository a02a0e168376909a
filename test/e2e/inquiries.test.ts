import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock.js';
import { createScryptHasher } from '../../src/adapters/password-hasher.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { demoPassword } from '../../src/db/seed-demo.js';
import { tallinnDayOf } from '../../src/domain/calendar.js';
import type { Locale } from '../../src/domain/roles.js';
import { formatDate } from '../../src/i18n/format.js';
import { translator } from '../../src/i18n/index.js';
import type { Deps } from '../../src/use-cases/deps.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, defaultPassword } from '../support/factories.js';
import { samplePdf } from '../support/multipart.js';
import type { ServerProcess } from '../support/server-process.js';
import type { TestApp } from '../support/test-app.js';
import { expectNoSeriousA11yViolations, openPage, withServerOutput, startServerAndBrowser } from './support.js';

/**
 * Inquiries and offers in a real browser against the real server process, every person in a
 * browser of their own: a customer sends a field inquiry with a file to three experts; one asks
 * and is answered, two offer, one declines, and the customer compares the offers side by side
 * while no expert sees another's offer or question, or the customer's name; a general inquiry
 * goes through the moderator's triage to three of a field's four experts picked at random; the
 * form keeps what was typed after a refusal; axe checks every page of the path.
 */

const et = translator('et');
const moderator = { email: 'moderaator@demo.konsult.ee', name: 'Kertu Saar', password: demoPassword };

type Person = { id: number; name: string; email: string; password: string };

/** A field with three experts who take inquiries and one on leave (the field inquiry). */
const consultationField = { nameEt: 'Andmekaitse ja privaatsus', nameEn: 'Data protection and privacy' };
/** A field with four experts who take inquiries (the general inquiry's triage). */
const triageField = { nameEt: 'Maksuvaidlused', nameEn: 'Tax disputes' };

let server: ServerProcess;
let browser: Browser;
let database: DatabaseHandle;
let seeded: {
  consultationFieldId: number;
  triageFieldId: number;
  experts: { a: Person; b: Person; c: Person; onLeave: Person };
  triageExperts: Person[];
  customers: { field: Person; general: Person; refused: Person };
};

/**
 * People and fields straight into the running server's SQLite file, through the factories the
 * integration tests use (they need only the database, a password hasher and a clock).
 */
async function seed(): Promise<typeof seeded> {
  database = openDatabase(`sqlite:${path.join(server.dataDir, 'konsult.sqlite')}`);
  const seeding = { deps: { db: database.db, hasher: createScryptHasher(10) } as unknown as Deps, clock: new ManualClock(new Date()) } as TestApp;
  const person = (user: { id: number; name: string; email: string }): Person => ({ id: user.id, name: user.name, email: user.email, password: defaultPassword });
  const field = await createField(seeding, consultationField);
  const other = await createField(seeding, triageField);
  const expert = async (name: string, email: string, fieldId: number, onLeave = false) =>
    person(await createExpert(seeding, { name, email, fieldIds: [fieldId], languages: ['et', 'en'], ...(onLeave ? { onLeave: {} } : {}) }));
  const experts = {
    a: await expert('Kristjan Kivi', 'kristjan.kivi@example.ee', field.id),
    b: await expert('Helen Haab', 'helen.haab@example.ee', field.id),
    c: await expert('Oskar Oja', 'oskar.oja@example.ee', field.id),
    onLeave: await expert('Laura Lepp', 'laura.lepp@example.ee', field.id, true),
  };
  const triageExperts = [
    await expert('Peeter Paju', 'peeter.paju@example.ee', other.id),
    await expert('Riina Rebane', 'riina.rebane@example.ee', other.id),
    await expert('Siim Sepp', 'siim.sepp@example.ee', other.id),
    await expert('Tiina Tuul', 'tiina.tuul@example.ee', other.id),
  ];
  const customers = {
    field: person(await createUser(seeding, { name: 'Epp Ellermaa', email: 'epp.ellermaa@example.ee' })),
    general: person(await createUser(seeding, { name: 'Urmas Uibo', email: 'urmas.uibo@example.ee' })),
    refused: person(await createUser(seeding, { name: 'Anu Aas', email: 'anu.aas@example.ee' })),
  };
  return { consultationFieldId: field.id, triageFieldId: other.id, experts, triageExperts, customers };
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

/** Switches the language with the header's button, the way a visitor would. */
async function switchLanguageTo(page: Page, locale: Locale): Promise<void> {
  const current = (await page.locator('html').getAttribute('lang')) as Locale;
  if (current === locale) return;
  await page.locator('header').getByRole('button', { name: translator(current)('nav.switchTo'), exact: true }).click();
  await page.waitForLoadState();
  expect(await page.locator('html').getAttribute('lang')).toBe(locale);
}

/** A Tallinn calendar day `days` from today, as a date input takes it. */
function dayFromToday(days: number): string {
  return tallinnDayOf(new Date(Date.now() + days * 86_400_000));
}

/** A calendar day as the pages write it (they show it at noon, so no time zone moves it). */
function dayInWords(day: string): string {
  return formatDate('et', `${day}T12:00:00Z`);
}

function mailboxBadge(page: Page): Locator {
  return page.locator('header .mailbox-link .badge');
}

async function unreadCount(page: Page): Promise<number> {
  return Number((await mailboxBadge(page).innerText()).trim());
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

/** The table shown under a heading (the tables of an inquiry's page are named by the heading above them). */
function tableUnder(page: Page, heading: string): Locator {
  return page.getByRole('main').locator(`xpath=(.//h2[normalize-space(.)="${heading}"]/following-sibling::*[descendant-or-self::table][1]/descendant-or-self::table)[1]`);
}

/** The experts offered on the order form, by name. */
async function offeredExperts(page: Page): Promise<string[]> {
  const group = page.getByRole('main').getByRole('group', { name: et('inquiries.chooseExperts') });
  await group.waitFor();
  return (await group.locator('.expert-choice strong').allInnerTexts()).map((name) => name.trim());
}

function expertCheckbox(page: Page, name: string): Locator {
  return page.getByRole('main').getByRole('checkbox', { name: new RegExp(`^${escapeRegExp(name)}\\b`) });
}

/** Opens an inquiry from a table of inquiries (My menu, E-consultations, the triage queue) by its title. */
async function openFromList(page: Page, scope: Locator, title: string): Promise<number> {
  await scope.getByRole('link', { name: title, exact: true }).first().click();
  await page.waitForURL(/\/inquiries\/\d+$/);
  await expectHeading(page, title);
  return Number(/\/inquiries\/(\d+)$/.exec(new URL(page.url()).pathname)![1]);
}

/** An expert's page of an inquiry opened from their My menu (the inquiry listed as new). */
async function openAsExpertFromMyMenu(page: Page, title: string): Promise<void> {
  await page.goto('/my');
  const expertTools = page.getByRole('main').locator('section.card').filter({ has: page.getByRole('heading', { name: et('myMenu.expertTitle'), exact: true }) });
  await openFromList(page, expertTools, title);
}

/** Makes an offer on the expert's page of an inquiry with the real form. */
async function makeOffer(page: Page, offer: { price: string; deliveryDate: string; validUntil: string; note: string }): Promise<void> {
  const section = page.getByRole('region', { name: et('inquiries.yourOffer') });
  await section.getByLabel(et('inquiries.priceLabel'), { exact: true }).fill(offer.price);
  await section.getByLabel(et('inquiries.deliveryDate'), { exact: true }).fill(offer.deliveryDate);
  await section.getByLabel(et('inquiries.validUntil'), { exact: true }).fill(offer.validUntil);
  await labelled(section, et('inquiries.offerNote')).fill(offer.note);
  await section.getByRole('button', { name: et('inquiries.makeOffer'), exact: true }).click();
  await page.waitForURL(/\/inquiries\/\d+#offer$/);
  expect(await flashText(page)).toBe(et('inquiries.offerSent'));
}

/** What an expert's page shows of their own offer: price, delivery date, validity, note. */
async function ownOffer(page: Page): Promise<string[]> {
  return (await page.getByRole('region', { name: et('inquiries.yourOffer') }).locator('dl dd').allInnerTexts()).map(squash);
}

describe('a field inquiry', () => {
  it('goes from the customer to three chosen experts: one asks and is answered, two offer, one declines, and the customer compares the offers', async () => {
    const { customers, experts } = seeded;
    const customer = customers.field;
    const title = 'Tööandja jagas minu terviseandmeid';
    const description = 'Tööandja saatis minu haiguslehe andmed kogu meeskonnale.\nKas see on lubatud ja mida saan teha?';
    const question = 'Kas haiguslehe andmed saadeti e-kirjaga või mõnes sisekeskkonnas?';
    const answer = 'E-kirjaga, kogu meeskonna listi (umbes 40 inimest).';
    const deadline = dayFromToday(10);
    const wishedBy = dayFromToday(20);
    const pdf = samplePdf('Konsult: haigusleht');
    const offerA = { price: '150', deliveryDate: dayFromToday(14), validUntil: dayFromToday(8), note: 'Kirjalik hinnang ja kaebuse projekt Andmekaitse Inspektsioonile.' };
    const offerB = { price: '90,50', deliveryDate: dayFromToday(12), validUntil: dayFromToday(6), note: 'Üks 45-minutiline videokonsultatsioon.' };
    const declineNote = 'Olen järgmised kaks nädalat koolitusel.';

    await withBrowsers(async (open) => {
      const [page, pageA, pageB, pageC] = await Promise.all([open(), open(), open(), open()]);
      await Promise.all([signIn(page, customer), signIn(pageA, experts.a), signIn(pageB, experts.b), signIn(pageC, experts.c)]);

      // ---- the customer orders ----
      await page.getByRole('navigation', { name: et('nav.label') }).getByRole('link', { name: et('nav.orderConsultation'), exact: true }).click();
      await page.waitForURL('**/order/consultation');
      await expectHeading(page, et('info.consultationTitle'));
      await expectNoSeriousA11yViolations(page, 'field chooser (et)');
      await page.getByRole('main').getByRole('link', { name: consultationField.nameEt, exact: true }).click();
      await page.waitForURL(/\/inquiries\/new\?kind=consultation&field=\d+$/);
      await expectHeading(page, et('inquiries.consultationFormTitle', { field: consultationField.nameEt }));

      // The field's three available experts, and not the one on leave.
      expect((await offeredExperts(page)).sort()).toEqual([experts.a.name, experts.b.name, experts.c.name].sort());
      expect(await page.getByRole('main').innerText()).not.toContain(experts.onLeave.name);
      await expectNoSeriousA11yViolations(page, 'inquiry form (et)');

      const main = page.getByRole('main');
      for (const expert of [experts.a, experts.b, experts.c]) await expertCheckbox(page, expert.name).check();
      await main.getByLabel(et('inquiries.titleLabel'), { exact: true }).fill(title);
      await labelled(main, et('inquiries.description')).fill(description);
      await labelled(main, et('inquiries.files')).setInputFiles({ name: 'haigusleht.pdf', mimeType: 'application/pdf', buffer: pdf });
      await main.getByLabel(et('inquiries.deadline'), { exact: true }).fill(deadline);
      await labelled(main, et('inquiries.wishedBy')).fill(wishedBy);
      await main.getByLabel(et('inquiries.language'), { exact: true }).selectOption({ label: et('languages.en') });
      await main.getByRole('button', { name: et('inquiries.send'), exact: true }).click();
      await page.waitForURL(/\/inquiries\/\d+$/);
      await expectHeading(page, title);
      const inquiryPath = new URL(page.url()).pathname;

      // The inquiry as the customer sent it, waiting for three experts who have not opened it.
      const content = page.getByRole('region', { name: et('inquiries.contentTitle') });
      const contentText = await content.innerText();
      for (const text of [et('inquiries.status.inquiry_open'), consultationField.nameEt, et('languages.en'), dayInWords(wishedBy), et('inquiries.untilEndOfDay', { date: dayInWords(deadline) })]) {
        expect(contentText).toContain(text);
      }
      expect(await content.locator('.message-body').first().innerText()).toBe(description);
      expect(await content.getByRole('link', { name: 'haigusleht.pdf', exact: true }).count()).toBe(1);
      const invitedTable = tableUnder(page, et('inquiries.invitedTitle'));
      expect((await rowsOf(invitedTable)).map(([name, status]) => [name, status]).sort()).toEqual(
        [experts.a, experts.b, experts.c].map((e) => [e.name, et('inquiries.status.invitation_new')]).sort(),
      );
      expect(await page.getByRole('main').innerText()).toContain(et('inquiries.noOffersYet'));
      const unreadBeforeQuestion = await unreadCount(page);

      // ---- expert A: first on My menu as new, opens it, gets the file, asks ----
      await pageA.goto('/my');
      const expertTools = pageA.getByRole('main').locator('section.card').filter({ has: pageA.getByRole('heading', { name: et('myMenu.expertTitle'), exact: true }) });
      await expertTools.getByRole('heading', { name: et('myMenu.newInquiries', { count: 1 }), exact: true }).waitFor();
      const firstRow = expertTools.locator('table tbody tr').first();
      expect(await firstRow.getByRole('link').innerText()).toBe(title);
      expect(squash(await firstRow.locator('.status').innerText())).toBe(et('inquiries.status.invitation_new'));
      await expectNoSeriousA11yViolations(pageA, 'My menu of an expert with a new inquiry (et)');
      await openFromList(pageA, expertTools, title);
      const myStatus = pageA.getByRole('region', { name: et('inquiries.myInvitationTitle') });
      expect(squash(await myStatus.locator('.status').innerText())).toBe(et('inquiries.status.invitation_seen'));
      expect(await pageA.getByRole('main').innerText()).toContain(description.split('\n')[0]!);

      const fileLink = pageA.getByRole('main').getByRole('link', { name: 'haigusleht.pdf', exact: true });
      const [download] = await Promise.all([pageA.waitForEvent('download'), fileLink.click()]);
      expect(download.suggestedFilename()).toBe('haigusleht.pdf');
      expect((await readFile((await download.path())!)).equals(pdf)).toBe(true);

      const questions = pageA.getByRole('region', { name: et('inquiries.questionsWithCustomer') });
      await questions.getByLabel(et('inquiries.questionLabel'), { exact: true }).fill(question);
      await questions.getByRole('button', { name: et('inquiries.askQuestion'), exact: true }).click();
      await pageA.waitForURL(/\/inquiries\/\d+#questions$/);
      expect(await flashText(pageA)).toBe(et('inquiries.questionSent'));
      expect(await questions.locator('ol.messages').innerText()).toContain(question);

      // Opened, it is no longer new on My menu.
      await pageA.goto('/my');
      expect(await pageA.getByRole('main').innerText()).not.toContain(et('myMenu.newInquiries', { count: 1 }));

      // ---- the customer sees the question (and an unread message) and answers ----
      await page.goto(inquiryPath);
      expect(await unreadCount(page)).toBeGreaterThan(unreadBeforeQuestion);
      expect(await page.locator('header .mailbox-link').getAttribute('aria-label')).toBe(et('nav.mailboxUnread', { count: await unreadCount(page) }));
      const activity = Object.fromEntries((await rowsOf(invitedTable)).map(([name, , note]) => [name, note]));
      expect(activity[experts.a.name]).toBe(et('inquiries.questionWaiting'));
      const thread = page.locator('main .card').filter({ has: page.getByRole('heading', { name: et('inquiries.questionsFrom', { name: experts.a.name }), exact: true }) });
      const threadMessage = thread.locator('ol.messages li.message').filter({ hasText: question });
      expect(await threadMessage.locator('.message-meta strong').innerText()).toBe(experts.a.name);
      await thread.getByLabel(et('inquiries.answerLabel'), { exact: true }).fill(answer);
      await thread.getByRole('button', { name: et('inquiries.sendAnswer'), exact: true }).click();
      await page.waitForURL((url) => url.pathname === inquiryPath);
      expect(await flashText(page)).toBe(et('inquiries.answerSent'));
      expect(await thread.locator('ol.messages').innerText()).toContain(answer);

      // ---- expert A reads the answer (from "the customer", never by name) and offers 150 € ----
      await pageA.goto(inquiryPath);
      const answered = pageA.locator('main ol.messages li.message').filter({ hasText: answer });
      expect(await answered.locator('.message-meta strong').innerText()).toBe(et('inquiries.customerAlias'));
      await expectNoSeriousA11yViolations(pageA, 'expert’s inquiry page (et)');
      await makeOffer(pageA, offerA);
      expect(await ownOffer(pageA)).toEqual(['150,00 €', dayInWords(offerA.deliveryDate), dayInWords(offerA.validUntil), offerA.note]);
      expect(squash(await myStatus.locator('.status').innerText())).toBe(et('inquiries.status.invitation_offered'));

      // ---- expert B offers 90,50 €, seeing nothing of A's ----
      await openAsExpertFromMyMenu(pageB, title);
      await makeOffer(pageB, offerB);
      expect(await ownOffer(pageB)).toEqual(['90,50 €', dayInWords(offerB.deliveryDate), dayInWords(offerB.validUntil), offerB.note]);
      const seenByB = await pageB.locator('body').innerText();
      for (const hidden of [experts.a.name, question, answer, offerA.note, '150,00']) expect(seenByB, `B sees "${hidden}"`).not.toContain(hidden);

      // ---- expert C declines with a reason ----
      await openAsExpertFromMyMenu(pageC, title);
      const decline = pageC.getByRole('region', { name: et('inquiries.declineTitle') });
      await decline.getByRole('radio', { name: et('inquiries.declineReasons.other'), exact: true }).check();
      await labelled(decline, et('inquiries.declineNote')).fill(declineNote);
      await decline.getByRole('button', { name: et('inquiries.decline'), exact: true }).click();
      await pageC.waitForURL((url) => url.pathname === inquiryPath);
      expect(await flashText(pageC)).toBe(et('inquiries.declined'));
      expect(squash(await pageC.getByRole('region', { name: et('inquiries.myInvitationTitle') }).locator('.status').innerText())).toBe(et('inquiries.status.invitation_declined'));

      // No expert sees the customer's name or e-mail, on the inquiry or in the question thread.
      for (const [expertPage, who] of [
        [pageA, 'A'],
        [pageB, 'B'],
        [pageC, 'C'],
      ] as const) {
        await expertPage.goto(inquiryPath);
        const text = await expertPage.locator('body').innerText();
        expect(text, `expert ${who}`).not.toContain(customer.name);
        expect(text, `expert ${who}`).not.toContain(customer.email);
      }
      await pageA.goto('/mailbox');
      const conversation = pageA.locator('.mailbox-list li').filter({ hasText: et('mailbox.kindConversation') }).filter({ hasText: title });
      await conversation.getByRole('link').click();
      await pageA.waitForURL('**/mailbox/conversations/*');
      await expectHeading(pageA, title);
      const threadText = await pageA.locator('body').innerText();
      expect(threadText).toContain(et('inquiries.customerAlias'));
      expect(threadText).not.toContain(customer.name);
      expect(threadText).not.toContain(customer.email);

      // ---- the customer compares: both offers side by side, cheaper first, and C's reason ----
      await page.goto(inquiryPath);
      const offersTable = tableUnder(page, et('inquiries.offersTitle'));
      const noRatings = et('experts.noRatings');
      expect(await rowsOf(offersTable)).toEqual([
        [`${experts.b.name} ${noRatings}`, '90,50 €', dayInWords(offerB.deliveryDate), dayInWords(offerB.validUntil), offerB.note, et('orders.orderAndPay')],
        [`${experts.a.name} ${noRatings}`, '150,00 €', dayInWords(offerA.deliveryDate), dayInWords(offerA.validUntil), offerA.note, et('orders.orderAndPay')],
      ]);
      for (const expert of [experts.a, experts.b]) {
        expect(await offersTable.getByRole('link', { name: expert.name, exact: true }).getAttribute('href')).toBe(`/experts/${expert.id}`);
      }
      const invited = Object.fromEntries((await rowsOf(invitedTable)).map(([name, status, note]) => [name, [status, note]]));
      expect(invited[experts.a.name]![0]).toBe(et('inquiries.status.invitation_offered'));
      expect(invited[experts.b.name]![0]).toBe(et('inquiries.status.invitation_offered'));
      expect(invited[experts.c.name]).toEqual([et('inquiries.status.invitation_declined'), `${et('inquiries.declineReasons.other')}: ${declineNote}`]);
      await expectNoSeriousA11yViolations(page, 'customer’s inquiry page with offers (et)');
    });
  }, 180_000);

  it('confirms the sending on the inquiry’s page when a file was attached', async () => {
    // The upload script posts the form itself and then loads the page it was sent to: the
    // confirmation must survive that second load.
    const { customers, experts } = seeded;
    await withBrowsers(async (open) => {
      const page = await open();
      await signIn(page, customers.refused);
      await page.goto(`/inquiries/new?kind=consultation&field=${seeded.consultationFieldId}`);
      const main = page.getByRole('main');
      await expertCheckbox(page, experts.b.name).check();
      await main.getByLabel(et('inquiries.titleLabel'), { exact: true }).fill('Naabri turvakaamera filmib minu aeda');
      await labelled(main, et('inquiries.files')).setInputFiles({ name: 'foto-kirjeldus.txt', mimeType: 'text/plain', buffer: Buffer.from('Kaamera on suunatud otse minu aeda.\n', 'utf8') });
      await main.getByRole('button', { name: et('inquiries.send'), exact: true }).click();
      await page.waitForURL(/\/inquiries\/\d+$/);
      await expectHeading(page, 'Naabri turvakaamera filmib minu aeda');
      expect(await page.getByRole('main').getByRole('link', { name: 'foto-kirjeldus.txt', exact: true }).count()).toBe(1);
      expect(await flashText(page)).toBe(et('inquiries.sent'));
    });
  });
});

describe('a general inquiry', () => {
  it('goes through the moderator’s triage to three experts of the field’s four, picked at random', async () => {
    const { customers, triageExperts } = seeded;
    const customer = customers.general;
    const title = 'Maksuamet nõuab tagasi tulumaksu';
    const description = 'Sain maksuametilt kirja, et pean tagasi maksma 2024. aasta tulumaksu tagastuse.\nMa ei saa aru, miks.';

    await withBrowsers(async (open) => {
      const [page, moderatorPage] = await Promise.all([open(), open()]);
      await Promise.all([signIn(page, customer), signIn(moderatorPage, moderator)]);

      // ---- the customer does not know the field ----
      await page.getByRole('navigation', { name: et('nav.label') }).getByRole('link', { name: et('nav.orderConsultation'), exact: true }).click();
      await page.waitForURL('**/order/consultation');
      const unknown = page.getByRole('main').locator('section.card').filter({ has: page.getByRole('heading', { name: et('inquiries.unknownFieldTitle'), exact: true }) });
      await unknown.getByRole('link', { name: et('inquiries.sendGeneral'), exact: true }).click();
      await page.waitForURL(/\/inquiries\/new\?kind=consultation$/);
      await expectHeading(page, et('inquiries.generalTitle'));
      expect(await page.getByRole('main').getByRole('group', { name: et('inquiries.chooseExperts') }).count()).toBe(0);
      const main = page.getByRole('main');
      await main.getByLabel(et('inquiries.titleLabel'), { exact: true }).fill(title);
      await labelled(main, et('inquiries.description')).fill(description);
      await main.getByRole('button', { name: et('inquiries.sendGeneralButton'), exact: true }).click();
      await page.waitForURL(/\/inquiries\/\d+$/);
      await expectHeading(page, title);
      const inquiryPath = new URL(page.url()).pathname;
      expect(await flashText(page)).toBe(et('inquiries.sentGeneral'));
      expect(await page.getByRole('main').innerText()).toContain(et('inquiries.waitingForModerator'));
      expect(squash(await page.getByRole('region', { name: et('inquiries.contentTitle') }).locator('.status').innerText())).toBe(et('inquiries.status.inquiry_triage'));

      // ---- the moderator: My menu → General inquiries → the inquiry → a field ----
      await moderatorPage.goto('/my');
      await moderatorPage.getByRole('main').getByRole('link', { name: et('triage.title'), exact: true }).click();
      await moderatorPage.waitForURL('**/admin/triage');
      await expectHeading(moderatorPage, et('triage.title'));
      await expectNoSeriousA11yViolations(moderatorPage, 'triage queue (et)');
      await openFromList(moderatorPage, moderatorPage.getByRole('main').getByRole('table'), title);
      const fieldChoice = moderatorPage.getByRole('main').getByRole('group', { name: et('inquiries.field') });
      await fieldChoice.getByRole('radio', { name: triageField.nameEt, exact: true }).check();
      await moderatorPage.getByRole('main').getByRole('button', { name: et('triage.assign'), exact: true }).click();
      await moderatorPage.waitForURL((url) => url.pathname === inquiryPath);
      expect(await flashText(moderatorPage)).toBe(et('triage.assigned'));

      // The record: who, when, and from how many.
      const record = moderatorPage.getByRole('region', { name: et('triage.recordTitle') });
      const terms = (await record.locator('dt').allInnerTexts()).map(squash);
      const values = (await record.locator('dd').allInnerTexts()).map(squash);
      expect(terms).toEqual([et('triage.by'), et('triage.at'), et('triage.pool')]);
      expect(values[0]).toBe(moderator.name);
      expect(values[1]).toMatch(/\d/);
      expect(values[2]).toBe(et('triage.poolValue', { picked: 3, pool: 4 }));
      const invitedRows = await rowsOf(tableUnder(moderatorPage, et('inquiries.invitedTitle')));
      expect(invitedRows).toHaveLength(3);
      const invitedNames = invitedRows.map(([name]) => name!.replace(` · ${et('inquiries.pickedAtRandom')}`, ''));
      for (const [name] of invitedRows) expect(name).toContain(et('inquiries.pickedAtRandom'));
      const fieldExperts = triageExperts.map((e) => e.name);
      expect(new Set(invitedNames).size).toBe(3);
      for (const name of invitedNames) expect(fieldExperts).toContain(name);

      // ---- each invited expert finds it in E-consultations; the fourth does not ----
      let checkedAxe = false;
      for (const expert of triageExperts) {
        const expertPage = await open();
        await signIn(expertPage, expert);
        await expertPage.goto('/e-consultations');
        await expectHeading(expertPage, et('consultations.title'));
        const isInvited = invitedNames.includes(expert.name);
        const listed = expertPage.getByRole('main').getByRole('link', { name: title, exact: true });
        expect(await listed.count(), expert.name).toBe(isInvited ? 1 : 0);
        if (!isInvited) {
          expect(await expertPage.getByRole('main').innerText()).toContain(et('consultations.empty'));
          continue;
        }
        if (!checkedAxe) {
          await expectNoSeriousA11yViolations(expertPage, 'E-consultations (et)');
          await listed.click();
          await expertPage.waitForURL((url) => url.pathname === inquiryPath);
          expect(await expertPage.getByRole('region', { name: et('inquiries.myInvitationTitle') }).innerText()).toContain(et('inquiries.pickedAtRandomForYou'));
          expect(await expertPage.locator('body').innerText()).not.toContain(customer.name);
          checkedAxe = true;
        }
      }

      // ---- the customer sees that it went to the experts ----
      await page.goto(inquiryPath);
      expect(await page.getByRole('main').innerText()).not.toContain(et('inquiries.waitingForModerator'));
      expect(squash(await page.getByRole('region', { name: et('inquiries.contentTitle') }).locator('.status').innerText())).toBe(et('inquiries.status.inquiry_open'));
      expect((await page.getByRole('region', { name: et('inquiries.contentTitle') }).innerText())).toContain(triageField.nameEt);
      const customerRows = await rowsOf(tableUnder(page, et('inquiries.invitedTitle')));
      expect(customerRows.map(([name]) => name!.replace(` · ${et('inquiries.pickedAtRandom')}`, '')).sort()).toEqual([...invitedNames].sort());
      await page.locator('header .mailbox-link').click();
      await page.waitForURL('**/mailbox');
      const notice = et('notices.inquiryTriaged.title', { title });
      expect(await page.locator('.mailbox-list li.unread').filter({ hasText: notice }).count()).toBe(1);
    });
  }, 180_000);
});

describe('the inquiry form', () => {
  it('keeps what was typed when the deadline is in the past, and names the error in the summary', async () => {
    const { customers, experts } = seeded;
    const title = 'Pood ei kustuta minu andmeid';
    const description = 'Palusin e-poel oma konto ja andmed kustutada.\n\nKuu aega hiljem saadavad nad ikka reklaami.';
    const yesterday = dayFromToday(-1);
    await withBrowsers(async (open) => {
      const page = await open();
      await signIn(page, customers.refused);
      await page.goto('/order/consultation');
      await page.getByRole('main').getByRole('link', { name: consultationField.nameEt, exact: true }).click();
      await page.waitForURL(/\/inquiries\/new\?/);
      const main = page.getByRole('main');
      await expertCheckbox(page, experts.a.name).check();
      await expertCheckbox(page, experts.c.name).check();
      await main.getByLabel(et('inquiries.titleLabel'), { exact: true }).fill(title);
      await labelled(main, et('inquiries.description')).fill(description);
      await main.getByLabel(et('inquiries.deadline'), { exact: true }).fill(yesterday);
      await main.getByLabel(et('inquiries.language'), { exact: true }).selectOption({ label: et('languages.ru') });
      await main.getByRole('button', { name: et('inquiries.send'), exact: true }).click();

      const summary = page.getByRole('alert');
      await summary.waitFor();
      expect(await summary.getByRole('link').allInnerTexts()).toEqual([et('errors.field.dateInPast')]);
      expect(await summary.getByRole('link').getAttribute('href')).toBe('#deadline');
      const deadlineInput = main.getByLabel(et('inquiries.deadline'), { exact: true });
      expect(await deadlineInput.getAttribute('aria-invalid')).toBe('true');
      expect(await deadlineInput.getAttribute('aria-describedby')).toContain('deadline-error');
      expect((await main.locator('#deadline-error').innerText()).trim()).toBe(et('errors.field.dateInPast'));
      await summary.getByRole('link').click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('deadline');
      await expectNoSeriousA11yViolations(page, 'inquiry form with an error (et)');

      // Everything typed and chosen is still there.
      expect(await main.getByLabel(et('inquiries.titleLabel'), { exact: true }).inputValue()).toBe(title);
      expect(await labelled(main, et('inquiries.description')).inputValue()).toBe(description);
      expect(await deadlineInput.inputValue()).toBe(yesterday);
      expect(await expertCheckbox(page, experts.a.name).isChecked()).toBe(true);
      expect(await expertCheckbox(page, experts.c.name).isChecked()).toBe(true);
      expect(await expertCheckbox(page, experts.b.name).isChecked()).toBe(false);
      expect(await main.getByLabel(et('inquiries.language'), { exact: true }).inputValue()).toBe('ru');

      // Fixed, it goes.
      await deadlineInput.fill(dayFromToday(5));
      await main.getByRole('button', { name: et('inquiries.send'), exact: true }).click();
      await page.waitForURL(/\/inquiries\/\d+$/);
      await expectHeading(page, title);
      expect(await flashText(page)).toBe(et('inquiries.sent'));
    });
  }, 90_000);

  it('has no serious or critical axe violations in English', async () => {
    const en = translator('en');
    await withBrowsers(async (open) => {
      const page = await open();
      await signIn(page, seeded.customers.general);
      await page.goto('/order/consultation');
      await switchLanguageTo(page, 'en');
      await expectHeading(page, en('info.consultationTitle'));
      await expectNoSeriousA11yViolations(page, 'field chooser (en)');
      await page.getByRole('main').getByRole('link', { name: consultationField.nameEn, exact: true }).click();
      await page.waitForURL(/\/inquiries\/new\?/);
      await expectHeading(page, en('inquiries.consultationFormTitle', { field: consultationField.nameEn }));
      expect(await page.getByRole('main').getByRole('group', { name: en('inquiries.chooseExperts') }).count()).toBe(1);
      await expectNoSeriousA11yViolations(page, 'inquiry form (en)');
      await page.goto('/inquiries/new?kind=consultation');
      await expectHeading(page, en('inquiries.generalTitle'));
      await expectNoSeriousA11yViolations(page, 'general inquiry form (en)');
    });
  });
});
