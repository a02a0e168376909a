import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { iso } from '../../src/adapters/clock.js';
import { findPaymentOfOrder } from '../../src/db/repositories/order-repository.js';
import { insertOutboxEmails } from '../../src/db/repositories/outbox-repository.js';
import type { UserRow } from '../../src/db/schema.js';
import { cancelInquiry } from '../../src/use-cases/inquiries.js';
import { sweepInquiryDeadlines } from '../../src/use-cases/inquiry-deadlines.js';
import { declineInvitation } from '../../src/use-cases/invitations.js';
import { orderOffer } from '../../src/use-cases/orders.js';
import { applyPaymentOutcome } from '../../src/use-cases/payments.js';
import { acceptWork, addDelivery, markDone, openDispute } from '../../src/use-cases/fulfilment.js';
import { type Browser, mainText } from '../support/browser.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, loginAs } from '../support/factories.js';
import { actorOf, createInquiryAs, makeOfferAs } from '../support/inquiries.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The back office's dashboard (issue 8): who may open it, and that the numbers it shows are the
 * ones the portal's inquiries, offers, orders, invitations and e-mails add up to, per Tallinn week.
 * The test clock starts on Wednesday 25 November 2026, 12:00 in Tallinn; its week began on
 * Monday 23 November at 00:00 Tallinn time (22:00 UTC on Sunday).
 */

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

const hour = 3_600_000;
const startOfTest = '2026-11-25T10:00:00.000Z';

// ---- reading the page ----

/** Text as a person reads it: tags gone, entities decoded, Intl's no-break spaces plain. */
function textOf(html: string): string {
  return mainText(`<main>${html}</main>`).replace(/[\u00a0\u202f]/g, ' ');
}

/** The body rows of a chart's table (week, then its figures), each as the text of its cells. */
function chartRows(html: string, chartId: string): string[][] {
  const figure = new RegExp(`<figure class="chart" id="${chartId}">([\\s\\S]*?)</figure>`).exec(html)?.[1];
  if (figure === undefined) throw new Error(`no chart ${chartId}`);
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(figure)?.[1] ?? '';
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => textOf(cell[1]!)));
}

/** The table row of one week (by its Monday as the page writes it). */
function weekRow(html: string, chartId: string, week: string): string[] {
  const row = chartRows(html, chartId).find((cells) => cells[0] === week);
  if (!row) throw new Error(`no row for ${week} in ${chartId}`);
  return row;
}

/** The headline figures: label → value. */
function stats(html: string): Record<string, string> {
  return Object.fromEntries([...html.matchAll(/<div class="stat"><dt>([\s\S]*?)<\/dt><dd class="stat-value">([\s\S]*?)<\/dd>/g)].map((m) => [textOf(m[1]!), textOf(m[2]!)]));
}

/** The rows of the "least often" table: expert, invitations, answered, rate; and where the name links. */
function lowestRows(html: string): { cells: string[]; href: string | undefined }[] {
  const table = /<table aria-labelledby="dash-lowest-title">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) => ({
    cells: [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => textOf(cell[1]!)),
    href: /href="([^"]+)"/.exec(row[1]!)?.[1],
  }));
}

async function signedIn(user: { email: string; password: string }): Promise<Browser> {
  const browser = t.browser();
  await loginAs(browser, user);
  return browser;
}

async function dashboardOf(user: { email: string; password: string }, query = ''): Promise<string> {
  const page = await (await signedIn(user)).get(`/admin${query}`);
  expect(page.status).toBe(200);
  return page.body;
}

async function offerIdOf(inquiryId: number, expertId: number): Promise<number> {
  return (await t.deps.db.selectFrom('offers').select('id').where('inquiry_id', '=', inquiryId).where('expert_id', '=', expertId).executeTakeFirstOrThrow()).id;
}

