import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autoAcceptDue } from '../../src/use-cases/fulfilment.js';
import { askQuestion } from '../../src/use-cases/inquiry-questions.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { emailsTo } from '../support/emails.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, loginAs } from '../support/factories.js';
import { actorOf, createInquiryAs, makeOfferAs } from '../support/inquiries.js';
import { type FilePart, postMultipart, samplePdf, samplePng } from '../support/multipart.js';
import { fieldError } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Fulfilment, acceptance and rating (issue 7), through the pages a customer and an expert use:
 * the winner delivers the work and marks it done, the customer accepts it (the money goes to the
 * expert less the portal's fee) or asks for changes, work nobody answers is accepted by itself,
 * the two write in the order's thread, and the customer rates the work on the expert's profile.
 */

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

const minute = 60_000;
const day = 86_400_000;
const origin = 'http://konsult.test';

// ---- reading pages ----

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The visible text of a page's main part, with Intl's non-breaking spaces as plain ones. */
function textOf(html: string): string {
  return mainText(html).replace(/[\u00a0\u202f]/g, ' ');
}

/** The headings of a page's error summaries: a refused action says why at the top of its form. */
function summariesOf(html: string): string[] {
  return [...html.matchAll(/<div class="error-summary"[^>]*><h2[^>]*>([\s\S]*?)<\/h2>/g)].map((m) => decode(m[1]!));
}

/** Every sentence a page shows about what went wrong: summaries, their lists, the messages at fields. */
function problemsOf(html: string): string[] {
  const listed = [...html.matchAll(/<div class="error-summary"[^>]*>([\s\S]*?)<\/div>/g)].flatMap((m) => [...m[1]!.matchAll(/<li[^>]*>([\s\S]*?)<\/li>/g)].map((li) => textOf(li[1]!)));
  const atFields = [...html.matchAll(/<p class="error-message"[^>]*>([\s\S]*?)<\/p>/g)].map((m) => decode(m[1]!.trim()));
  return [...summariesOf(html), ...listed, ...atFields];
}

/** The flash line a redirect leads to (the confirmation at the top of the next page). */
function flashOf(html: string): string | undefined {
  const flash = /<p class="flash"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1];
  return flash === undefined ? undefined : decode(flash.trim());
}

/** A section of the order page by its id (deliveries, thread, rating, dispute), or undefined. */
function sectionOf(html: string, id: string): string | undefined {
  return new RegExp(`<section class="card"[^>]*id="${id}">([\\s\\S]*?)</section>`).exec(html)?.[1];
}

/** The deliveries on an order page, oldest first: their text and the names of their files with the links. */
function deliveriesOf(html: string): { body: string; files: { name: string; href: string }[] }[] {
  const section = sectionOf(html, 'deliveries') ?? '';
  const list = /<ol class="messages">([\s\S]*?)<\/ol>/.exec(section)?.[1] ?? '';
  return [...list.matchAll(/<li class="message">([\s\S]*?)<\/li>\s*(?=<li class="message">|$)/g)].map((m) => ({
    body: decode(/<p class="message-body">([\s\S]*?)<\/p>/.exec(m[1]!)?.[1] ?? ''),
    files: [...m[1]!.matchAll(/<a href="([^"]+)" download[^>]*>([\s\S]*?)<\/a>/g)].map((a) => ({ href: a[1]!, name: decode(a[2]!) })),
  }));
}

/** The messages of a thread as [sender, text], oldest first. */
function messagesOf(html: string): [string, string][] {
  return [...html.matchAll(/<li class="message(?: mine)?" id="message-\d+">([\s\S]*?)<\/li>/g)].map((m) => [
    decode(/<strong>([\s\S]*?)<\/strong>/.exec(m[1]!)?.[1] ?? ''),
    decode(/<p class="message-body">([\s\S]*?)<\/p>/.exec(m[1]!)?.[1] ?? ''),
  ]);
}

function mailboxTitles(html: string): string[] {
  return [...html.matchAll(/<span class="item-title">([\s\S]*?)<\/span>/g)].map((m) => decode(m[1]!));
}

/** The names on the expert directory, in the order shown. */
function directoryNames(html: string): string[] {
  return [...html.matchAll(/<h2 class="expert-name"><a href="\/experts\/\d+">([\s\S]*?)<\/a><\/h2>/g)].map((m) => decode(m[1]!));
}

/** The rating distribution on a public profile: [stars label, count] from 5 stars down. */
function distributionOf(html: string): [string, string][] {
  const table = /<table class="rating-distribution">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => {
    const label = textOf(/<th[^>]*>([\s\S]*?)<\/th>/.exec(row[1]!)?.[1] ?? '');
    const cells = [...row[1]!.matchAll(/<td>([\s\S]*?)<\/td>/g)];
    return [label, textOf(cells.at(-1)?.[1] ?? '')];
  });
}

/** The path and query of a portal address (the payment page, the return address). */
function pathOf(url: string | undefined): string {
  if (!url) throw new Error('expected a redirect');
  const parsed = new URL(url, origin);
  if (parsed.origin !== origin) throw new Error(`left the portal: ${url}`);
  return `${parsed.pathname}${parsed.search}`;
}

// ---- reading the database ----

async function orderRow(orderId: number) {
  return t.deps.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
}

async function statusOf(orderId: number): Promise<string> {
  return (await orderRow(orderId)).status;
}

/** What an account holds: the sum of its entries. */
async function balanceOf(account: string): Promise<number> {
  const rows = await t.deps.db.selectFrom('ledger_entries').select('amount_cents').where('account', '=', account).execute();
  return rows.reduce((sum, row) => sum + row.amount_cents, 0);
}

async function ledgerTotal(): Promise<number> {
  const rows = await t.deps.db.selectFrom('ledger_entries').select('amount_cents').execute();
  return rows.reduce((sum, row) => sum + row.amount_cents, 0);
}

async function ledgerOf(orderId: number) {
  return t.deps.db.selectFrom('ledger_entries').select(['kind', 'account', 'amount_cents']).where('order_id', '=', orderId).orderBy('id').execute();
}

async function noticesOf(userId: number, kind: string) {
  return t.deps.db.selectFrom('notices').select(['kind', 'link', 'params']).where('user_id', '=', userId).where('kind', '=', kind).orderBy('id').execute();
}

async function reviewsOf(orderId: number) {
  return t.deps.db.selectFrom('reviews').select(['stars', 'comment', 'reply']).where('order_id', '=', orderId).execute();
}

async function ratingTotalsOf(expertId: number) {
  const profile = await t.deps.db
    .selectFrom('expert_profiles')
    .select(['rating_count', 'rating_sum', 'rating_distribution'])
    .where('user_id', '=', expertId)
    .executeTakeFirstOrThrow();
  return { count: profile.rating_count, sum: profile.rating_sum, distribution: JSON.parse(profile.rating_distribution) as number[] };
}

/** What a step on an order may change; a refused step leaves all of it as it was. */
async function snapshot(orderId: number) {
  const db = t.deps.db;
  const order = await orderRow(orderId);
  const conversations = await db.selectFrom('invitations').select('conversation_id').where('inquiry_id', '=', order.inquiry_id).execute();
  const ids = conversations.map((c) => c.conversation_id).filter((id): id is number => id !== null);
  return {
    order: [order.status, order.delivered_at, order.auto_accept_at, order.reminded_at, order.accepted_at, order.accepted_how],
    deliveries: (await db.selectFrom('deliveries').select('id').where('order_id', '=', orderId).execute()).length,
    deliveryFiles: (await db.selectFrom('delivery_files').innerJoin('deliveries', 'deliveries.id', 'delivery_files.delivery_id').select('file_id').where('deliveries.order_id', '=', orderId).execute()).length,
    messages: ids.length === 0 ? 0 : (await db.selectFrom('messages').select('id').where('conversation_id', 'in', ids).execute()).length,
    reviews: await reviewsOf(orderId),
    disputes: (await db.selectFrom('disputes').select('id').where('order_id', '=', orderId).execute()).length,
    ledger: await ledgerOf(orderId),
    notices: (await db.selectFrom('notices').select('id').execute()).length,
    emails: (await db.selectFrom('outbox_emails').select('id').execute()).length,
  };
}

