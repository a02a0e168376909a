import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PaymentProviderError, type RefundResult } from '../../src/adapters/payments/provider.js';
import { isSandboxProvider } from '../../src/adapters/payments/sandbox.js';
import { autoAcceptDue } from '../../src/use-cases/fulfilment.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { emailsTo } from '../support/emails.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, loginAs } from '../support/factories.js';
import { createInquiryAs, makeOfferAs } from '../support/inquiries.js';
import { postMultipart, samplePdf, samplePng } from '../support/multipart.js';
import { fieldError, fieldValue } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Disputes on paid orders (issue 7): either party opens one while the work is in progress or
 * delivered, the automatic acceptance stops, moderators and admins see both sides and decide —
 * release to the expert, refund the customer in full, or split — and the ledger records each
 * movement. Every order here is paid through the sandbox's payment page, as a customer would.
 */

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

const day = 86_400_000;
const title = 'Ehitaja viivitab tööde üleandmisega';

// ---- reading pages ----

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The visible text of a page's main part, with Intl's non-breaking spaces as plain ones. */
function textOf(html: string): string {
  return mainText(html).replace(/[\u00a0\u202f]/g, ' ');
}

function flashOf(html: string): string | undefined {
  const flash = /<p class="flash"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1];
  return flash === undefined ? undefined : decode(flash.trim());
}

/** The sentences of a page's error summaries (a refused action shows its reason at the top). */
function summariesOf(html: string): string[] {
  return [...html.matchAll(/<div class="error-summary"[^>]*><h2[^>]*>([\s\S]*?)<\/h2>/g)].map((m) => decode(m[1]!));
}

/** What a textarea shows (a refused form sends back what was typed). */
function textareaValue(html: string, name: string): string | undefined {
  const value = new RegExp(`<textarea[^>]*\\bname="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1];
  return value === undefined ? undefined : decode(value);
}

/** The choices of a radio group, and which one is checked. */
function radios(html: string, name: string): { values: string[]; checked: string[] } {
  const tags = [...html.matchAll(new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`, 'g'))].map((m) => m[0]);
  const valueOf = (tag: string) => /\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '';
  return { values: tags.map(valueOf), checked: tags.filter((tag) => /\bchecked\b/.test(tag)).map(valueOf) };
}

/** The messages of the order's thread as [sender, text], oldest first. */
function messagesOf(html: string): [string, string][] {
  const thread = /<section[^>]*id="thread"[^>]*>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
  return [...thread.matchAll(/<li class="message(?: mine)?" id="message-\d+">([\s\S]*?)<\/li>\s*(?=<li class="message|<\/ol>)/g)].map((m) => [
    decode(/<strong>([\s\S]*?)<\/strong>/.exec(m[1]!)?.[1] ?? ''),
    decode(/<p class="message-body">([\s\S]*?)<\/p>/.exec(m[1]!)?.[1] ?? ''),
  ]);
}

/** The links of attachments in a section of the order page (deliveries or thread). */
function attachmentLinks(html: string, sectionId: 'deliveries' | 'thread'): { href: string; name: string }[] {
  const section = new RegExp(`<section[^>]*id="${sectionId}"[^>]*>([\\s\\S]*?)</section>`).exec(html)?.[1] ?? '';
  return [...section.matchAll(/<a href="([^"]+)" download[^>]*>([\s\S]*?)<\/a>/g)].map((m) => ({ href: decode(m[1]!), name: decode(m[2]!.trim()) }));
}

function mailboxTitles(html: string): string[] {
  return [...html.matchAll(/<span class="item-title">([\s\S]*?)<\/span>/g)].map((m) => decode(m[1]!));
}

// ---- reading the database ----

async function orderRow(orderId: number) {
  return t.deps.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
}

async function paymentOf(orderId: number) {
  return t.deps.db.selectFrom('payments').selectAll().where('order_id', '=', orderId).executeTakeFirstOrThrow();
}

async function disputesOf(orderId: number) {
  return t.deps.db.selectFrom('disputes').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
}

async function refundsOf(orderId: number) {
  return t.deps.db
    .selectFrom('refunds')
    .innerJoin('payments', 'payments.id', 'refunds.payment_id')
    .select(['refunds.amount_cents', 'refunds.status', 'refunds.requested_by', 'refunds.reason'])
    .where('payments.order_id', '=', orderId)
    .orderBy('refunds.id')
    .execute();
}

/** What an account holds: the sum of its entries. */
async function balanceOf(account: string): Promise<number> {
  const rows = await t.deps.db.selectFrom('ledger_entries').select('amount_cents').where('account', '=', account).execute();
  return rows.reduce((sum, row) => sum + row.amount_cents, 0);
}

/** Where an order's money is: the escrow, the expert's payable, the fees, the provider, the ledger's total and what the payment says was refunded. */
async function moneyOf(w: World) {
  const all = await t.deps.db.selectFrom('ledger_entries').select('amount_cents').execute();
  return {
    escrow: await balanceOf(`escrow:order:${w.orderId}`),
    payable: await balanceOf(`payable:expert:${w.s.expert.id}`),
    fees: await balanceOf('fees'),
    provider: await balanceOf('provider'),
    total: all.reduce((sum, row) => sum + row.amount_cents, 0),
    refunded: (await paymentOf(w.orderId)).refunded_cents,
  };
}

/** How many notices of a kind a user has in the mailbox. */
async function noticeCount(userId: number, kind: string): Promise<number> {
  return (await t.deps.db.selectFrom('notices').select('id').where('user_id', '=', userId).where('kind', '=', kind).execute()).length;
}

async function subjectsTo(address: string): Promise<string[]> {
  return (await emailsTo(t, address)).map((e) => e.subject);
}

/** What the sandbox itself says about the order's payment (PAID, PARTIALLY_REFUNDED, REFUNDED). */
async function sandboxStatusOf(orderId: number): Promise<string | undefined> {
  const provider = t.deps.payments.provider;
  if (!isSandboxProvider(provider)) throw new Error('the tests run with the sandbox provider');
  return (await provider.describe((await paymentOf(orderId)).provider_ref!))?.status;
}

// ---- the scene: a customer's inquiry to one expert, who offers 100 € ----

async function scene(options: { customerRoles?: ('moderator' | 'admin')[] } = {}) {
  const field = await createField(t, { nameEt: 'Ehitusõigus', nameEn: 'Construction law' });
  const expert = await createExpert(t, { name: 'Anna Aas', email: 'anna@example.ee', phone: '+372 5111 2222', fieldIds: [field.id] });
  const otherExpert = await createExpert(t, { name: 'Berit Bee', email: 'berit@example.ee', fieldIds: [field.id] });
  const customer = await createUser(t, { name: 'Kadri Kask', email: 'kadri@example.ee', phone: '+372 5999 8877', roles: options.customerRoles ?? [] });
  const outsider = await createUser(t, { name: 'Tiina Teine', email: 'tiina@example.ee' });
  const moderator = await createUser(t, { name: 'Mari Moderaator', email: 'mari@example.ee', roles: ['moderator'] });
  const otherModerator = await createUser(t, { name: 'Mart Moderaator', email: 'mart@example.ee', roles: ['moderator'] });
  const admin = await createUser(t, { name: 'Aadu Admin', email: 'aadu@example.ee', roles: ['admin'] });
  const inquiryId = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [expert.id], title });
  await makeOfferAs(t, expert, inquiryId, { priceCents: 10_000 });
  const offer = await t.deps.db.selectFrom('offers').select('id').where('inquiry_id', '=', inquiryId).executeTakeFirstOrThrow();
  return { expert, otherExpert, customer, outsider, moderator, otherModerator, admin, inquiryId, offerId: offer.id };
}