/** The customer orders an offer and the payment succeeds (as the provider's notification would report it). */
async function orderAndPay(customer: UserRow, inquiryId: number, offerId: number): Promise<number> {
  const { orderId } = await orderOffer(t.deps, await actorOf(t, customer), inquiryId, offerId);
  const payment = (await findPaymentOfOrder(t.deps.db, orderId))!;
  await applyPaymentOutcome(t.deps, payment.id, { outcome: 'succeeded', providerStatus: 'PAID', amountCents: payment.amount_cents, source: 'notification' });
  return orderId;
}

// ---- who may open it ----

describe('who may open the dashboard', () => {
  it('sends anonymous visitors to sign in and refuses customers and experts', async () => {
    const anonymous = await t.browser().get('/admin');
    expect(anonymous.status).toBe(303);
    expect(anonymous.location).toBe('/login?next=%2Fadmin');

    const field = await createField(t);
    const customer = await createUser(t);
    const expert = await createExpert(t, { fieldIds: [field.id] });
    for (const person of [customer, expert]) {
      const page = await (await signedIn(person)).get('/admin');
      expect(page.status).toBe(403);
      expect(page.body).not.toContain('chart-inquiries');
    }
  });

  it('opens for moderators and admins', async () => {
    for (const role of ['moderator', 'admin'] as const) {
      const staff = await createUser(t, { roles: [role] });
      const html = await dashboardOf(staff);
      expect(textOf(/<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)![1]!)).toBe('Ülevaade');
    }
  });
});

// ---- an empty portal ----

describe('an empty portal', () => {
  it('shows zero bars, calm "no data yet" notes and every number in a table, never NaN', async () => {
    const admin = await createUser(t, { roles: ['admin'] });
    const html = await dashboardOf(admin);

    expect(html).not.toMatch(/NaN|undefined|Infinity/);
    expect(html).not.toContain('<rect class="chart-bar');
    expect(html.match(/<text class="chart-empty"/g)).toHaveLength(6);
    expect(textOf(html)).toContain('Andmeid veel pole');
    // Six charts, each an image with a title and a description, and its numbers in a table.
    expect(html.match(/<figure class="chart"/g)).toHaveLength(6);
    expect(html.match(/<svg class="chart-svg"[^>]*role="img"/g)).toHaveLength(6);
    expect(html.match(/<details class="chart-data"><summary>Näita arve tabelina<\/summary>/g)).toHaveLength(6);

    const inquiries = chartRows(html, 'chart-inquiries');
    expect(inquiries).toHaveLength(12);
    expect(inquiries.at(-1)).toEqual(['23. november 2026', '0', '0', '0']);
    expect(inquiries[0]).toEqual(['7. september 2026', '0', '0', '0']);
    expect(weekRow(html, 'chart-general-share', '23. november 2026')).toEqual(['23. november 2026', '–']);
    expect(weekRow(html, 'chart-first-offer', '23. november 2026')).toEqual(['23. november 2026', '–', '0']);
    expect(weekRow(html, 'chart-money', '23. november 2026')).toEqual(['23. november 2026', '0,00 €', '0,00 €']);
    expect(chartRows(html, 'chart-response-rates')).toEqual([
      ['0–20%', '0'],
      ['20–40%', '0'],
      ['40–60%', '0'],
      ['60–80%', '0'],
      ['80–100%', '0'],
    ]);

    expect(stats(html)).toMatchObject({
      'Pakkumisi ootavad päringud': '0',
      'Üldised päringud ootavad valdkonda': '0',
      'Eksperditaotlused ootavad otsust': '0',
      'Lahendamata vaidlused': '0',
      'Raha hoiul': '0,00 €',
      'Üldiste päringute osakaal perioodil': 'pole',
      'Mediaan kogu perioodil': 'pole',
      'Perioodi päringud, millele pole veel pakkumist': 'pole',
      'Vastamise määr': 'pole',
      'Saatmist ootavad kirjad': '0',
      'Ebaõnnestunud kirjad': '0',
      'Vanima ootel kirja vanus': 'pole',
      'Saadetud viimase 24 tunni jooksul': '0',
    });
    expect(textOf(html)).toContain('Kellelgi pole veel piisavalt kutseid, et vastamist hinnata.');
    expect(textOf(html)).toContain('Kõik korras: ükski kiri ei oota kaua ega ole ebaõnnestunud.');
  });

  it('speaks English to an English-speaking admin', async () => {
    const admin = await createUser(t, { roles: ['admin'], locale: 'en' });
    const html = await dashboardOf(admin);
    expect(html).toContain('<html lang="en">');
    expect(textOf(/<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)![1]!)).toBe('Dashboard');
    expect(html).toContain('<figcaption class="chart-title">Inquiries per week</figcaption>');
    expect(html).toContain('<summary>Show the numbers as a table</summary>');
    expect(textOf(html)).toContain('No data yet');
    expect(chartRows(html, 'chart-inquiries').at(-1)).toEqual(['23 November 2026', '0', '0', '0']);
    expect(stats(html)).toMatchObject({ 'Money held': '€0.00', 'Age of the oldest waiting e-mail': 'none' });
  });
});