// ---- the people and the scene ----

const inquiryTitle = 'Töölepingu ülesütlemine';

/**
 * A customer's inquiry to two experts who both offered (the winner 120,00 €, the loser 99,00 €),
 * and two people with nothing to do with it: another customer and an uninvited expert.
 */
async function scene(options: { kind?: 'consultation' | 'document'; title?: string; question?: boolean } = {}) {
  const field = await createField(t, { nameEt: 'Tööõigus', nameEn: 'Employment law' });
  const customer = await createUser(t, { name: 'Kaja Kliendike', email: 'kaja@example.ee', phone: '+372 5000 0001' });
  const winner = await createExpert(t, { name: 'Villu Võitja', email: 'villu@example.ee', phone: '+372 5000 0002', fieldIds: [field.id] });
  const loser = await createExpert(t, { name: 'Lauri Kaotaja', email: 'lauri@example.ee', fieldIds: [field.id] });
  const uninvited = await createExpert(t, { name: 'Urmas Kutsumata', email: 'urmas@example.ee', fieldIds: [field.id] });
  const otherCustomer = await createUser(t, { name: 'Tiina Teine', email: 'tiina@example.ee' });
  const moderator = await createUser(t, { name: 'Mari Moderaator', email: 'mari@example.ee', roles: ['moderator'] });
  const title = options.title ?? inquiryTitle;
  const inquiryId = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [winner.id, loser.id], title, kind: options.kind ?? 'consultation' });
  if (options.question) await askQuestion(t.deps, await actorOf(t, winner), inquiryId, { body: 'Millal leping lõpetati?', uploads: [] });
  await makeOfferAs(t, winner, inquiryId, { priceCents: 12_000 });
  await makeOfferAs(t, loser, inquiryId, { priceCents: 9_900 });
  const offerOf = async (expertId: number) =>
    (await t.deps.db.selectFrom('offers').select('id').where('inquiry_id', '=', inquiryId).where('expert_id', '=', expertId).executeTakeFirstOrThrow()).id;
  return { field, customer, winner, loser, uninvited, otherCustomer, moderator, inquiryId, title, page: `/inquiries/${inquiryId}`, winnerOffer: await offerOf(winner.id) };
}

type Scene = Awaited<ReturnType<typeof scene>>;

async function signedIn(person: { email: string; password: string }): Promise<Browser> {
  const browser = t.browser();
  await loginAs(browser, person);
  return browser;
}

/** The customer orders the winner's offer ("Telli ja maksa") and lands on the sandbox's payment page. */
async function orderWinner(s: Pick<Scene, 'page' | 'inquiryId' | 'winnerOffer'>, customer: Browser): Promise<{ orderId: number; payPage: string }> {
  const ordered = await customer.post(`${s.page}/order`, { offerId: String(s.winnerOffer) }, { formPage: s.page });
  expect(ordered.status).toBe(303);
  const payPage = pathOf(ordered.location);
  expect(payPage).toMatch(/^\/sandbox\/pay\/[0-9a-f-]{36}$/);
  const order = await t.deps.db.selectFrom('orders').select('id').where('inquiry_id', '=', s.inquiryId).orderBy('id', 'desc').executeTakeFirstOrThrow();
  return { orderId: order.id, payPage };
}

/** Pays on the sandbox's page and comes back through the return address to the order. */
async function pay(customer: Browser, orderId: number, payPage: string): Promise<Page> {
  await customer.get(payPage);
  const paid = await customer.post(payPage, { action: 'pay' });
  expect(paid.status).toBe(303);
  const back = await customer.get(pathOf(paid.location));
  expect(back.location).toBe(`/orders/${orderId}`);
  const landed = await customer.follow(back);
  expect(await statusOf(orderId)).toBe('in_progress');
  return landed;
}

/** The scene with the winner's offer ordered and paid; the customer and the winner signed in. */
async function paidOrder(options: Parameters<typeof scene>[0] = {}) {
  const s = await scene(options);
  const customer = await signedIn(s.customer);
  const { orderId, payPage } = await orderWinner(s, customer);
  await pay(customer, orderId, payPage);
  const winner = await signedIn(s.winner);
  return { ...s, orderId, orderPage: `/orders/${orderId}`, browsers: { customer, winner } };
}

type Paid = Awaited<ReturnType<typeof paidOrder>>;

// ---- the steps, as a person takes them on the order page ----

const pdf: FilePart = { name: 'arvamus.pdf', contentType: 'application/pdf', content: samplePdf('Arvamus') };
const png: FilePart = { name: 'skeem.png', contentType: 'image/png', content: samplePng() };

/** "Lisa töö": text and/or files, sent from the order page. */
async function deliver(browser: Browser, orderId: number, body: string, files: FilePart[] = []): Promise<Page> {
  await browser.get(`/orders/${orderId}`);
  return postMultipart(t.app, browser, `/orders/${orderId}/deliveries`, { fields: { body }, files });
}

/** A message in the order's thread, sent from the order page. */
async function writeOnOrder(browser: Browser, orderId: number, body: string, files: FilePart[] = []): Promise<Page> {
  await browser.get(`/orders/${orderId}`);
  return postMultipart(t.app, browser, `/orders/${orderId}/messages`, { fields: { body }, files });
}

/** A message in a mailbox conversation, sent from the conversation's page. */
async function writeInMailbox(browser: Browser, conversationId: number, body: string): Promise<Page> {
  await browser.get(`/mailbox/conversations/${conversationId}`);
  return postMultipart(t.app, browser, `/mailbox/conversations/${conversationId}`, { fields: { body } });
}

function step(browser: Browser, orderId: number, action: string, fields: Record<string, string> = {}): Promise<Page> {
  return browser.post(`/orders/${orderId}/${action}`, fields, { formPage: `/orders/${orderId}` });
}

const markDone = (browser: Browser, orderId: number) => step(browser, orderId, 'done');
const accept = (browser: Browser, orderId: number) => step(browser, orderId, 'accept');
const askForChanges = (browser: Browser, orderId: number, message: string) => step(browser, orderId, 'changes', { message });
const rate = (browser: Browser, orderId: number, fields: Record<string, string>) => step(browser, orderId, 'rating', fields);
const replyTo = (browser: Browser, orderId: number, reply: string) => step(browser, orderId, 'reply', { reply });

/** The winner delivers and marks the work done; the customer accepts it. */
async function deliveredOrder(options: Parameters<typeof scene>[0] = {}): Promise<Paid> {
  const o = await paidOrder(options);
  expect((await deliver(o.browsers.winner, o.orderId, 'Vastus teie küsimusele.', [pdf])).status).toBe(303);
  expect((await markDone(o.browsers.winner, o.orderId)).status).toBe(303);
  expect(await statusOf(o.orderId)).toBe('delivered');
  return o;
}

async function acceptedOrder(options: Parameters<typeof scene>[0] = {}): Promise<Paid> {
  const o = await deliveredOrder(options);
  expect((await accept(o.browsers.customer, o.orderId)).status).toBe(303);
  expect(await statusOf(o.orderId)).toBe('accepted');
  return o;
}

/** The refusal of a step: the status, the sentence on the re-shown page, and nothing changed. */
async function expectRefused(orderId: number, run: () => Promise<Page>, status: number, sentence?: string): Promise<Page> {
  const before = await snapshot(orderId);
  const page = await run();
  expect(page.status).toBe(status);
  if (sentence !== undefined) expect(problemsOf(page.body)).toContain(sentence);
  expect(await snapshot(orderId)).toEqual(before);
  return page;
}