type Scene = Awaited<ReturnType<typeof scene>>;

type World = { s: Scene; orderId: number; orderPage: string; ref: string; customer: Browser; expert: Browser };

async function signedIn(user: { email: string; password: string }): Promise<Browser> {
  const browser = t.browser();
  await loginAs(browser, user);
  return browser;
}

/** The customer presses "Telli ja maksa" and lands on the sandbox's payment page (not paid yet). */
async function orderedWorld(s?: Scene): Promise<World> {
  const scene_ = s ?? (await scene());
  const customer = await signedIn(scene_.customer);
  const inquiryPage = `/inquiries/${scene_.inquiryId}`;
  const ordered = await customer.post(`${inquiryPage}/order`, { offerId: String(scene_.offerId) }, { formPage: inquiryPage });
  const ref = /^http:\/\/konsult\.test\/sandbox\/pay\/([0-9a-f-]{36})$/.exec(ordered.location ?? '')?.[1];
  if (ordered.status !== 303 || !ref) throw new Error(`not sent to the payment page: ${ordered.status} ${ordered.location}`);
  const order = await t.deps.db.selectFrom('orders').select('id').where('inquiry_id', '=', scene_.inquiryId).orderBy('id', 'desc').executeTakeFirstOrThrow();
  return { s: scene_, orderId: order.id, orderPage: `/orders/${order.id}`, ref, customer, expert: await signedIn(scene_.expert) };
}

/** Presses a button of the sandbox's payment page and comes back to the portal, as the customer's browser does. */
async function pressOnSandbox(w: World, action: 'pay' | 'cancel'): Promise<void> {
  await w.customer.get(`/sandbox/pay/${w.ref}`);
  const answered = await w.customer.post(`/sandbox/pay/${w.ref}`, { action });
  expect(answered.status).toBe(303);
  const back = await w.customer.get(new URL(answered.location!).pathname + new URL(answered.location!).search);
  expect(back.location).toBe(w.orderPage);
}

/** A paid order of 100 €: in progress, the money held in its escrow. */
async function paidWorld(s?: Scene): Promise<World> {
  const w = await orderedWorld(s);
  await pressOnSandbox(w, 'pay');
  expect((await orderRow(w.orderId)).status).toBe('in_progress');
  return w;
}

/** The expert delivers (text and a PDF) and marks the work done: the automatic acceptance is scheduled. */
async function deliveredWorld(): Promise<World> {
  const w = await paidWorld();
  await deliver(w, 'Hinnang ehitaja viivitusele ja nõude projekt.', [{ name: 'noue.pdf', contentType: 'application/pdf', content: samplePdf('Noue') }]);
  await w.expert.get(w.orderPage);
  expect((await w.expert.post(`${w.orderPage}/done`, {})).status).toBe(303);
  expect((await orderRow(w.orderId)).status).toBe('delivered');
  return w;
}

async function deliver(w: World, body: string, files: { name: string; contentType: string; content: Buffer }[] = []): Promise<void> {
  await w.expert.get(w.orderPage);
  const delivered = await postMultipart(t.app, w.expert, `${w.orderPage}/deliveries`, { fields: { body }, files });
  expect(delivered.status).toBe(303);
}

async function writeInThread(w: World, browser: Browser, body: string, files: { name: string; contentType: string; content: Buffer }[] = []): Promise<void> {
  await browser.get(w.orderPage);
  const sent = await postMultipart(t.app, browser, `${w.orderPage}/messages`, { fields: { body }, files });
  expect(sent.status).toBe(303);
}

async function openDispute(w: World, browser: Browser, reason: string): Promise<Page> {
  return browser.post(`${w.orderPage}/dispute`, { reason }, { formPage: w.orderPage });
}

type Decision = { resolution?: string; refund?: string; note?: string };