// ---- the period ----

describe('the period', () => {
  it('shows 12 weeks by default and 4 to 26 when asked; anything else is the default', async () => {
    const admin = await createUser(t, { roles: ['admin'] });
    const browser = await signedIn(admin);
    const weeksShown = async (query: string) => chartRows((await browser.get(`/admin${query}`)).body, 'chart-inquiries').length;
    expect(await weeksShown('')).toBe(12);
    expect(await weeksShown('?weeks=4')).toBe(4);
    expect(await weeksShown('?weeks=26')).toBe(26);
    expect(await weeksShown('?weeks=3')).toBe(12);
    expect(await weeksShown('?weeks=27')).toBe(12);
    expect(await weeksShown('?weeks=abc')).toBe(12);
    expect(await weeksShown('?weeks=4&weeks=8')).toBe(12);
    const page = await browser.get('/admin?weeks=8');
    expect(page.body).toContain('<option value="8" selected>8 nädalat</option>');
    expect(textOf(page.body)).toContain('Portaali elumärgid viimase 8 nädala kohta');
  });
});

// ---- the numbers ----

describe('inquiries', () => {
  it('counts addressed and general inquiries per Tallinn week, and the share of general ones', async () => {
    const field = await createField(t);
    const expert = await createExpert(t, { fieldIds: [field.id] });
    const customer = await createUser(t);
    const addressed = () => createInquiryAs(t, customer, { fieldId: field.id, expertIds: [expert.id] });

    // Long before the period: not shown.
    t.clock.set('2026-08-03T10:00:00.000Z');
    await addressed();
    // Sunday 22 November, 23:30 in Tallinn: the week before.
    t.clock.set('2026-11-22T21:30:00.000Z');
    await addressed();
    // Monday 23 November, 00:30 in Tallinn (still Sunday in UTC): this week.
    t.clock.set('2026-11-22T22:30:00.000Z');
    await addressed();
    t.clock.set(startOfTest);
    for (let i = 0; i < 5; i += 1) await addressed();
    for (let i = 0; i < 3; i += 1) await createInquiryAs(t, customer);

    const admin = await createUser(t, { roles: ['admin'] });
    const html = await dashboardOf(admin);
    expect(weekRow(html, 'chart-inquiries', '23. november 2026')).toEqual(['23. november 2026', '6', '3', '9']);
    expect(weekRow(html, 'chart-inquiries', '16. november 2026')).toEqual(['16. november 2026', '1', '0', '1']);
    expect(chartRows(html, 'chart-inquiries').slice(0, 10).every((row) => row.slice(1).join() === '0,0,0')).toBe(true);
    expect(weekRow(html, 'chart-general-share', '23. november 2026')[1]).toBe('33%');
    expect(weekRow(html, 'chart-general-share', '16. november 2026')[1]).toBe('0%');
    expect(weekRow(html, 'chart-general-share', '9. november 2026')[1]).toBe('–');
    // 3 general of the 10 inquiries of the period.
    expect(stats(html)['Üldiste päringute osakaal perioodil']).toBe('30% (3 / 10)');
    expect(html).toContain('Päringuid perioodil kokku 10: ekspertidele suunatud 7, üldisi 3.');
    // Right now: 8 addressed inquiries collect offers (the old one is past its deadline but not swept), 3 wait for a field.
    expect(stats(html)).toMatchObject({ 'Pakkumisi ootavad päringud': '8', 'Üldised päringud ootavad valdkonda': '3' });
    expect(html).toContain('href="/admin/triage"');
    // Two bars this week (addressed, general), one the week before.
    expect(html.match(/<rect class="chart-bar chart-tone-1"/g)!.length).toBeGreaterThanOrEqual(2);
    expect(html.match(/<rect class="chart-bar chart-tone-2"/g)).toHaveLength(1);
  });
});