// ---- deliveries ----

describe('the winner delivers the work', () => {
  it('several deliveries, text and files, are each kept and shown to the customer with their files to download', async () => {
    const o = await paidOrder();
    const first = await deliver(o.browsers.winner, o.orderId, 'Esimene osa: õiguslik hinnang.');
    expect(first.status).toBe(303);
    expect(first.location).toBe(`/orders/${o.orderId}#deliveries`);
    expect(flashOf((await o.browsers.winner.follow(first)).body)).toBe('Töö on lisatud ja tellijale on teatatud.');
    expect((await deliver(o.browsers.winner, o.orderId, 'Teine osa: kirjalik arvamus ja skeem.', [pdf, png])).status).toBe(303);
    expect((await deliver(o.browsers.winner, o.orderId, '', [{ ...pdf, name: 'lisa.pdf' }])).status).toBe(303);
    expect(await statusOf(o.orderId)).toBe('in_progress');

    const page = await o.browsers.customer.get(o.orderPage);
    const shown = deliveriesOf(page.body);
    expect(shown.map((d) => [d.body, d.files.map((f) => f.name)])).toEqual([
      ['Esimene osa: õiguslik hinnang.', []],
      ['Teine osa: kirjalik arvamus ja skeem.', ['arvamus.pdf', 'skeem.png']],
      ['', ['lisa.pdf']],
    ]);
    // Each file downloads as an attachment, exactly as it was sent.
    const [arvamus, skeem] = shown[1]!.files;
    expect(arvamus!.href).toMatch(new RegExp(`^/orders/${o.orderId}/files/\\d+$`));
    for (const [link, file] of [
      [arvamus!, pdf],
      [skeem!, png],
    ] as const) {
      const download = await o.browsers.customer.get(link.href);
      expect(download.status).toBe(200);
      expect(String(download.headers['content-disposition'])).toMatch(/^attachment;/);
      expect(String(download.headers['content-disposition'])).toContain(file.name);
      expect(download.response.rawPayload.equals(file.content)).toBe(true);
    }
    // The winner sees the same deliveries.
    expect(deliveriesOf((await o.browsers.winner.get(o.orderPage)).body)).toEqual(shown);
  });

  it('a delivery’s text is shown as text: markup in it is not run', async () => {
    const o = await paidOrder();
    const body = '<b>Paks</b> <script>alert(1)</script> <img src=x onerror=alert(2)>';
    expect((await deliver(o.browsers.winner, o.orderId, body)).status).toBe(303);
    const page = await o.browsers.customer.get(o.orderPage);
    expect(deliveriesOf(page.body).map((d) => d.body)).toEqual([body]);
    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).not.toContain('<img src=x');
  });

  it('the customer is told of each delivery in the mailbox and by e-mail, with a link to the order', async () => {
    const o = await paidOrder();
    const emailsBefore = (await emailsTo(t, o.customer.email)).length;
    await deliver(o.browsers.winner, o.orderId, 'Esimene osa.');
    await deliver(o.browsers.winner, o.orderId, 'Teine osa.', [pdf]);

    const notices = await noticesOf(o.customer.id, 'deliveryAdded');
    expect(notices.map((n) => n.link)).toEqual([o.orderPage, o.orderPage]);
    const emails = (await emailsTo(t, o.customer.email)).slice(emailsBefore);
    expect(emails.map((e) => e.subject)).toEqual([`Ekspert lisas töö: ${inquiryTitle}`, `Ekspert lisas töö: ${inquiryTitle}`]);
    expect(emails[0]!.text_body).toContain(`${origin}${o.orderPage}`);
    expect(mailboxTitles((await o.browsers.customer.get('/mailbox')).body)).toContain(`Ekspert lisas töö: ${inquiryTitle}`);
  });

  it('a delivered file is 404 for the losing expert, another customer and an uninvited expert, and under another order', async () => {
    const o = await paidOrder();
    await deliver(o.browsers.winner, o.orderId, 'Arvamus.', [pdf]);
    const href = deliveriesOf((await o.browsers.customer.get(o.orderPage)).body)[0]!.files[0]!.href;
    const fileId = Number(href.split('/').at(-1));

    for (const person of [o.loser, o.otherCustomer, o.uninvited]) {
      const browser = await signedIn(person);
      const page = await browser.get(href);
      expect(page.status, person.name).toBe(404);
      expect(page.body).not.toContain('Arvamus');
      expect(page.headers['content-disposition']).toBeUndefined();
    }
    // Another order of the same customer: the file does not belong to it.
    const otherInquiry = await createInquiryAs(t, o.customer, { fieldId: o.field.id, expertIds: [o.uninvited.id], title: 'Teine tellimus' });
    await makeOfferAs(t, o.uninvited, otherInquiry);
    const offer = await t.deps.db.selectFrom('offers').select('id').where('inquiry_id', '=', otherInquiry).executeTakeFirstOrThrow();
    const next = await orderWinner({ page: `/inquiries/${otherInquiry}`, inquiryId: otherInquiry, winnerOffer: offer.id }, o.browsers.customer);
    expect((await o.browsers.customer.get(`/orders/${next.orderId}/files/${fileId}`)).status).toBe(404);
    expect((await o.browsers.customer.get(`/orders/${o.orderId}/files/${fileId + 1000}`)).status).toBe(404);
    // A moderator may open it (disputes); an anonymous visitor is sent to sign in.
    expect((await (await signedIn(o.moderator)).get(href)).status).toBe(200);
    const anonymous = await t.browser().get(href);
    expect(anonymous.status).toBe(303);
    expect(anonymous.location).toMatch(/^\/login\?next=/);
  });

  it('a file sent in the order’s thread is not served as a delivery file', async () => {
    const o = await paidOrder();
    expect((await writeOnOrder(o.browsers.customer, o.orderId, 'Lisan lepingu.', [{ ...pdf, name: 'leping.pdf' }])).status).toBe(303);
    const file = await t.deps.db.selectFrom('files').select('id').where('original_name', '=', 'leping.pdf').executeTakeFirstOrThrow();
    expect((await o.browsers.winner.get(`/orders/${o.orderId}/files/${file.id}`)).status).toBe(404);
  });

  it('a document order’s delivery without a file is refused with 422 and says the document must be a file; with the file it is kept', async () => {
    const o = await paidOrder({ kind: 'document' });
    const refused = await expectRefused(o.orderId, () => deliver(o.browsers.winner, o.orderId, 'Dokument on valmis.'), 422, 'Dokumendi tellimuse puhul lisage dokument failina.');
    expect(fieldError(refused.body, 'delivery-files')).toBe('Dokumendi tellimuse puhul lisage dokument failina.');
    // What the expert wrote is kept in the form.
    expect(refused.body).toContain('Dokument on valmis.</textarea>');

    const kept = await deliver(o.browsers.winner, o.orderId, 'Dokument on valmis.', [{ ...pdf, name: 'leping.pdf' }]);
    expect(kept.status).toBe(303);
    expect(deliveriesOf((await o.browsers.customer.get(o.orderPage)).body).map((d) => d.files.map((f) => f.name))).toEqual([['leping.pdf']]);
  });

  it('an empty delivery (no text, no file) is refused with 422 and nothing is kept', async () => {
    const o = await paidOrder();
    await expectRefused(o.orderId, () => deliver(o.browsers.winner, o.orderId, '   '), 422);
  });

  it('marking the work done without a delivery is refused with 422 and a sentence, and the order stays in progress', async () => {
    const o = await paidOrder();
    await expectRefused(o.orderId, () => markDone(o.browsers.winner, o.orderId), 422, 'Lisage enne valmis märkimist töö.');
    expect(await statusOf(o.orderId)).toBe('in_progress');
  });

  it('marking the work done delivers the order; the customer is told in the mailbox and by e-mail with a link to the order, and is asked to review it', async () => {
    const o = await paidOrder();
    await deliver(o.browsers.winner, o.orderId, 'Vastus.', [pdf]);
    const emailsBefore = (await emailsTo(t, o.customer.email)).length;

    const done = await markDone(o.browsers.winner, o.orderId);

    expect(done.status).toBe(303);
    expect(done.location).toBe(o.orderPage);
    expect(flashOf((await o.browsers.winner.follow(done)).body)).toBe('Töö on märgitud valmis ja tellijale on teatatud.');
    const row = await orderRow(o.orderId);
    expect(row.status).toBe('delivered');
    expect(Date.parse(row.auto_accept_at!) - Date.parse(row.delivered_at!)).toBe(14 * day);
    expect((await noticesOf(o.customer.id, 'workDone')).map((n) => n.link)).toEqual([o.orderPage]);
    const emails = (await emailsTo(t, o.customer.email)).slice(emailsBefore);
    expect(emails.map((e) => e.subject)).toEqual([`Töö on valmis: ${inquiryTitle}`]);
    expect(emails[0]!.text_body).toContain(`${origin}${o.orderPage}`);
    expect(mailboxTitles((await o.browsers.customer.get('/mailbox')).body)).toContain(`Töö on valmis: ${inquiryTitle}`);

    const customersPage = await o.browsers.customer.get(o.orderPage);
    expect(textOf(customersPage.body)).toContain('Vaadake töö üle');
    expect(customersPage.body).toContain(`action="/orders/${o.orderId}/accept"`);
    expect(customersPage.body).toContain(`action="/orders/${o.orderId}/changes"`);
    expect(textOf(customersPage.body)).toMatch(/Kui te midagi ei tee, loetakse töö vastuvõetuks \d/);
    // The expert can no longer add to it, and waits.
    const winnersPage = await o.browsers.winner.get(o.orderPage);
    expect(winnersPage.body).not.toContain(`action="/orders/${o.orderId}/deliveries"`);
    expect(textOf(winnersPage.body)).toContain('Töö on märgitud valmis ja ootab tellija vastuvõtmist.');
  });
});