async function resolve(w: World, browser: Browser, decision: Decision): Promise<Page> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(decision)) if (value !== undefined) fields[name] = value;
  return browser.post(`${w.orderPage}/resolve`, fields, { formPage: w.orderPage });
}

/** A paid order the customer has disputed. */
async function disputedWorld(): Promise<World> {
  const w = await paidWorld();
  expect((await openDispute(w, w.customer, 'Ekspert ei vasta ja tähtaeg on möödas.')).status).toBe(303);
  expect((await orderRow(w.orderId)).status).toBe('disputed');
  return w;
}

const held = { escrow: 10_000, payable: 0, fees: 0, provider: -10_000, total: 0, refunded: 0 };

// ---- opening a dispute ----

describe('opening a dispute', () => {
  it('the customer disputes work in progress: the order is disputed, the expert and every moderator and admin are told in the mailbox and by e-mail', async () => {
    const w = await paidWorld();
    const { s } = w;

    const opened = await openDispute(w, w.customer, 'Ekspert ei vasta mu kirjadele & tähtaeg on möödas.');

    expect(opened.status).toBe(303);
    expect(opened.location).toBe(w.orderPage);
    const shown = await w.customer.follow(opened);
    expect(flashOf(shown.body)).toBe('Vaidlus on avatud. Vastutav isik võtab sellega ühendust.');
    expect(textOf(shown.body)).toContain('Olek Vaidlus');
    expect(textOf(shown.body)).toContain('Vaidlus on avatud');
    expect(textOf(shown.body)).toContain('Ekspert ei vasta mu kirjadele & tähtaeg on möödas.');
    // One dispute at a time: the form to open one is gone.
    expect(shown.body).not.toContain(`action="${w.orderPage}/dispute"`);

    expect((await orderRow(w.orderId)).status).toBe('disputed');
    expect(await disputesOf(w.orderId)).toMatchObject([
      { opened_by: s.customer.id, reason: 'Ekspert ei vasta mu kirjadele & tähtaeg on möödas.', status: 'open', resolution: null, resolved_at: null },
    ]);
    // Nothing moves yet.
    expect(await moneyOf(w)).toEqual(held);

    expect(await noticeCount(s.expert.id, 'disputeOpened')).toBe(1);
    expect(await noticeCount(s.customer.id, 'disputeOpened')).toBe(0);
    for (const staff of [s.moderator, s.otherModerator, s.admin]) {
      expect(await noticeCount(staff.id, 'disputeOpenedStaff')).toBe(1);
      expect(await subjectsTo(staff.email)).toContain(`Uus vaidlus: tellimus nr ${w.orderId}`);
    }
    expect(await subjectsTo('anna@example.ee')).toContain(`Avati vaidlus: ${title}`);
    expect((await subjectsTo('kadri@example.ee')).filter((subject) => subject.includes('vaidlus'))).toEqual([]);
    for (const bystander of [s.outsider, s.otherExpert]) {
      expect(await noticeCount(bystander.id, 'disputeOpened')).toBe(0);
      expect(await noticeCount(bystander.id, 'disputeOpenedStaff')).toBe(0);
    }
    expect(mailboxTitles((await w.expert.get('/mailbox')).body)).toContain(`Avati vaidlus: ${title}`);
    expect(mailboxTitles((await (await signedIn(s.moderator)).get('/mailbox')).body)).toContain(`Uus vaidlus: tellimus nr ${w.orderId}`);
  });

  it('the expert disputes delivered work: the customer is told, and the automatic acceptance stops', async () => {
    const w = await deliveredWorld();
    expect((await orderRow(w.orderId)).auto_accept_at).toBe(new Date(t.clock.now().getTime() + 14 * day).toISOString());

    const opened = await openDispute(w, w.expert, 'Tellija nõuab tööd, mida pakkumine ei sisaldanud.');

    expect(opened.status).toBe(303);
    const row = await orderRow(w.orderId);
    expect(row.status).toBe('disputed');
    expect(row.auto_accept_at).toBeNull();
    expect(await noticeCount(w.s.customer.id, 'disputeOpened')).toBe(1);
    expect(await noticeCount(w.s.expert.id, 'disputeOpened')).toBe(0);
    expect(await subjectsTo('kadri@example.ee')).toContain(`Avati vaidlus: ${title}`);
    // The customer can no longer accept or ask for changes while the dispute is open.
    const customerPage = await w.customer.get(w.orderPage);
    expect(customerPage.body).not.toContain(`action="${w.orderPage}/accept"`);
    expect(customerPage.body).not.toContain(`action="${w.orderPage}/changes"`);

    // The day of the automatic acceptance comes and goes: nothing happens.
    t.clock.advance(13 * day);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 0 });
    t.clock.advance(2 * day);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 0 });

    expect((await orderRow(w.orderId)).status).toBe('disputed');
    expect(await moneyOf(w)).toEqual(held);
    for (const user of [w.s.customer, w.s.expert]) {
      expect(await noticeCount(user.id, 'autoAccepted')).toBe(0);
      expect(await noticeCount(user.id, 'autoAcceptReminder')).toBe(0);
    }
  });

  it('a dispute opened inside the reminder window: the automatic acceptance never comes', async () => {
    const w = await deliveredWorld();
    t.clock.advance(12 * day + 1);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 1 });

    // Twelve days on, the customer signs in again and disputes the work.
    const customer = await signedIn(w.s.customer);
    expect((await openDispute(w, customer, 'Töö on poolik.')).status).toBe(303);
    expect((await orderRow(w.orderId)).auto_accept_at).toBeNull();
    t.clock.advance(3 * day);

    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 0 });
    expect((await orderRow(w.orderId)).status).toBe('disputed');
    expect(await moneyOf(w)).toEqual(held);
  });

  it('refuses a dispute without a reason (422) and opens nothing', async () => {
    const w = await paidWorld();

    const refused = await openDispute(w, w.customer, '  \n ');

    expect(refused.status).toBe(422);
    expect(fieldError(refused.body, 'reason')).toBe('See väli on kohustuslik.');
    // The page is the order's, with the form still there to fill in.
    expect(refused.body).toContain(`action="${w.orderPage}/dispute"`);
    expect((await orderRow(w.orderId)).status).toBe('in_progress');
    expect(await disputesOf(w.orderId)).toEqual([]);
    expect(await noticeCount(w.s.expert.id, 'disputeOpened')).toBe(0);
    expect(await noticeCount(w.s.moderator.id, 'disputeOpenedStaff')).toBe(0);
  });

  it('refuses a reason that is too long (422) and keeps what was typed', async () => {
    const w = await paidWorld();
    const reason = `Ekspert ei vasta. ${'x'.repeat(3_000)}`;

    const refused = await openDispute(w, w.expert, reason);

    expect(refused.status).toBe(422);
    expect(fieldError(refused.body, 'reason')).toBe('Liiga pikk: lubatud on kuni 3000 märki.');
    expect(textareaValue(refused.body, 'reason')).toBe(reason);
    expect((await orderRow(w.orderId)).status).toBe('in_progress');
    expect(await disputesOf(w.orderId)).toEqual([]);
  });

  it('refuses a second dispute while one is open (409), from either side', async () => {
    const w = await disputedWorld();

    for (const browser of [w.customer, w.expert]) {
      const refused = await openDispute(w, browser, 'Veel üks vaidlus.');
      expect(refused.status).toBe(409);
      expect(summariesOf(refused.body)).toEqual(['Tellimuse üle käib vaidlus.']);
    }

    expect(await disputesOf(w.orderId)).toHaveLength(1);
    expect(await noticeCount(w.s.expert.id, 'disputeOpened')).toBe(1);
    expect(await noticeCount(w.s.customer.id, 'disputeOpened')).toBe(0);
    expect(await noticeCount(w.s.moderator.id, 'disputeOpenedStaff')).toBe(1);
  });

  it.each([
    ['not paid yet', 'awaiting_payment', 'Tellimus ootab veel makset.'],
    ['cancelled', 'cancelled', 'Tellimus on tühistatud.'],
    ['accepted', 'accepted', 'Töö on juba vastu võetud.'],
  ] as const)('refuses a dispute on an order that is %s (409)', async (_what, status, sentence) => {
    let w: World;
    if (status === 'awaiting_payment') {
      w = await orderedWorld();
    } else if (status === 'cancelled') {
      w = await orderedWorld();
      await pressOnSandbox(w, 'cancel');
    } else {
      w = await deliveredWorld();
      await w.customer.get(w.orderPage);
      expect((await w.customer.post(`${w.orderPage}/accept`, {})).status).toBe(303);
    }
    expect((await orderRow(w.orderId)).status).toBe(status);
    const ledgerBefore = await moneyOf(w);

    for (const browser of [w.customer, w.expert]) {
      const refused = await openDispute(w, browser, 'Tahan raha tagasi.');
      expect(refused.status).toBe(409);
      expect(summariesOf(refused.body)).toEqual([sentence]);
    }

    expect((await orderRow(w.orderId)).status).toBe(status);
    expect(await disputesOf(w.orderId)).toEqual([]);
    expect(await moneyOf(w)).toEqual(ledgerBefore);
    expect(await noticeCount(w.s.moderator.id, 'disputeOpenedStaff')).toBe(0);
  });

  it('people outside the order are told it does not exist (404); moderators and admins cannot open one (403)', async () => {
    const w = await paidWorld();
    const { s } = w;

    for (const user of [s.outsider, s.otherExpert]) {
      const browser = await signedIn(user);
      await browser.get('/my');
      expect((await browser.post(`${w.orderPage}/dispute`, { reason: 'Tahan sekkuda.' })).status).toBe(404);
    }
    for (const user of [s.moderator, s.admin]) {
      const browser = await signedIn(user);
      expect((await openDispute(w, browser, 'Avan ise vaidluse.')).status).toBe(403);
    }
    await w.customer.get(w.orderPage);
    expect((await w.customer.post('/orders/999999/dispute', { reason: 'Pole olemas.' })).status).toBe(404);

    expect((await orderRow(w.orderId)).status).toBe('in_progress');
    expect(await t.deps.db.selectFrom('disputes').select('id').execute()).toEqual([]);
    expect(await noticeCount(s.expert.id, 'disputeOpened')).toBe(0);
    expect(await noticeCount(s.moderator.id, 'disputeOpenedStaff')).toBe(0);
  });
});