describe('time to the first offer', () => {
  it('shows the median hours from an inquiry to its first offer per week, and the share still without an offer', async () => {
    const field = await createField(t);
    const first = await createExpert(t, { fieldIds: [field.id] });
    const second = await createExpert(t, { fieldIds: [field.id] });
    const customer = await createUser(t);
    const send = () => createInquiryAs(t, customer, { fieldId: field.id, expertIds: [first.id, second.id] });

    // Last week: one offer after half an hour.
    t.clock.set('2026-11-17T09:00:00.000Z');
    const early = await send();
    t.clock.advance(hour / 2);
    await makeOfferAs(t, first, early);

    // This week: four inquiries at 10:00 on Monday; first offers after 2, 4 and 10 hours; one has none.
    t.clock.set('2026-11-23T08:00:00.000Z');
    const [a, b, c] = [await send(), await send(), await send()];
    await send();
    t.clock.advance(2 * hour);
    await makeOfferAs(t, first, a);
    t.clock.advance(2 * hour);
    await makeOfferAs(t, first, b);
    // A second, later offer does not move the first one.
    t.clock.advance(hour);
    await makeOfferAs(t, second, a);
    t.clock.advance(5 * hour);
    await makeOfferAs(t, first, c);
    t.clock.set(startOfTest);

    const admin = await createUser(t, { roles: ['admin'] });
    const html = await dashboardOf(admin);
    expect(weekRow(html, 'chart-first-offer', '23. november 2026')).toEqual(['23. november 2026', '4 h', '3']);
    expect(weekRow(html, 'chart-first-offer', '16. november 2026')).toEqual(['16. november 2026', '0,5 h', '1']);
    expect(weekRow(html, 'chart-first-offer', '9. november 2026')).toEqual(['9. november 2026', '–', '0']);
    // Over the period: the median of 0.5, 2, 4 and 10 hours; one of five inquiries has no offer.
    expect(stats(html)).toMatchObject({ 'Mediaan kogu perioodil': '3 h', 'Perioodi päringud, millele pole veel pakkumist': '20% (1 / 5)' });
    // Two weeks with a median: two points, no line invented through the empty weeks before them.
    const chart = /<figure class="chart" id="chart-first-offer">([\s\S]*?)<\/figure>/.exec(html)![1]!;
    expect(chart.match(/<circle class="chart-point"/g)).toHaveLength(2);
    expect(chart.match(/<polyline/g)).toHaveLength(1);
  });
});