// ---- acceptance and changes ----

describe('the customer accepts the work or asks for changes', () => {
  it('accepting releases the money: the expert is owed the amount less 15 %, the portal keeps the fee, the escrow is empty and the ledger sums to 0; the expert is told', async () => {
    const o = await deliveredOrder();
    const emailsBefore = (await emailsTo(t, o.winner.email)).length;

    const accepted = await accept(o.browsers.customer, o.orderId);

    expect(accepted.status).toBe(303);
    expect(accepted.location).toBe(o.orderPage);
    expect(flashOf((await o.browsers.customer.follow(accepted)).body)).toBe('Töö on vastu võetud. Aitäh! Soovi korral andke ka hinnang.');
    const row = await orderRow(o.orderId);
    expect([row.status, row.accepted_how]).toEqual(['accepted', 'customer']);
    expect(row.accepted_at).not.toBeNull();
    expect(await ledgerOf(o.orderId)).toEqual([
      { kind: 'payment', account: 'provider', amount_cents: -12_000 },
      { kind: 'payment', account: `escrow:order:${o.orderId}`, amount_cents: 12_000 },
      { kind: 'release', account: `escrow:order:${o.orderId}`, amount_cents: -12_000 },
      { kind: 'release', account: `payable:expert:${o.winner.id}`, amount_cents: 10_200 },
      { kind: 'release', account: 'fees', amount_cents: 1_800 },
    ]);
    expect(await balanceOf(`escrow:order:${o.orderId}`)).toBe(0);
    expect(await ledgerTotal()).toBe(0);
    expect((await noticesOf(o.winner.id, 'workAccepted')).map((n) => n.link)).toEqual([o.orderPage]);
    expect((await emailsTo(t, o.winner.email)).slice(emailsBefore).map((e) => e.subject)).toEqual([`Töö võeti vastu: ${inquiryTitle}`]);
    // The customer is now offered to rate the work.
    const page = await o.browsers.customer.get(o.orderPage);
    expect(page.body).toContain(`action="/orders/${o.orderId}/rating"`);
    expect(page.body).not.toContain(`action="/orders/${o.orderId}/accept"`);
  });

  it('two accepts at once (a double click) and the automatic acceptance at the same moment release the money once', async () => {
    const o = await deliveredOrder();
    t.clock.set(new Date(Date.parse((await orderRow(o.orderId)).auto_accept_at!) + minute));
    // The clock moved past the automatic acceptance: sign in again on both.
    const [a, b] = [await signedIn(o.customer), await signedIn(o.customer)];
    await a.get(o.orderPage);
    await b.get(o.orderPage);

    const [first, other, sweep] = await Promise.all([a.post(`/orders/${o.orderId}/accept`, {}), b.post(`/orders/${o.orderId}/accept`, {}), autoAcceptDue(t.deps)]);

    const statuses = [first.status, other.status].sort();
    expect(statuses.filter((status) => status === 303).length + sweep.accepted).toBe(1);
    for (const status of statuses) expect([303, 409]).toContain(status);
    expect(await statusOf(o.orderId)).toBe('accepted');
    expect((await ledgerOf(o.orderId)).filter((entry) => entry.kind === 'release').length).toBe(3);
    expect(await balanceOf(`payable:expert:${o.winner.id}`)).toBe(10_200);
    expect(await ledgerTotal()).toBe(0);
  });

  it('the admin ledger shows what the expert is owed and the portal’s fee once the work is accepted', async () => {
    const o = await acceptedOrder();
    const admin = await signedIn(await createUser(t, { roles: ['admin'] }));
    const page = textOf((await admin.get('/admin/ledger')).body);
    expect(page).toContain('Kõigi kannete summa 0,00 €');
    expect(page).toContain('Portaali tasud 18,00 €');
    expect(page).toContain(`payable:expert:${o.winner.id} 102,00 €`);
    // Nothing is held for the order any more.
    expect(page).not.toContain(`Tellimus nr ${o.orderId} 120,00 €`);
  });

  it('asking for changes sends the order back in progress with the message in the order’s thread, the expert is told; the expert delivers again, marks it done again, and the customer accepts', async () => {
    const o = await deliveredOrder();
    const request = 'Palun lisage ka etteteatamise tähtaja arvutus.';
    const emailsBefore = (await emailsTo(t, o.winner.email)).length;

    const sent = await askForChanges(o.browsers.customer, o.orderId, request);

    expect(sent.status).toBe(303);
    expect(flashOf((await o.browsers.customer.follow(sent)).body)).toBe('Muudatuste palve on eksperdile saadetud.');
    const row = await orderRow(o.orderId);
    expect([row.status, row.auto_accept_at, row.reminded_at]).toEqual(['in_progress', null, null]);
    const winnersPage = await o.browsers.winner.get(o.orderPage);
    expect(messagesOf(sectionOf(winnersPage.body, 'thread') ?? '')).toEqual([[o.customer.name, request]]);
    expect(messagesOf(sectionOf((await o.browsers.customer.get(o.orderPage)).body, 'thread') ?? '')).toEqual([['Teie', request]]);
    expect((await noticesOf(o.winner.id, 'changesRequested')).map((n) => n.link)).toEqual([o.orderPage]);
    const emails = (await emailsTo(t, o.winner.email)).slice(emailsBefore);
    expect(emails.map((e) => e.subject)).toContain(`Tellija palub muudatusi: ${inquiryTitle}`);
    expect(emails.find((e) => e.subject.startsWith('Tellija palub muudatusi'))!.text_body).toContain(request);
    // Nothing was released.
    expect(await balanceOf(`escrow:order:${o.orderId}`)).toBe(12_000);

    // The expert adds to the work and marks it done again; the earlier delivery stays.
    expect(winnersPage.body).toContain(`action="/orders/${o.orderId}/deliveries"`);
    expect((await deliver(o.browsers.winner, o.orderId, 'Lisatud tähtaja arvutus.')).status).toBe(303);
    expect((await markDone(o.browsers.winner, o.orderId)).status).toBe(303);
    expect(await statusOf(o.orderId)).toBe('delivered');
    expect((await noticesOf(o.customer.id, 'workDone')).length).toBe(2);
    expect(deliveriesOf((await o.browsers.customer.get(o.orderPage)).body).map((d) => d.body)).toEqual(['Vastus teie küsimusele.', 'Lisatud tähtaja arvutus.']);

    expect((await accept(o.browsers.customer, o.orderId)).status).toBe(303);
    expect(await statusOf(o.orderId)).toBe('accepted');
    expect(await balanceOf(`payable:expert:${o.winner.id}`)).toBe(10_200);
    expect(await ledgerTotal()).toBe(0);
  });

  it('asking for changes without a message is refused with 422 and the work stays delivered', async () => {
    const o = await deliveredOrder();
    const page = await expectRefused(o.orderId, () => askForChanges(o.browsers.customer, o.orderId, '  '), 422);
    expect(fieldError(page.body, 'message')).toBeDefined();
    expect(await statusOf(o.orderId)).toBe('delivered');
  });
});