// ---- what staff see ----

describe('what the moderator sees', () => {
  it('both sides’ messages, the deliveries with their files, the reason and the decision form; the parties see no decision form', async () => {
    const w = await paidWorld();
    await writeInThread(w, w.customer, 'Millal saan esimese versiooni?');
    await writeInThread(w, w.expert, 'Reedeks, kui saadate lepingu koopia.');
    await deliver(w, 'Esimene versioon nõudest.', [{ name: 'noue.pdf', contentType: 'application/pdf', content: samplePdf('Noue') }]);
    expect((await openDispute(w, w.customer, 'Nõue ei vasta lepingule.')).status).toBe(303);
    const mari = await signedIn(w.s.moderator);

    const page = await mari.get(w.orderPage);

    expect(page.status).toBe(200);
    expect(messagesOf(page.body)).toEqual([
      ['Kadri Kask', 'Millal saan esimese versiooni?'],
      ['Anna Aas', 'Reedeks, kui saadate lepingu koopia.'],
    ]);
    expect(textOf(page.body)).toContain('Esimene versioon nõudest.');
    const files = attachmentLinks(page.body, 'deliveries');
    expect(files.map((f) => f.name)).toEqual(['noue.pdf']);
    const file = await mari.get(files[0]!.href);
    expect(file.status).toBe(200);
    expect(file.response.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(textOf(page.body)).toContain('Nõue ei vasta lepingule.');
    // Both parties' contact data, to reach them.
    expect(textOf(page.body)).toContain('kadri@example.ee');
    expect(textOf(page.body)).toContain('anna@example.ee');
    expect(page.body).toContain(`action="${w.orderPage}/resolve"`);
    expect(radios(page.body, 'resolution')).toEqual({ values: ['release', 'refund', 'split'], checked: [] });
    expect(fieldValue(page.body, 'refund')).toBe('');

    for (const browser of [w.customer, w.expert]) {
      const partyPage = await browser.get(w.orderPage);
      expect(textOf(partyPage.body)).toContain('Nõue ei vasta lepingule.');
      expect(partyPage.body).not.toContain(`action="${w.orderPage}/resolve"`);
    }
  });

  it('the moderator can open a file a party attached to a message in the thread', async () => {
    const w = await paidWorld();
    await writeInThread(w, w.customer, 'Lisan ehitaja kirja pildi.', [{ name: 'kiri.png', contentType: 'image/png', content: samplePng() }]);
    expect((await openDispute(w, w.customer, 'Ekspert ei arvestanud ehitaja kirjaga.')).status).toBe(303);
    const mari = await signedIn(w.s.moderator);

    const page = await mari.get(w.orderPage);
    const links = attachmentLinks(page.body, 'thread');
    expect(links.map((l) => l.name)).toEqual(['kiri.png']);

    // The parties can open it …
    expect((await w.expert.get(links[0]!.href)).status).toBe(200);
    // … and so must the moderator who decides the dispute: the page shows the link.
    expect((await mari.get(links[0]!.href)).status).toBe(200);
  });
});

// ---- deciding ----

describe('resolving a dispute', () => {
  it('release: the work counts as accepted, the escrow goes to the expert less the fee, both are told the reason, and the customer can rate', async () => {
    const w = await disputedWorld();
    const mari = await signedIn(w.s.moderator);
    const note = 'Töö vastab pakkumisele; viivitus oli tellija põhjustatud.';

    const decided = await resolve(w, mari, { resolution: 'release', note });

    expect(decided.status).toBe(303);
    expect(decided.location).toBe(w.orderPage);
    expect(flashOf((await mari.follow(decided)).body)).toBe('Vaidlus on lahendatud ja mõlemale poolele on teatatud.');
    const row = await orderRow(w.orderId);
    expect(row).toMatchObject({ status: 'accepted', accepted_how: 'moderator', accepted_at: t.clock.now().toISOString() });
    expect(await moneyOf(w)).toEqual({ escrow: 0, payable: 8_500, fees: 1_500, provider: -10_000, total: 0, refunded: 0 });
    expect(await refundsOf(w.orderId)).toEqual([]);
    expect(await sandboxStatusOf(w.orderId)).toBe('PAID');
    expect(await disputesOf(w.orderId)).toMatchObject([
      { status: 'resolved', resolution: 'release', refund_cents: 0, release_cents: 10_000, note, resolved_by: w.s.moderator.id, resolved_at: t.clock.now().toISOString() },
    ]);

    for (const [user, browser] of [
      [w.s.customer, w.customer],
      [w.s.expert, w.expert],
    ] as const) {
      expect(await noticeCount(user.id, 'disputeResolved')).toBe(1);
      const email = (await emailsTo(t, user.email)).find((e) => e.subject === `Vaidlus lahendati: ${title}`);
      expect(email?.text_body).toContain(note);
      const page = await browser.get(w.orderPage);
      expect(textOf(page.body)).toContain('Olek Vastu võetud');
      expect(textOf(page.body)).toContain(`Vastutava isiku otsus: ${note}`);
    }

    // Accepted by the moderator: the customer may rate the work now.
    const customerPage = await w.customer.get(w.orderPage);
    expect(customerPage.body).toContain(`action="${w.orderPage}/rating"`);
    const rated = await w.customer.post(`${w.orderPage}/rating`, { stars: '4', comment: 'Lõpuks sain.' });
    expect(rated.status).toBe(303);
    expect(await t.deps.db.selectFrom('reviews').select(['order_id', 'stars']).execute()).toEqual([{ order_id: w.orderId, stars: 4 }]);
  });

  it('refund: the whole amount goes back through the provider, the order is resolved, nothing reaches the expert', async () => {
    const w = await disputedWorld();
    const aadu = await signedIn(w.s.admin);
    const note = 'Tööd ei tehtud; tagastame kogu summa.';

    const decided = await resolve(w, aadu, { resolution: 'refund', note });

    expect(decided.status).toBe(303);
    expect((await orderRow(w.orderId)).status).toBe('resolved');
    expect((await orderRow(w.orderId)).accepted_at).toBeNull();
    expect(await moneyOf(w)).toEqual({ escrow: 0, payable: 0, fees: 0, provider: 0, total: 0, refunded: 10_000 });
    expect(await refundsOf(w.orderId)).toEqual([{ amount_cents: 10_000, status: 'successful', requested_by: w.s.admin.id, reason: note }]);
    expect(await sandboxStatusOf(w.orderId)).toBe('REFUNDED');
    expect(await disputesOf(w.orderId)).toMatchObject([{ status: 'resolved', resolution: 'refund', refund_cents: 10_000, release_cents: 0, note, resolved_by: w.s.admin.id }]);
    for (const user of [w.s.customer, w.s.expert]) {
      expect(await noticeCount(user.id, 'disputeResolved')).toBe(1);
      const email = (await emailsTo(t, user.email)).find((e) => e.subject === `Vaidlus lahendati: ${title}`);
      expect(email?.text_body).toContain(note);
    }
    const page = await w.customer.get(w.orderPage);
    expect(textOf(page.body)).toContain('Olek Vaidlus lahendatud');
    expect(textOf(page.body)).toContain('Tagastatud 100,00 €');
    expect(textOf(page.body)).toContain(`Vastutava isiku otsus: ${note}`);

    // Refunded work cannot be rated.
    expect(page.body).not.toContain(`action="${w.orderPage}/rating"`);
    expect((await w.customer.post(`${w.orderPage}/rating`, { stars: '1', comment: '' })).status).toBe(409);
    expect(await t.deps.db.selectFrom('reviews').select('id').execute()).toEqual([]);
  });

  it('split: 30 € back to the customer, the other 70 € to the expert less 15 % of 70 €', async () => {
    const w = await disputedWorld();
    const mari = await signedIn(w.s.moderator);
    const note = 'Pool tööst tehti; tagastame 30 eurot.';

    const decided = await resolve(w, mari, { resolution: 'split', refund: '30,00', note });

    expect(decided.status).toBe(303);
    expect((await orderRow(w.orderId)).status).toBe('resolved');
    // The fee is feeOf(7 000, 1 500) = 1 050 cents.
    expect(await moneyOf(w)).toEqual({ escrow: 0, payable: 5_950, fees: 1_050, provider: -7_000, total: 0, refunded: 3_000 });
    expect(await refundsOf(w.orderId)).toEqual([{ amount_cents: 3_000, status: 'successful', requested_by: w.s.moderator.id, reason: note }]);
    expect(await sandboxStatusOf(w.orderId)).toBe('PARTIALLY_REFUNDED');
    expect(await disputesOf(w.orderId)).toMatchObject([{ status: 'resolved', resolution: 'split', refund_cents: 3_000, release_cents: 7_000, note }]);
    for (const user of [w.s.customer, w.s.expert]) {
      expect(await noticeCount(user.id, 'disputeResolved')).toBe(1);
      const email = (await emailsTo(t, user.email)).find((e) => e.subject === `Vaidlus lahendati: ${title}`);
      expect(email?.text_body).toContain(note);
    }
    expect(textOf((await w.expert.get(w.orderPage)).body)).toContain('Tagastatud 30,00 €');
  });

  it.each([
    ['0,05', 5, 9_995, 1_499],
    ['99,99', 9_999, 1, 0],
  ] as const)('split at the edge: %s € back to the customer', async (refund, refunded, released, fee) => {
    const w = await disputedWorld();
    const mari = await signedIn(w.s.moderator);

    const decided = await resolve(w, mari, { resolution: 'split', refund, note: 'Jagame.' });

    expect(decided.status).toBe(303);
    expect(await moneyOf(w)).toEqual({ escrow: 0, payable: released - fee, fees: fee, provider: -10_000 + refunded, total: 0, refunded });
    expect(await disputesOf(w.orderId)).toMatchObject([{ refund_cents: refunded, release_cents: released }]);
  });

  it.each([
    ['no decision', { note: 'Otsustan hiljem.' }, 'resolution', 'Valige otsus.'],
    ['an unknown decision', { resolution: 'keep', note: 'Hoian raha.' }, 'resolution', 'Valige otsus.'],
    ['no note', { resolution: 'release' }, 'note', 'See väli on kohustuslik.'],
    ['a blank note', { resolution: 'refund', note: '   ' }, 'note', 'See väli on kohustuslik.'],
    ['a split of nothing', { resolution: 'split', refund: '0', note: 'Jagame.' }, 'refund', undefined],
    ['a split below 0,05 €', { resolution: 'split', refund: '0,04', note: 'Jagame.' }, 'refund', undefined],
    ['a split of the whole amount', { resolution: 'split', refund: '100', note: 'Jagame.' }, 'refund', undefined],
    ['a split of more than is held', { resolution: 'split', refund: '100,01', note: 'Jagame.' }, 'refund', undefined],
    ['a split that is not an amount', { resolution: 'split', refund: 'abc', note: 'Jagame.' }, 'refund', undefined],
    ['a split without an amount', { resolution: 'split', refund: '', note: 'Jagame.' }, 'refund', undefined],
    ['a negative split', { resolution: 'split', refund: '-30', note: 'Jagame.' }, 'refund', undefined],
    ['a split in fractions of a cent', { resolution: 'split', refund: '12,345', note: 'Jagame.' }, 'refund', undefined],
  ] as const)('refuses %s (422), keeps the input and changes nothing', async (_what, decision: Decision, field, message) => {
    const w = await disputedWorld();
    const mari = await signedIn(w.s.moderator);

    const refused = await resolve(w, mari, decision);

    expect(refused.status).toBe(422);
    expect(fieldError(refused.body, field)).toBe(message ?? 'Jagamisel peab tellijale tagastatav summa olema vähemalt 0,05 eurot ja väiksem kui hoiul olev summa.');
    // The form is shown again with what was sent.
    expect(refused.body).toContain(`action="${w.orderPage}/resolve"`);
    if (decision.refund) expect(fieldValue(refused.body, 'refund')).toBe(decision.refund);
    if (decision.note?.trim()) expect(textareaValue(refused.body, 'note')).toBe(decision.note);
    if (decision.resolution === 'split') expect(radios(refused.body, 'resolution').checked).toEqual(['split']);

    expect((await orderRow(w.orderId)).status).toBe('disputed');
    expect(await disputesOf(w.orderId)).toMatchObject([{ status: 'open', resolution: null }]);
    expect(await moneyOf(w)).toEqual(held);
    expect(await refundsOf(w.orderId)).toEqual([]);
    expect(await noticeCount(w.s.customer.id, 'disputeResolved')).toBe(0);
  });

  it('refuses to resolve an order that is not disputed (409)', async () => {
    const w = await paidWorld();
    const mari = await signedIn(w.s.moderator);

    for (const resolution of ['release', 'refund']) {
      const refused = await resolve(w, mari, { resolution, note: 'Otsustan.' });
      expect(refused.status).toBe(409);
      expect(summariesOf(refused.body)).toEqual(['Tellimus on juba tasutud.']);
    }

    expect((await orderRow(w.orderId)).status).toBe('in_progress');
    expect(await moneyOf(w)).toEqual(held);
    expect(await refundsOf(w.orderId)).toEqual([]);
  });

  it('refuses to resolve an order that is not paid (409)', async () => {
    const w = await orderedWorld();
    const mari = await signedIn(w.s.moderator);

    const refused = await resolve(w, mari, { resolution: 'refund', note: 'Otsustan.' });

    expect(refused.status).toBe(409);
    expect((await orderRow(w.orderId)).status).toBe('awaiting_payment');
    expect(await refundsOf(w.orderId)).toEqual([]);
  });

  it.each([
    ['released', 'release', 'Töö on juba vastu võetud.'],
    ['refunded', 'refund', 'Tellimuse vaidlus on juba lahendatud.'],
    ['split', 'split', 'Tellimuse vaidlus on juba lahendatud.'],
  ] as const)('refuses to decide a dispute already %s (409), and no more money moves', async (_what, first, sentence) => {
    const w = await disputedWorld();
    const mari = await signedIn(w.s.moderator);
    const aadu = await signedIn(w.s.admin);
    expect((await resolve(w, mari, { resolution: first, refund: '30', note: 'Esimene otsus.' })).status).toBe(303);
    const after = await moneyOf(w);

    for (const second of ['release', 'refund', 'split'] as const) {
      const refused = await resolve(w, aadu, { resolution: second, refund: '10', note: 'Teine otsus.' });
      expect(refused.status).toBe(409);
      expect(summariesOf(refused.body)).toEqual([sentence]);
    }

    expect(await moneyOf(w)).toEqual(after);
    expect(await disputesOf(w.orderId)).toMatchObject([{ note: 'Esimene otsus.', resolved_by: w.s.moderator.id }]);
    expect(await noticeCount(w.s.customer.id, 'disputeResolved')).toBe(1);
    // Nor can a new dispute be opened on a decided order.
    expect((await openDispute(w, w.customer, 'Ma ei ole otsusega rahul.')).status).toBe(409);
  });

  it('customers and experts may not decide (403)', async () => {
    const w = await disputedWorld();

    for (const browser of [w.customer, w.expert]) {
      const refused = await resolve(w, browser, { resolution: browser === w.customer ? 'refund' : 'release', note: 'Otsustan ise.' });
      expect(refused.status).toBe(403);
    }

    expect((await orderRow(w.orderId)).status).toBe('disputed');
    expect(await moneyOf(w)).toEqual(held);
    expect(await refundsOf(w.orderId)).toEqual([]);
  });

  it('people outside the order are told it does not exist (404), whatever they send', async () => {
    const w = await disputedWorld();
    const tiina = await signedIn(w.s.outsider);
    await tiina.get('/my');

    const invalid = await tiina.post(`${w.orderPage}/resolve`, { resolution: 'keep', note: 'Hoian raha.' });
    const valid = await tiina.post(`${w.orderPage}/resolve`, { resolution: 'refund', note: 'Tagastage mulle.' });

    expect([invalid.status, valid.status]).toEqual([404, 404]);
    expect(await moneyOf(w)).toEqual(held);
  });

  it('a moderator who ordered the work cannot decide their own dispute (403)', async () => {
    const s = await scene({ customerRoles: ['moderator'] });
    const w = await paidWorld(s);
    expect((await openDispute(w, w.customer, 'Ekspert ei teinud tööd.')).status).toBe(303);

    const refused = await resolve(w, w.customer, { resolution: 'refund', note: 'Tagastan endale.' });

    expect(refused.status).toBe(403);
    expect((await orderRow(w.orderId)).status).toBe('disputed');
    expect(await moneyOf(w)).toEqual(held);
  });

  describe('when the provider refuses the refund', () => {
    const refusals = {
      rejects: async (): Promise<RefundResult> => ({ refundRef: 'refused', status: 'REJECTED' }),
      'cannot be reached': async (): Promise<RefundResult> => {
        throw new PaymentProviderError('connection refused');
      },
    };

    it.each([
      ['rejects', 'refund'],
      ['rejects', 'split'],
      ['cannot be reached', 'refund'],
      ['cannot be reached', 'split'],
    ] as const)('the provider %s a %s: 503, the dispute stays open and the escrow intact; the same decision goes through later', async (how, resolution) => {
      const w = await disputedWorld();
      const mari = await signedIn(w.s.moderator);
      const provider = t.deps.payments.provider;
      const refund = provider.refund.bind(provider);
      provider.refund = refusals[how];
      const decision = { resolution, refund: '30,00', note: 'Tagastame.' };

      const refused = await resolve(w, mari, decision);

      expect(refused.status).toBe(503);
      expect(summariesOf(refused.body)).toEqual(['Makseteenus ei vastanud. Raha ei võetud. Palun proovige mõne minuti pärast uuesti.']);
      expect(textareaValue(refused.body, 'note')).toBe('Tagastame.');
      expect((await orderRow(w.orderId)).status).toBe('disputed');
      expect(await disputesOf(w.orderId)).toMatchObject([{ status: 'open', resolution: null }]);
      expect(await moneyOf(w)).toEqual(held);
      expect(await sandboxStatusOf(w.orderId)).toBe('PAID');
      for (const user of [w.s.customer, w.s.expert]) {
        expect(await noticeCount(user.id, 'disputeResolved')).toBe(0);
        expect(await noticeCount(user.id, 'refundIssued')).toBe(0);
      }

      provider.refund = refund;
      expect((await resolve(w, mari, decision)).status).toBe(303);
      expect((await orderRow(w.orderId)).status).toBe('resolved');
      expect(await moneyOf(w)).toEqual(
        resolution === 'refund'
          ? { escrow: 0, payable: 0, fees: 0, provider: 0, total: 0, refunded: 10_000 }
          : { escrow: 0, payable: 5_950, fees: 1_050, provider: -7_000, total: 0, refunded: 3_000 },
      );
    });
  });

  it('the same split sent twice at once (a double click) refunds the customer once', async () => {
    const w = await disputedWorld();
    const mari = await signedIn(w.s.moderator);
    await mari.get(w.orderPage);
    // The first request reaches the provider, which takes its time to answer.
    const provider = t.deps.payments.provider;
    const refund = provider.refund.bind(provider);
    const firstAtProvider = deferred();
    const providerAnswers = deferred();
    let calls = 0;
    let refundedAtProvider = 0;
    provider.refund = async (input) => {
      calls += 1;
      if (calls === 1) {
        firstAtProvider.resolve();
        await providerAnswers.promise;
      }
      const result = await refund(input);
      if (result.status === 'SUCCESSFUL') refundedAtProvider += input.amountCents;
      return result;
    };
    const decision = { resolution: 'split', refund: '30,00', note: 'Tagastame 30 eurot.' };

    const first = mari.post(`${w.orderPage}/resolve`, decision);
    await firstAtProvider.promise;
    const second = await mari.post(`${w.orderPage}/resolve`, decision);
    providerAnswers.resolve();
    const answers = [(await first).status, second.status].sort();

    expect(answers).toEqual([303, 409]);
    expect(refundedAtProvider).toBe(3_000);
    expect(await moneyOf(w)).toEqual({ escrow: 0, payable: 5_950, fees: 1_050, provider: -7_000, total: 0, refunded: 3_000 });
    expect(await disputesOf(w.orderId)).toMatchObject([{ status: 'resolved', resolution: 'split', refund_cents: 3_000, release_cents: 7_000 }]);
  });
});

// ---- refunds given before the dispute ----

describe('a refund given before the dispute', () => {
  /** Staff refund 40,50 € of the 100 € first; then the customer disputes. */
  async function partlyRefundedDispute(): Promise<{ w: World; mari: Browser }> {
    const w = await paidWorld();
    const mari = await signedIn(w.s.moderator);
    const refunded = await mari.post(`${w.orderPage}/refunds`, { amount: '40,50', reason: 'Osa tööst jäi ära.' }, { formPage: w.orderPage });
    expect(refunded.status).toBe(303);
    expect((await openDispute(w, w.customer, 'Ka ülejäänu eest ei saanud ma midagi.')).status).toBe(303);
    expect(await moneyOf(w)).toEqual({ escrow: 5_950, payable: 0, fees: 0, provider: -5_950, total: 0, refunded: 4_050 });
    return { w, mari };
  }

  it('a release pays the expert only what is still held (59,50 €, less 15 %)', async () => {
    const { w, mari } = await partlyRefundedDispute();

    expect((await resolve(w, mari, { resolution: 'release', note: 'Ülejäänu eest tehti töö ära.' })).status).toBe(303);

    // The fee is feeOf(5 950, 1 500) = 893 cents.
    expect(await moneyOf(w)).toEqual({ escrow: 0, payable: 5_057, fees: 893, provider: -5_950, total: 0, refunded: 4_050 });
    expect(await disputesOf(w.orderId)).toMatchObject([{ resolution: 'release', refund_cents: 0, release_cents: 5_950 }]);
    expect((await orderRow(w.orderId)).status).toBe('accepted');
  });

  it('a full refund returns what is still held, and the customer has got everything back', async () => {
    const { w, mari } = await partlyRefundedDispute();

    expect((await resolve(w, mari, { resolution: 'refund', note: 'Tagastame ülejäänu.' })).status).toBe(303);

    expect(await moneyOf(w)).toEqual({ escrow: 0, payable: 0, fees: 0, provider: 0, total: 0, refunded: 10_000 });
    expect((await refundsOf(w.orderId)).map((r) => r.amount_cents)).toEqual([4_050, 5_950]);
    expect(await sandboxStatusOf(w.orderId)).toBe('REFUNDED');
    expect(await disputesOf(w.orderId)).toMatchObject([{ resolution: 'refund', refund_cents: 5_950, release_cents: 0 }]);
  });

  it('a split must stay below what is still held; a split of 20 € releases the other 39,50 €', async () => {
    const { w, mari } = await partlyRefundedDispute();

    for (const refund of ['59,50', '60']) {
      const refused = await resolve(w, mari, { resolution: 'split', refund, note: 'Jagame.' });
      expect(refused.status).toBe(422);
    }
    expect(await moneyOf(w)).toEqual({ escrow: 5_950, payable: 0, fees: 0, provider: -5_950, total: 0, refunded: 4_050 });

    expect((await resolve(w, mari, { resolution: 'split', refund: '20', note: 'Jagame.' })).status).toBe(303);

    // The fee is feeOf(3 950, 1 500) = 593 cents.
    expect(await moneyOf(w)).toEqual({ escrow: 0, payable: 3_357, fees: 593, provider: -3_950, total: 0, refunded: 6_050 });
    expect(await disputesOf(w.orderId)).toMatchObject([{ resolution: 'split', refund_cents: 2_000, release_cents: 3_950 }]);
  });
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