describe('orders and money', () => {
  it('counts paid orders, the money paid in and the portal fees per week, and what is held', async () => {
    const field = await createField(t);
    const accepted = await createExpert(t, { fieldIds: [field.id] });
    const disputed = await createExpert(t, { fieldIds: [field.id] });
    const customer = await createUser(t);
    const customerActor = await actorOf(t, customer);

    // Paid last week, one order; this week the other.
    t.clock.set('2026-11-16T08:00:00.000Z');
    const first = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [accepted.id] });
    await makeOfferAs(t, accepted, first, { priceCents: 12_000 });
    t.clock.set('2026-11-18T08:00:00.000Z');
    const acceptedOrder = await orderAndPay(customer, first, await offerIdOf(first, accepted.id));
    t.clock.set('2026-11-23T08:00:00.000Z');
    const second = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [disputed.id] });
    await makeOfferAs(t, disputed, second, { priceCents: 8_000 });
    t.clock.set('2026-11-24T08:00:00.000Z');
    const disputedOrder = await orderAndPay(customer, second, await offerIdOf(second, disputed.id));
    // This week the first order's work is accepted: the fee (15 % by default) is the portal's.
    await addDelivery(t.deps, await actorOf(t, accepted), acceptedOrder, { body: 'Vastus on lisatud.', uploads: [] });
    await markDone(t.deps, await actorOf(t, accepted), acceptedOrder);
    await acceptWork(t.deps, customerActor, acceptedOrder);
    await openDispute(t.deps, customerActor, disputedOrder, 'Töö jäi tegemata.');
    t.clock.set(startOfTest);

    const admin = await createUser(t, { roles: ['admin'] });
    const html = await dashboardOf(admin);
    expect(weekRow(html, 'chart-orders', '16. november 2026')).toEqual(['16. november 2026', '1']);
    expect(weekRow(html, 'chart-orders', '23. november 2026')).toEqual(['23. november 2026', '1']);
    expect(weekRow(html, 'chart-money', '16. november 2026')).toEqual(['16. november 2026', '120,00 €', '0,00 €']);
    expect(weekRow(html, 'chart-money', '23. november 2026')).toEqual(['23. november 2026', '80,00 €', '18,00 €']);
    expect(html).toContain('Perioodil makstud tellimusi: 2.');
    expect(html).toContain('Perioodil laekus 200,00 €, portaali tasusid arvestati 18,00 €.'.replace(/ €/g, '\u00a0€'));
    expect(stats(html)).toMatchObject({ 'Raha hoiul': '80,00 €', 'Lahendamata vaidlused': '1' });
    expect(html).toContain('href="/admin/ledger"');
  });
});

describe('experts’ response rates', () => {
  it('counts offers and refusals as answers, leaves open invitations out and names the least responsive experts', async () => {
    const field = await createField(t);
    const eager = await createExpert(t, { name: 'Eero Innukas', fieldIds: [field.id] });
    const silent = await createExpert(t, { name: 'Vaike Vaikne', fieldIds: [field.id] });
    const seldom = await createExpert(t, { name: 'Harri Harv', fieldIds: [field.id] });
    const customer = await createUser(t);

    t.clock.set('2026-11-02T08:00:00.000Z');
    for (let i = 0; i < 5; i += 1) {
      const inquiryId = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [eager.id, silent.id, seldom.id] });
      await makeOfferAs(t, eager, inquiryId);
      if (i === 0) await declineInvitation(t.deps, await actorOf(t, seldom), inquiryId, { reason: 'tooBusy', note: '' });
    }
    // The deadlines pass: the unanswered invitations expire (the answered ones stay answered).
    t.clock.set('2026-11-12T08:00:00.000Z');
    await sweepInquiryDeadlines(t.deps);
    // A fresh invitation still open is not judged yet.
    t.clock.set(startOfTest);
    await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [silent.id] });

    const admin = await createUser(t, { roles: ['admin'] });
    const html = await dashboardOf(admin);
    expect(stats(html)['Vastamise määr']).toBe('40% (6 / 15)');
    expect(chartRows(html, 'chart-response-rates')).toEqual([
      ['0–20%', '1'],
      ['20–40%', '1'],
      ['40–60%', '0'],
      ['60–80%', '0'],
      ['80–100%', '1'],
    ]);
    expect(lowestRows(html)).toEqual([
      { cells: ['Vaike Vaikne', '5', '0', '0%'], href: `/admin/users/${silent.id}` },
      { cells: ['Harri Harv', '5', '1', '20%'], href: `/admin/users/${seldom.id}` },
      { cells: ['Eero Innukas', '5', '5', '100%'], href: `/admin/users/${eager.id}` },
    ]);
  });

  it('counts an invitation lost to another expert’s order as unanswered, and leaves out those of cancelled inquiries', async () => {
    const field = await createField(t);
    const winner = await createExpert(t, { fieldIds: [field.id] });
    const slow = await createExpert(t, { fieldIds: [field.id] });
    const customer = await createUser(t);
    const ordered = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [winner.id, slow.id] });
    await makeOfferAs(t, winner, ordered);
    await orderAndPay(customer, ordered, await offerIdOf(ordered, winner.id));
    const cancelled = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [slow.id] });
    await cancelInquiry(t.deps, await actorOf(t, customer), cancelled);

    const admin = await createUser(t, { roles: ['admin'] });
    const html = await dashboardOf(admin);
    expect(stats(html)['Vastamise määr']).toBe('50% (1 / 2)');
    expect(chartRows(html, 'chart-response-rates').map((row) => row[1])).toEqual(['1', '0', '0', '0', '1']);
    // One counted invitation each: too few to name anyone.
    expect(lowestRows(html)).toEqual([]);
  });

  it('escapes what experts wrote into their names', async () => {
    const field = await createField(t);
    const expert = await createExpert(t, { name: '<script>alert(1)</script> & Co', fieldIds: [field.id] });
    const customer = await createUser(t);
    t.clock.set('2026-11-02T08:00:00.000Z');
    for (let i = 0; i < 5; i += 1) await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [expert.id] });
    t.clock.set('2026-11-12T08:00:00.000Z');
    await sweepInquiryDeadlines(t.deps);
    t.clock.set(startOfTest);
    const admin = await createUser(t, { roles: ['moderator'] });
    const html = await dashboardOf(admin);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script>alert(1)&lt;/script> &amp; Co');
    expect(lowestRows(html)[0]!.cells).toEqual(['<script>alert(1)</script> & Co', '5', '0', '0%']);
  });
});