// ---- automatic acceptance ----

describe('work the customer does not answer is accepted by itself', () => {
  /** Moves the test clock to a moment relative to when the work was marked done. */
  function moveTo(delivered: string, offsetMs: number): void {
    t.clock.set(new Date(Date.parse(delivered) + offsetMs));
  }

  it('after AUTO_ACCEPT_DAYS (14): the customer is reminded once two days before, then the work is accepted, the money released and both told', async () => {
    const o = await deliveredOrder();
    const delivered = (await orderRow(o.orderId)).delivered_at!;
    const emailsBefore = (await emailsTo(t, o.customer.email)).length;

    moveTo(delivered, 11 * day);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 0 });

    moveTo(delivered, 12 * day + minute);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 1 });
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 0 });
    moveTo(delivered, 13 * day);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 0 });
    expect((await noticesOf(o.customer.id, 'autoAcceptReminder')).map((n) => n.link)).toEqual([o.orderPage]);
    expect((await emailsTo(t, o.customer.email)).slice(emailsBefore).map((e) => e.subject)).toEqual([`Meeldetuletus: vaadake töö üle – ${inquiryTitle}`]);
    expect(await statusOf(o.orderId)).toBe('delivered');

    moveTo(delivered, 14 * day - minute);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 0 });
    expect(await statusOf(o.orderId)).toBe('delivered');

    moveTo(delivered, 14 * day + minute);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 1, reminded: 0 });
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 0 });

    const row = await orderRow(o.orderId);
    expect([row.status, row.accepted_how]).toEqual(['accepted', 'automatic']);
    expect(await balanceOf(`escrow:order:${o.orderId}`)).toBe(0);
    expect(await balanceOf(`payable:expert:${o.winner.id}`)).toBe(10_200);
    expect(await balanceOf('fees')).toBe(1_800);
    expect(await ledgerTotal()).toBe(0);
    for (const person of [o.customer, o.winner]) {
      expect((await noticesOf(person.id, 'autoAccepted')).map((n) => n.link), person.name).toEqual([o.orderPage]);
      expect((await emailsTo(t, person.email)).filter((e) => e.subject === `Töö loeti vastuvõetuks: ${inquiryTitle}`).length, person.name).toBe(1);
    }
    // The customer (signed in again: two weeks have passed) may rate it like work they accepted themselves.
    expect((await rate(await signedIn(o.customer), o.orderId, { stars: '4', comment: '' })).status).toBe(303);
  });

  it('honours AUTO_ACCEPT_DAYS=3', async () => {
    await t.close();
    t = await createTestApp({ env: { AUTO_ACCEPT_DAYS: '3' } });
    const o = await deliveredOrder();
    const row = await orderRow(o.orderId);
    expect(Date.parse(row.auto_accept_at!) - Date.parse(row.delivered_at!)).toBe(3 * day);

    moveTo(row.delivered_at!, 3 * day - minute);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 1 });
    expect(await statusOf(o.orderId)).toBe('delivered');
    moveTo(row.delivered_at!, 3 * day + minute);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 1, reminded: 0 });
    expect((await orderRow(o.orderId)).accepted_how).toBe('automatic');
    expect(await balanceOf(`payable:expert:${o.winner.id}`)).toBe(10_200);
  });

  it('asking for changes stops the clock; marking done again starts it anew with a new reminder', async () => {
    const o = await deliveredOrder();
    const first = (await orderRow(o.orderId)).delivered_at!;
    moveTo(first, 12 * day + minute);
    expect((await autoAcceptDue(t.deps)).reminded).toBe(1);
    expect((await askForChanges(await signedIn(o.customer), o.orderId, 'Palun täiendage.')).status).toBe(303);

    moveTo(first, 20 * day);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 0 });
    expect(await statusOf(o.orderId)).toBe('in_progress');

    expect((await markDone(await signedIn(o.winner), o.orderId)).status).toBe(303);
    const second = (await orderRow(o.orderId)).delivered_at!;
    moveTo(second, 12 * day + minute);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 1 });
    moveTo(second, 14 * day + minute);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 1, reminded: 0 });
    expect((await noticesOf(o.customer.id, 'autoAcceptReminder')).length).toBe(2);
  });

  it('work the customer accepted is not accepted again, and money is released once', async () => {
    const o = await acceptedOrder();
    const delivered = (await orderRow(o.orderId)).delivered_at!;
    const before = await snapshot(o.orderId);
    moveTo(delivered, 30 * day);
    expect(await autoAcceptDue(t.deps)).toEqual({ accepted: 0, reminded: 0 });
    expect(await snapshot(o.orderId)).toEqual(before);
    expect((await orderRow(o.orderId)).accepted_how).toBe('customer');
  });
});

// ---- the order's thread ----

