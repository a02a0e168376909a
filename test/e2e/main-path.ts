import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { tallinnDayOf } from '../../src/domain/calendar.js';
import type { Locale } from '../../src/domain/roles.js';
import { formatMoney } from '../../src/i18n/format.js';
import { translator, type Translate } from '../../src/i18n/index.js';

/**
 * The main path's steps as a person takes them in the browser, by the labels and names they see:
 * signing in, an expert's offer, ordering and paying in the sandbox, delivering, accepting and
 * rating. Shared by the mission (test/e2e/mission.test.ts) and the scaled-out deployment's test
 * (test/cluster/).
 */

const et = translator('et');

export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Text as a reader sees it: any run of spaces (the no-break space of "150,00 €" too) as one. */
export const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/** A control whose label starts with `text` (optional fields append "(valikuline)" to theirs). */
export function labelled(scope: Page | Locator, text: string): Locator {
  return scope.getByLabel(new RegExp(`^${escapeRegExp(text)}`));
}

export async function headingText(page: Page): Promise<string> {
  const h1 = page.locator('main h1');
  await h1.waitFor();
  return (await h1.innerText()).trim();
}

export async function expectHeading(page: Page, text: string): Promise<void> {
  expect(await headingText(page)).toBe(text);
}

export async function flashText(page: Page): Promise<string> {
  const flash = page.locator('main .flash');
  return (await flash.count()) > 0 ? (await flash.innerText()).trim() : '';
}

/**
 * Waits for the page that confirms a step (its one-time message). The upload script replaces the
 * page in place rather than navigating, so the confirmation is what says the answer has arrived.
 */
export async function expectConfirmation(page: Page, text: string): Promise<void> {
  try {
    await page.locator('main .flash').filter({ hasText: text }).waitFor();
  } catch {
    const shown = squash(await page.getByRole('main').innerText()).slice(0, 1500);
    throw new Error(`expected the confirmation "${text}" on ${page.url()}; the page says: ${shown}`);
  }
}

export async function expectLang(page: Page, locale: Locale): Promise<void> {
  expect(await page.locator('html').getAttribute('lang')).toBe(locale);
}

/** Switches the language with the header's button, the way a visitor would. */
export async function switchLanguageTo(page: Page, locale: Locale): Promise<void> {
  const current = (await page.locator('html').getAttribute('lang')) as Locale;
  if (current === locale) return;
  await page.locator('header').getByRole('button', { name: translator(current)('nav.switchTo'), exact: true }).click();
  await page.waitForLoadState();
  await expectLang(page, locale);
}

/** Signs in with the login form (anonymous pages are in Estonian until the language is switched). */
export async function signIn(page: Page, person: { email: string; password: string }, t: Translate = et): Promise<void> {
  await page.goto('/login');
  const main = page.getByRole('main');
  await main.getByLabel(t('auth.email'), { exact: true }).fill(person.email);
  await main.getByLabel(t('auth.password'), { exact: true }).fill(person.password);
  await main.getByRole('button', { name: t('auth.loginButton'), exact: true }).click();
  await page.waitForURL('**/my');
}


/** A Tallinn calendar day `days` from today, as a date input takes it. */
export function dayFromToday(days: number): string {
  return tallinnDayOf(new Date(Date.now() + days * 86_400_000));
}

/** The cells of each body row of a table, as squashed text (the row header first). */
export async function rowsOf(table: Locator): Promise<string[][]> {
  await table.waitFor();
  const rows = table.locator('tbody tr');
  const result: string[][] = [];
  for (let index = 0; index < (await rows.count()); index += 1) {
    result.push((await rows.nth(index).locator('th, td').allInnerTexts()).map(squash));
  }
  return result;
}

/** The first table after a heading (a hint may come between). */
export function tableUnder(page: Page, heading: string): Locator {
  return page.getByRole('main').locator(`xpath=(.//h2[normalize-space(.)="${heading}"]/following-sibling::*[descendant-or-self::table][1]/descendant-or-self::table)[1]`);
}

export function expertCheckbox(page: Page, name: string): Locator {
  return page.getByRole('main').getByRole('checkbox', { name: new RegExp(`^${escapeRegExp(name)}\\b`) });
}