describe('e-mail delivery', () => {
  async function email(status: 'pending' | 'sent' | 'failed' | 'stored', createdAt: string, sentAt: string | null = null): Promise<void> {
    await insertOutboxEmails(t.deps.db, [
      {
        message_id: `<${Math.random().toString(36).slice(2)}@konsult.test>`,
        to_address: 'kadri@example.ee',
        to_name: 'Kadri',
        subject: 'Teade',
        text_body: 'Tere',
        html_body: '<p>Tere</p>',
        status,
        attempts: status === 'failed' ? 5 : 0,
        next_attempt_at: createdAt,
        created_at: createdAt,
        sent_at: sentAt,
      },
    ]);
  }

  it('shows what waits, what failed, how old the oldest waiting e-mail is and what went out in a day', async () => {
    const now = Date.parse(startOfTest);
    const ago = (hours: number) => iso(new Date(now - hours * hour));
    await email('pending', ago(3));
    await email('pending', ago(0));
    await email('failed', ago(30));
    await email('sent', ago(2), ago(1));
    await email('sent', ago(23), ago(23));
    await email('sent', ago(50), ago(49));
    await email('stored', ago(1));

    const admin = await createUser(t, { roles: ['admin'] });
    const html = await dashboardOf(admin);
    expect(stats(html)).toMatchObject({
      'Saatmist ootavad kirjad': '2',
      'Ebaõnnestunud kirjad': '1',
      'Vanima ootel kirja vanus': '3 tundi',
      'Saadetud viimase 24 tunni jooksul': '2',
    });
    expect(textOf(html)).toContain('Vajab tähelepanu: mõni kiri on ebaõnnestunud või ootab saatmist kaua.');
    expect(html).toContain('<a href="/sent-emails">Ava saadetud e-kirjad</a>');
    // The test portal has no mail server: the page says so.
    expect(textOf(html)).toContain('E-posti serverit pole seadistatud');

  });

  it('says how long an e-mail has waited in minutes, hours or days', async () => {
    const admin = await createUser(t, { roles: ['admin'], locale: 'en' });
    await email('pending', iso(new Date(Date.parse(startOfTest) - 5 * 60_000)));
    expect(stats(await dashboardOf(admin))['Age of the oldest waiting e-mail']).toBe('5 minutes');
    t.clock.advance(3 * 24 * hour);
    expect(stats(await dashboardOf(admin))['Age of the oldest waiting e-mail']).toBe('3 days');
  });
});