describe('the order’s thread', () => {
  it('both parties write from the order page and from the mailbox, with files; each sees the other’s real name', async () => {
    const o = await paidOrder({ question: true });
    const question = 'Millal leping lõpetati?';
    expect((await writeOnOrder(o.browsers.customer, o.orderId, 'Lisan lepingu koopia.', [{ ...pdf, name: 'leping.pdf' }])).status).toBe(303);
    const invitation = await t.deps.db.selectFrom('invitations').select('conversation_id').where('inquiry_id', '=', o.inquiryId).where('expert_id', '=', o.winner.id).executeTakeFirstOrThrow();
    const conversation = invitation.conversation_id!;
    const fromMailbox = await writeInMailbox(o.browsers.winner, conversation, 'Aitäh, vaatan üle.');
    expect(fromMailbox.status).toBe(303);
    expect(fromMailbox.location).toBe(`/mailbox/conversations/${conversation}`);
    expect((await writeInMailbox(o.browsers.customer, conversation, 'Ootan vastust.')).status).toBe(303);
    expect((await writeOnOrder(o.browsers.winner, o.orderId, 'Vastus tuleb homme.')).status).toBe(303);

    const winnersView: [string, string][] = [
      ['Teie', question],
      [o.customer.name, 'Lisan lepingu koopia.'],
      ['Teie', 'Aitäh, vaatan üle.'],
      [o.customer.name, 'Ootan vastust.'],
      ['Teie', 'Vastus tuleb homme.'],
    ];
    const customersView = winnersView.map(([who, text]): [string, string] => [who === 'Teie' ? o.winner.name : 'Teie', text]);
    const winnersOrder = await o.browsers.winner.get(o.orderPage);
    expect(messagesOf(sectionOf(winnersOrder.body, 'thread') ?? '')).toEqual(winnersView);
    expect(messagesOf((await o.browsers.winner.get(`/mailbox/conversations/${conversation}`)).body)).toEqual(winnersView);
    expect(messagesOf(sectionOf((await o.browsers.customer.get(o.orderPage)).body, 'thread') ?? '')).toEqual(customersView);
    expect(messagesOf((await o.browsers.customer.get(`/mailbox/conversations/${conversation}`)).body)).toEqual(customersView);
    expect(textOf(winnersOrder.body)).not.toContain('Tellija Millal');
    // The customer's file reaches the expert.
    const link = /<a href="(\/files\/\d+)" download[^>]*>leping\.pdf<\/a>/.exec(winnersOrder.body)?.[1];
    expect(link).toBeDefined();
    expect((await o.browsers.winner.get(link!)).status).toBe(200);
  });

  it('an order without a question thread gets one on its first message, with real names', async () => {
    const o = await paidOrder();
    const sent = await writeOnOrder(o.browsers.winner, o.orderId, 'Tere! Kas teil on lepingu koopia?');
    expect(sent.status).toBe(303);
    expect(sent.location).toBe(`/orders/${o.orderId}#thread`);
    expect((await writeOnOrder(o.browsers.customer, o.orderId, 'Jah, saadan.')).status).toBe(303);
    expect(messagesOf(sectionOf((await o.browsers.customer.get(o.orderPage)).body, 'thread') ?? '')).toEqual([
      [o.winner.name, 'Tere! Kas teil on lepingu koopia?'],
      ['Teie', 'Jah, saadan.'],
    ]);
    expect(messagesOf(sectionOf((await o.browsers.winner.get(o.orderPage)).body, 'thread') ?? '')).toEqual([
      ['Teie', 'Tere! Kas teil on lepingu koopia?'],
      [o.customer.name, 'Jah, saadan.'],
    ]);
  });

  it('outsiders get 404 writing in it, from the order page or the mailbox, and nothing is written', async () => {
    const o = await paidOrder({ question: true });
    const conversation = (await t.deps.db.selectFrom('invitations').select('conversation_id').where('inquiry_id', '=', o.inquiryId).where('expert_id', '=', o.winner.id).executeTakeFirstOrThrow()).conversation_id!;
    for (const person of [o.loser, o.otherCustomer, o.uninvited]) {
      const browser = await signedIn(person);
      await browser.get('/mailbox');
      const before = await snapshot(o.orderId);
      const onOrder = await postMultipart(t.app, browser, `/orders/${o.orderId}/messages`, { fields: { body: 'Võõras kirjutab.' } });
      expect(onOrder.status, person.name).toBe(404);
      const inMailbox = await postMultipart(t.app, browser, `/mailbox/conversations/${conversation}`, { fields: { body: 'Võõras kirjutab.' } });
      expect(inMailbox.status, person.name).toBe(404);
      expect(await snapshot(o.orderId)).toEqual(before);
    }
  });

  it('before payment neither party can write in the order’s thread (409)', async () => {
    const s = await scene();
    const customer = await signedIn(s.customer);
    const { orderId } = await orderWinner(s, customer);
    await expectRefused(orderId, () => writeOnOrder(customer, orderId, 'Kas saate alustada?'), 409, 'Tellimus ootab veel makset.');
    const winner = await signedIn(s.winner);
    await expectRefused(orderId, () => writeOnOrder(winner, orderId, 'Alustan kohe.'), 409, 'Tellimus ootab veel makset.');
  });
});

// ---- rating ----

/** The ratings part of the public profile as text. */
function ratingsText(html: string): string {
  return textOf(/<section aria-labelledby="ratings-title">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '');
}