/** A description list (`dt` → `dd`) as squashed text. */
export async function definitionsOf(scope: Locator): Promise<Record<string, string>> {
  const terms = (await scope.locator('dl dt').allInnerTexts()).map(squash);
  const values = (await scope.locator('dl dd').allInnerTexts()).map(squash);
  return Object.fromEntries(terms.map((term, index) => [term, values[index] ?? '']));
}

export type Offer = { price: string; cents: number; deliveryDate: string; validUntil: string; note: string };

/** An expert opens the inquiry from their My menu. */
export async function openAsExpertFromMyMenu(page: Page, t: Translate, title: string): Promise<void> {
  await page.goto('/my');
  const expertTools = page.getByRole('main').locator('section.card').filter({ has: page.getByRole('heading', { name: t('myMenu.expertTitle'), exact: true }) });
  await expertTools.getByRole('link', { name: title, exact: true }).first().click();
  await page.waitForURL(/\/inquiries\/\d+$/);
  await expectHeading(page, title);
}

/** Makes an offer on the expert's page of an inquiry with the real form. */
export async function makeOffer(page: Page, t: Translate, offer: Offer): Promise<void> {
  const section = page.getByRole('region', { name: t('inquiries.yourOffer') });
  await section.getByLabel(t('inquiries.priceLabel'), { exact: true }).fill(offer.price);
  await section.getByLabel(t('inquiries.deliveryDate'), { exact: true }).fill(offer.deliveryDate);
  await section.getByLabel(t('inquiries.validUntil'), { exact: true }).fill(offer.validUntil);
  await labelled(section, t('inquiries.offerNote')).fill(offer.note);
  await section.getByRole('button', { name: t('inquiries.makeOffer'), exact: true }).click();
  await page.waitForURL(/\/inquiries\/\d+#offer$/);
  expect(await flashText(page)).toBe(t('inquiries.offerSent'));
}

/** The customer opens the inquiry from the list on their My menu. */
export async function openFromCustomerMenu(page: Page, t: Translate, title: string): Promise<void> {
  await page.goto('/my');
  const customerCard = page.getByRole('main').locator('section.card').filter({ has: page.getByRole('heading', { name: t('myMenu.customerTitle'), exact: true }) });
  await customerCard.getByRole('link', { name: title, exact: true }).click();
  await page.waitForURL(/\/inquiries\/\d+$/);
  await expectHeading(page, title);
}

/**
 * "Telli ja maksa" on one expert's offer, then the given button on the sandbox's test payment
 * page; returns the order's id once the provider's return has led back to the order page.
 */
export async function orderAndPay(page: Page, t: Translate, locale: Locale, expert: { name: string }, cents: number): Promise<number> {
  await page.getByRole('main').getByRole('button', { name: t('orders.orderFrom', { name: expert.name, amount: formatMoney(locale, cents) }), exact: true }).click();
  await page.waitForURL(/\/sandbox\/pay\/[0-9a-f-]{36}$/);
  await expectHeading(page, t('sandbox.title'));
  await page.getByRole('main').getByRole('button', { name: t('sandbox.pay'), exact: true }).click();
  await page.waitForURL(/\/orders\/\d+$/);
  return Number(/\/orders\/(\d+)$/.exec(new URL(page.url()).pathname)![1]);
}

export function orderSummary(page: Page, t: Translate): Locator {
  return page.getByRole('region', { name: t('orders.summaryTitle'), exact: true });
}

export async function orderStatus(page: Page, t: Translate): Promise<string> {
  return squash(await orderSummary(page, t).locator('.status').innerText());
}

/** A contact card on the order page: name, e-mail, phone. */
export async function contactCard(page: Page, title: string): Promise<Record<string, string>> {
  const card = page.getByRole('region', { name: title, exact: true });
  await card.waitFor();
  return definitionsOf(card);
}

export const cardOf = (t: Translate, person: { name: string; email: string; phone: string }) => ({
  [t('orders.contactName')]: person.name,
  [t('orders.contactEmail')]: person.email,
  [t('orders.contactPhone')]: person.phone,
});

/** Opens the newest unread notice with this title from the mailbox, then its link to the page it is about (an order's, unless told). */
export async function followNotice(page: Page, t: Translate, title: string, leadsTo: RegExp = /\/orders\/\d+$/): Promise<void> {
  await page.locator('header .mailbox-link').click();
  await page.waitForURL('**/mailbox');
  await page.locator('.mailbox-list li.unread').filter({ hasText: title }).first().getByRole('link').click();
  await page.waitForURL('**/mailbox/notices/*');
  await expectHeading(page, title);
  await page.getByRole('main').getByRole('link', { name: t('mailbox.openItem'), exact: true }).click();
  await page.waitForURL(leadsTo);
}

export function deliveriesSection(page: Page, t: Translate): Locator {
  return page.getByRole('region', { name: t('orders.deliveriesTitle'), exact: true });
}

/** The deliveries as the order page lists them: each one's text and its files' names. */
export async function deliveriesOf(page: Page, t: Translate): Promise<{ body: string; files: string[] }[]> {
  const items = deliveriesSection(page, t).locator('ol.messages > li.message');
  const result: { body: string; files: string[] }[] = [];
  for (let index = 0; index < (await items.count()); index += 1) {
    const item = items.nth(index);
    const body = (await item.locator('.message-body').count()) > 0 ? await item.locator('.message-body').innerText() : '';
    result.push({ body, files: (await item.locator('.attachments a').allInnerTexts()).map((name) => name.trim()) });
  }
  return result;
}

/** The expert adds a delivery with the real form (the upload script sends it when there is a file). */
export async function addDelivery(page: Page, t: Translate, delivery: { body: string; file?: { name: string; mimeType: string; buffer: Buffer } }): Promise<void> {
  const section = deliveriesSection(page, t);
  await section.getByLabel(t('orders.deliveryLabel'), { exact: true }).fill(delivery.body);
  if (delivery.file) await section.getByLabel(t('mailbox.filesLabel'), { exact: true }).setInputFiles(delivery.file);
  await section.getByRole('button', { name: t('orders.addDelivery'), exact: true }).click();
  await expectConfirmation(page, t('orders.deliverySaved'));
}

export async function markDone(page: Page, t: Translate): Promise<void> {
  await deliveriesSection(page, t).getByRole('button', { name: t('orders.markDone'), exact: true }).click();
  await expectConfirmation(page, t('orders.markedDone'));
  expect(await orderStatus(page, t)).toBe(t('orders.status_delivered'));
  expect(await deliveriesSection(page, t).innerText()).toContain(t('orders.waitingForAcceptance'));
}

/** Downloads a delivered file from the order page and returns its bytes. */
export async function download(page: Page, t: Translate, name: string): Promise<Buffer> {
  const link = deliveriesSection(page, t).getByRole('link', { name, exact: true }).first();
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(file.suggestedFilename()).toBe(name);
  return readFile((await file.path())!);
}

export function reviewSection(page: Page, t: Translate): Locator {
  return page.getByRole('region', { name: t('orders.reviewWorkTitle'), exact: true });
}

export function ratingSection(page: Page, t: Translate): Locator {
  return page.getByRole('region', { name: t('orders.ratingTitle'), exact: true });
}

/** The customer rates accepted work with the real form. */
export async function rate(page: Page, t: Translate, stars: number, comment: string): Promise<void> {
  const section = ratingSection(page, t);
  await section.getByRole('group', { name: t('orders.starsLegend') }).getByRole('radio', { name: t('experts.starsLabel', { count: stars }), exact: true }).check();
  await labelled(section, t('orders.commentLabel')).fill(comment);
  await section.getByRole('button', { name: t('orders.rate'), exact: true }).click();
  await expectConfirmation(page, t('orders.ratingSaved'));
}

/** The ratings section of a public profile: the average line and each review (stars and date, comment, reply). */
export async function profileRatings(page: Page, t: Translate): Promise<{ average: string; reviews: string[][] }> {
  const section = page.getByRole('region', { name: t('experts.ratingsTitle'), exact: true });
  await section.waitFor();
  const average = squash(await section.locator('.rating-average').innerText());
  const items = section.locator('ol.reviews > li');
  const reviews: string[][] = [];
  for (let index = 0; index < (await items.count()); index += 1) reviews.push((await items.nth(index).locator('p').allInnerTexts()).map(squash));
  return { average, reviews };
}