describe('rating the work', () => {
  it('is refused before the work is accepted, with a sentence saying that only accepted work can be rated', async () => {
    const o = await paidOrder();
    const inProgress = await expectRefused(o.orderId, () => rate(o.browsers.customer, o.orderId, { stars: '5', comment: 'Tubli!' }), 409);
    await deliver(o.browsers.winner, o.orderId, 'Vastus.');
    await markDone(o.browsers.winner, o.orderId);
    const delivered = await expectRefused(o.orderId, () => rate(o.browsers.customer, o.orderId, { stars: '5', comment: 'Tubli!' }), 409);
    for (const page of [inProgress, delivered]) {
      const [sentence] = summariesOf(page.body);
      // A sentence about rating, not one about the order's payment or the expert's progress.
      expect(sentence).toMatch(/hinna/i);
    }
    expect(await ratingTotalsOf(o.winner.id)).toEqual({ count: 0, sum: 0, distribution: [0, 0, 0, 0, 0] });
  });

  it.each([
    ['0', { stars: '0' }],
    ['6', { stars: '6' }],
    ['abc', { stars: 'abc' }],
    ['2.5', { stars: '2.5' }],
    ['-1', { stars: '-1' }],
    ['empty', { stars: '' }],
    ['missing', {}],
  ])('with stars “%s” is refused with 422 asking for 1 to 5 stars, and nothing is saved', async (_name, fields) => {
    const o = await acceptedOrder();
    const page = await expectRefused(o.orderId, () => rate(o.browsers.customer, o.orderId, { ...fields, comment: 'Kommentaar jääb alles.' }), 422);
    expect(problemsOf(page.body)).toContain('Valige 1 kuni 5 tärni.');
    expect(page.body).toContain('Kommentaar jääb alles.</textarea>');
    expect(await ratingTotalsOf(o.winner.id)).toEqual({ count: 0, sum: 0, distribution: [0, 0, 0, 0, 0] });
  });

  it('1 to 5 stars with a comment are saved; the expert is told, and the public profile shows the average, the count, the distribution and the review', async () => {
    const o = await acceptedOrder();
    const rated = await rate(o.browsers.customer, o.orderId, { stars: '4', comment: 'Põhjalik ja kiire vastus.' });
    expect(rated.status).toBe(303);
    expect(rated.location).toBe(`/orders/${o.orderId}#rating`);
    expect(flashOf((await o.browsers.customer.follow(rated)).body)).toBe('Hinnang on salvestatud.');
    expect(await reviewsOf(o.orderId)).toEqual([{ stars: 4, comment: 'Põhjalik ja kiire vastus.', reply: null }]);
    expect((await noticesOf(o.winner.id, 'newReview')).map((n) => n.link)).toEqual([`${o.orderPage}#rating`]);

    const profile = await t.browser().get(`/experts/${o.winner.id}`);
    expect(profile.status).toBe(200);
    const ratings = ratingsText(profile.body);
    expect(ratings).toContain('Keskmine hinnang 4,0 viiest (1 hinnang)');
    expect(distributionOf(profile.body)).toEqual([
      ['5 tärni', '0'],
      ['4 tärni', '1'],
      ['3 tärni', '0'],
      ['2 tärni', '0'],
      ['1 tärn', '0'],
    ]);
    expect(ratings).toContain('4 tärni');
    expect(ratings).toContain('Põhjalik ja kiire vastus.');
    // The customer is not named on the public profile.
    expect(profile.body).not.toContain(o.customer.name);
    expect(profile.body).not.toContain('Kliendike');
  });

  it('the expert publishes one reply, shown under the review on the profile; a second reply is refused with 409', async () => {
    const o = await acceptedOrder();
    // No rating yet: nothing to reply to.
    await expectRefused(o.orderId, () => replyTo(o.browsers.winner, o.orderId, 'Aitäh!'), 409, 'Sellel tellimusel ei ole hinnangut.');
    await rate(o.browsers.customer, o.orderId, { stars: '5', comment: 'Suurepärane.' });
    const emailsBefore = (await emailsTo(t, o.customer.email)).length;

    const replied = await replyTo(o.browsers.winner, o.orderId, 'Aitäh, oli meeldiv koostöö.');

    expect(replied.status).toBe(303);
    expect(flashOf((await o.browsers.winner.follow(replied)).body)).toBe('Vastus on avaldatud.');
    expect((await emailsTo(t, o.customer.email)).slice(emailsBefore).map((e) => e.subject)).toEqual([`Ekspert vastas teie hinnangule: ${inquiryTitle}`]);
    const profile = await t.browser().get(`/experts/${o.winner.id}`);
    expect(ratingsText(profile.body)).toContain('Suurepärane. Eksperdi vastus: Aitäh, oli meeldiv koostöö.');

    const again = await expectRefused(o.orderId, () => replyTo(o.browsers.winner, o.orderId, 'Veel üks vastus.'), 409, 'Olete sellele hinnangule juba vastanud.');
    expect(again.body).not.toContain(`action="/orders/${o.orderId}/reply"`);
    expect((await reviewsOf(o.orderId))[0]!.reply).toBe('Aitäh, oli meeldiv koostöö.');
  });

  it('a second rating within 7 days changes the first: one review, the totals adjusted, not doubled', async () => {
    const o = await acceptedOrder();
    expect((await rate(o.browsers.customer, o.orderId, { stars: '2', comment: 'Hiline.' })).status).toBe(303);
    t.clock.set(new Date(t.clock.now().getTime() + 7 * day - minute));
    const customer = await signedIn(o.customer);
    const page = await customer.get(o.orderPage);
    expect(page.body).toContain(`action="/orders/${o.orderId}/rating"`);
    expect(page.body).toContain('value="2" checked');

    expect((await rate(customer, o.orderId, { stars: '5', comment: 'Tegelikult väga hea.' })).status).toBe(303);

    expect(await reviewsOf(o.orderId)).toEqual([{ stars: 5, comment: 'Tegelikult väga hea.', reply: null }]);
    expect(await ratingTotalsOf(o.winner.id)).toEqual({ count: 1, sum: 5, distribution: [0, 0, 0, 0, 1] });
    const profile = await t.browser().get(`/experts/${o.winner.id}`);
    expect(ratingsText(profile.body)).toContain('Keskmine hinnang 5,0 viiest (1 hinnang)');
    expect(ratingsText(profile.body)).not.toContain('Hiline.');
    // The expert was told of the rating once, not of each change.
    expect((await noticesOf(o.winner.id, 'newReview')).length).toBe(1);
  });

  it('after 7 days the rating can no longer be changed (409) and the form is gone', async () => {
    const o = await acceptedOrder();
    await rate(o.browsers.customer, o.orderId, { stars: '3', comment: 'Keskmine.' });
    t.clock.set(new Date(t.clock.now().getTime() + 7 * day + minute));
    const customer = await signedIn(o.customer);

    const page = await expectRefused(o.orderId, () => rate(customer, o.orderId, { stars: '5', comment: 'Muudan meelt.' }), 409, 'Hinnangut saab muuta ainult 7 päeva jooksul.');
    expect(page.body).not.toContain(`action="/orders/${o.orderId}/rating"`);
    expect(await ratingTotalsOf(o.winner.id)).toEqual({ count: 1, sum: 3, distribution: [0, 0, 1, 0, 0] });
    // The expert may still reply.
    expect((await replyTo(await signedIn(o.winner), o.orderId, 'Aitäh tagasiside eest.')).status).toBe(303);
  });

  it('three orders rated 5, 4 and 3: the profile shows 4,0 from 3 ratings, and the directory ordered by rating places the expert by it', async () => {
    const first = await acceptedOrder();
    const ratingsBy = [5, 4, 3];
    await rate(first.browsers.customer, first.orderId, { stars: String(ratingsBy[0]), comment: '' });
    // Two more customers order from the same expert.
    for (const [index, stars] of ratingsBy.slice(1).entries()) {
      const customer = await createUser(t, { name: `Klient ${index + 2}`, email: `klient${index + 2}@example.ee` });
      const inquiryId = await createInquiryAs(t, customer, { fieldId: first.field.id, expertIds: [first.winner.id], title: `Päring ${index + 2}` });
      await makeOfferAs(t, first.winner, inquiryId, { priceCents: 5_000 });
      const offer = await t.deps.db.selectFrom('offers').select('id').where('inquiry_id', '=', inquiryId).executeTakeFirstOrThrow();
      const browser = await signedIn(customer);
      const { orderId, payPage } = await orderWinner({ page: `/inquiries/${inquiryId}`, inquiryId, winnerOffer: offer.id }, browser);
      await pay(browser, orderId, payPage);
      expect((await deliver(first.browsers.winner, orderId, 'Vastus.')).status).toBe(303);
      expect((await markDone(first.browsers.winner, orderId)).status).toBe(303);
      expect((await accept(browser, orderId)).status).toBe(303);
      expect((await rate(browser, orderId, { stars: String(stars), comment: '' })).status).toBe(303);
    }
    expect(await ratingTotalsOf(first.winner.id)).toEqual({ count: 3, sum: 12, distribution: [0, 0, 1, 1, 1] });

    const profile = await t.browser().get(`/experts/${first.winner.id}`);
    expect(ratingsText(profile.body)).toContain('Keskmine hinnang 4,0 viiest (3 hinnangut)');
    expect(textOf(profile.body)).toContain('4,0 (3 hinnangut)');
    expect(distributionOf(profile.body).map(([, count]) => count)).toEqual(['1', '1', '1', '0', '0']);

    // Two experts rated 4,5 and 3,5 in the same field.
    await createExpert(t, { name: 'Kõrge Hinnang', fieldIds: [first.field.id], ratings: [5, 4] });
    await createExpert(t, { name: 'Madal Hinnang', fieldIds: [first.field.id], ratings: [4, 3] });
    const directory = await t.browser().get('/experts?sort=rating');
    expect(directory.status).toBe(200);
    const rated = directoryNames(directory.body).filter((name) => ['Kõrge Hinnang', first.winner.name, 'Madal Hinnang'].includes(name));
    expect(rated).toEqual(['Kõrge Hinnang', first.winner.name, 'Madal Hinnang']);
  });

  it('two ratings sent at once leave one review, counted once in the expert’s totals', async () => {
    const o = await acceptedOrder();
    const second = await signedIn(o.customer);
    await o.browsers.customer.get(o.orderPage);
    await second.get(o.orderPage);

    const pages = await Promise.all([
      o.browsers.customer.post(`/orders/${o.orderId}/rating`, { stars: '5', comment: 'Esimene' }),
      second.post(`/orders/${o.orderId}/rating`, { stars: '3', comment: 'Teine' }),
    ]);

    for (const page of pages) expect([303, 409]).toContain(page.status);
    const reviews = await reviewsOf(o.orderId);
    expect(reviews.length).toBe(1);
    const stars = reviews[0]!.stars;
    const distribution = [0, 0, 0, 0, 0];
    distribution[stars - 1] = 1;
    expect(await ratingTotalsOf(o.winner.id)).toEqual({ count: 1, sum: stars, distribution });
  });
});

// ---- illegal moves ----

describe('illegal moves are refused with a reason and change nothing', () => {
  it('the expert cannot deliver or mark done on an order not yet paid (409)', async () => {
    const s = await scene();
    const customer = await signedIn(s.customer);
    const { orderId } = await orderWinner(s, customer);
    const winner = await signedIn(s.winner);
    await expectRefused(orderId, () => deliver(winner, orderId, 'Töö enne makset.', [pdf]), 409, 'Tellimus ootab veel makset.');
    await expectRefused(orderId, () => markDone(winner, orderId), 409, 'Tellimus ootab veel makset.');
    await expectRefused(orderId, () => accept(customer, orderId), 409, 'Tellimus ootab veel makset.');
    expect(await t.deps.db.selectFrom('files').select('id').execute()).toEqual([]);
  });

  it('accepting twice is refused with 409 and the money is released once', async () => {
    const o = await acceptedOrder();
    await expectRefused(o.orderId, () => accept(o.browsers.customer, o.orderId), 409, 'Töö on juba vastu võetud.');
    expect(await balanceOf(`payable:expert:${o.winner.id}`)).toBe(10_200);
    expect(await ledgerTotal()).toBe(0);
  });

  it('the customer cannot accept or ask for changes before the work is marked done (409)', async () => {
    const o = await paidOrder();
    await deliver(o.browsers.winner, o.orderId, 'Pooleli töö.');
    await expectRefused(o.orderId, () => accept(o.browsers.customer, o.orderId), 409);
    await expectRefused(o.orderId, () => askForChanges(o.browsers.customer, o.orderId, 'Muutke.'), 409);
  });

  it('the expert cannot deliver again or mark done again while the work waits for acceptance (409)', async () => {
    const o = await deliveredOrder();
    await expectRefused(o.orderId, () => deliver(o.browsers.winner, o.orderId, 'Veel üks osa.'), 409, 'Ekspert on töö juba valmis märkinud.');
    await expectRefused(o.orderId, () => markDone(o.browsers.winner, o.orderId), 409, 'Ekspert on töö juba valmis märkinud.');
  });

  it('after acceptance nothing more can be delivered, done or asked to change (409)', async () => {
    const o = await acceptedOrder();
    await expectRefused(o.orderId, () => deliver(o.browsers.winner, o.orderId, 'Hiline lisa.'), 409, 'Töö on juba vastu võetud.');
    await expectRefused(o.orderId, () => markDone(o.browsers.winner, o.orderId), 409, 'Töö on juba vastu võetud.');
    await expectRefused(o.orderId, () => askForChanges(o.browsers.customer, o.orderId, 'Muutke.'), 409, 'Töö on juba vastu võetud.');
  });

  it('a losing expert gets 404 delivering, marking done or replying on the order', async () => {
    const o = await paidOrder();
    const loser = await signedIn(o.loser);
    await loser.get('/orders');
    await expectRefused(o.orderId, () => postMultipart(t.app, loser, `/orders/${o.orderId}/deliveries`, { fields: { body: 'Minu töö.' }, files: [pdf] }), 404);
    await expectRefused(o.orderId, () => loser.post(`/orders/${o.orderId}/done`, {}), 404);
    await expectRefused(o.orderId, () => loser.post(`/orders/${o.orderId}/reply`, { reply: 'Aitäh!' }), 404);
    expect(await t.deps.db.selectFrom('files').select('id').execute()).toEqual([]);
  });

  it('another customer and an uninvited expert get 404 for every step on someone else’s order', async () => {
    const o = await deliveredOrder();
    for (const person of [o.otherCustomer, o.uninvited]) {
      const browser = await signedIn(person);
      await browser.get('/orders');
      const attempts: [string, () => Promise<Page>][] = [
        ['deliveries', () => postMultipart(t.app, browser, `/orders/${o.orderId}/deliveries`, { fields: { body: 'Töö.' } })],
        ['done', () => browser.post(`/orders/${o.orderId}/done`, {})],
        ['accept', () => browser.post(`/orders/${o.orderId}/accept`, {})],
        ['changes', () => browser.post(`/orders/${o.orderId}/changes`, { message: 'Muutke.' })],
        ['rating', () => browser.post(`/orders/${o.orderId}/rating`, { stars: '1', comment: '' })],
        ['rating, invalid', () => browser.post(`/orders/${o.orderId}/rating`, { stars: 'abc', comment: '' })],
        ['reply', () => browser.post(`/orders/${o.orderId}/reply`, { reply: 'Vastus.' })],
        ['dispute', () => browser.post(`/orders/${o.orderId}/dispute`, { reason: 'Põhjus.' })],
      ];
      for (const [name, run] of attempts) {
        const page = await expectRefused(o.orderId, run, 404);
        expect(page.body, `${person.name}: ${name}`).not.toContain(inquiryTitle);
      }
    }
  });

  it('the customer cannot deliver, mark done or reply (403); the expert cannot accept, ask for changes or rate (403)', async () => {
    const o = await deliveredOrder();
    await expectRefused(o.orderId, () => deliver(o.browsers.customer, o.orderId, 'Teen ise.'), 403);
    await expectRefused(o.orderId, () => markDone(o.browsers.customer, o.orderId), 403);
    await expectRefused(o.orderId, () => accept(o.browsers.winner, o.orderId), 403);
    await expectRefused(o.orderId, () => askForChanges(o.browsers.winner, o.orderId, 'Muudan ise.'), 403);
    expect(await statusOf(o.orderId)).toBe('delivered');
    expect((await accept(o.browsers.customer, o.orderId)).status).toBe(303);
    await expectRefused(o.orderId, () => rate(o.browsers.winner, o.orderId, { stars: '5', comment: 'Olen tubli.' }), 403);
    await rate(o.browsers.customer, o.orderId, { stars: '4', comment: '' });
    await expectRefused(o.orderId, () => replyTo(o.browsers.customer, o.orderId, 'Vastan ise.'), 403);
  });

  it('staff cannot deliver, accept or rate in a party’s place (403)', async () => {
    const o = await deliveredOrder();
    const moderator = await signedIn(o.moderator);
    await expectRefused(o.orderId, () => deliver(moderator, o.orderId, 'Moderaator lisab.'), 403);
    await expectRefused(o.orderId, () => accept(moderator, o.orderId), 403);
    await expectRefused(o.orderId, () => askForChanges(moderator, o.orderId, 'Muutke.'), 403);
    expect((await accept(o.browsers.customer, o.orderId)).status).toBe(303);
    await expectRefused(o.orderId, () => rate(moderator, o.orderId, { stars: '1', comment: '' }), 403);
  });
});

// ---- forged requests ----

describe('steps sent without a valid CSRF token', () => {
  it('are refused with 403 and change nothing, the multipart forms too', async () => {
    const o = await deliveredOrder();
    const { customer, winner } = o.browsers;
    await customer.get(o.orderPage);
    await winner.get(o.orderPage);
    const forged: [string, (csrf: string | null) => Promise<Page>][] = [
      ['deliveries', (csrf) => postMultipart(t.app, winner, `/orders/${o.orderId}/deliveries`, { fields: { body: 'Võltsitud töö.' }, files: [pdf] }, { csrf })],
      ['messages', (csrf) => postMultipart(t.app, customer, `/orders/${o.orderId}/messages`, { fields: { body: 'Võltsitud sõnum.' } }, { csrf })],
      ['accept', (csrf) => customer.post(`/orders/${o.orderId}/accept`, {}, { csrf })],
      ['changes', (csrf) => customer.post(`/orders/${o.orderId}/changes`, { message: 'Võltsitud.' }, { csrf })],
      ['dispute', (csrf) => winner.post(`/orders/${o.orderId}/dispute`, { reason: 'Võltsitud.' }, { csrf })],
    ];
    const otherSession = await signedIn(o.customer);
    await otherSession.get(o.orderPage);
    for (const [name, send] of forged) {
      for (const csrf of [null, otherSession.csrfToken ?? null]) {
        const before = await snapshot(o.orderId);
        const page = await send(csrf);
        expect(page.status, `${name} ${csrf === null ? 'without a token' : "with another session's token"}`).toBe(403);
        expect(await snapshot(o.orderId)).toEqual(before);
      }
    }
    expect(await t.deps.db.selectFrom('files').select('id').execute()).toHaveLength(1);
  });
});
