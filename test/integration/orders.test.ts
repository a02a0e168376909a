import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserRow } from '../../src/db/schema.js';
import { endOfTallinnDay } from '../../src/domain/inquiries.js';
import { cancelInquiry } from '../../src/use-cases/inquiries.js';
import { sweepInquiryDeadlines } from '../../src/use-cases/inquiry-deadlines.js';
import { answerQuestion, askQuestion } from '../../src/use-cases/inquiry-questions.js';
import { declineInvitation, withdrawOffer } from '../../src/use-cases/invitations.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { emailsTo } from '../support/emails.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, loginAs } from '../support/factories.js';
import { actorOf, createInquiryAs, dayFromNow, makeOfferAs } from '../support/inquiries.js';
import { postMultipart, samplePdf } from '../support/multipart.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Ordering an offer and paying for it (issue 6), seen from the people involved: who sees whose
 * contact data and when, who may open and do what, which offers can be ordered, who is told
 * what once the money has arrived, and what the lists and the ledger page show.
 */

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

const minute = 60_000;

// ---- the people, each with contact data that must not travel (the canaries) ----

type Contact = { name: string; email: string; phone: string };

const contacts = {
  customer: { name: 'Kadri Kanaarilind', email: 'kadri.kanaarilind@canary.test', phone: '+372 5901 1001' },
  winner: { name: 'Villu Võitja', email: 'villu.voitja@canary.test', phone: '+372 5902 2002' },
  loser: { name: 'Lauri Kaotaja', email: 'lauri.kaotaja@canary.test', phone: '+372 5903 3003' },
  decliner: { name: 'Tõnu Tõrjuja', email: 'tonu.torjuja@canary.test', phone: '+372 5904 4004' },
  silent: { name: 'Vaike Vaikija', email: 'vaike.vaikija@canary.test', phone: '+372 5905 5005' },
  unopened: { name: 'Olev Avamata', email: 'olev.avamata@canary.test', phone: '+372 5910 1010' },
  uninvited: { name: 'Urmas Kutsumata', email: 'urmas.kutsumata@canary.test', phone: '+372 5906 6006' },
  otherCustomer: { name: 'Tiina Teisesilm', email: 'tiina.teisesilm@canary.test', phone: '+372 5907 7007' },
  moderator: { name: 'Mari Moderaator', email: 'mari.moderaator@canary.test', phone: '+372 5908 8008' },
  admin: { name: 'Aadu Admin', email: 'aadu.admin@canary.test', phone: '+372 5909 9009' },
} satisfies Record<string, Contact>;

type Role = keyof typeof contacts;

/** A person's e-mail and phone as they could appear: as typed, URL-encoded, without spaces, without the country code. */
function contactNeedles(person: Contact): string[] {
  const national = person.phone.replace(/^\+372\s*/, '');
  return [person.email, encodeURIComponent(person.email), person.phone, person.phone.replace(/\s+/g, ''), national, national.replace(/\s+/g, '')];
}

/** What an expert must never learn of the customer before payment: the name too (experts' names are public, customers' are not). */
const customerNeedles = [...contactNeedles(contacts.customer), contacts.customer.name, 'Kanaarilind'];
const winnerNeedles = contactNeedles(contacts.winner);

function leaks(text: string, needles: readonly string[]): string[] {
  return needles.filter((needle) => text.includes(needle));
}

/** Fails naming where a needle was found. */
function expectNoLeaks(seen: readonly { where: string; text: string }[], needles: readonly string[]): void {
  const found = seen.flatMap(({ where, text }) => leaks(text, needles).map((needle) => `${where}: ${needle}`));
  expect(found).toEqual([]);
}

// ---- reading pages ----

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The visible text of a page's main part, with Intl's non-breaking spaces as plain ones. */
function textOf(html: string): string {
  return mainText(html).replace(/[\u00a0\u202f]/g, ' ');
}

/** The sentences of a page's error summaries (a refused action shows its reason at the top). */
function summariesOf(html: string): string[] {
  return [...html.matchAll(/<div class="error-summary"[^>]*><h2[^>]*>([\s\S]*?)<\/h2>/g)].map((m) => decode(m[1]!));
}

/** The text of the order page's contact card with this title, or undefined when the page has none. */
function contactCard(html: string, title: 'Eksperdi kontaktandmed' | 'Tellija kontaktandmed'): string | undefined {
  const card = new RegExp(`<section class="card contact-card" aria-label="${title}">([\\s\\S]*?)</section>`).exec(html)?.[1];
  return card === undefined ? undefined : textOf(card);
}

function cardOf(person: Contact, title: string): string {
  return `${title} Nimi ${person.name} E-post ${person.email} Telefon ${person.phone}`;
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

/** The body rows of the first table after a heading, each as the text of its cells. */
function tableAfter(html: string, heading: string): string[][] {
  const table = new RegExp(`<h2>${heading}</h2><div class="table-wrap"><table>([\\s\\S]*?)</table>`).exec(html)?.[1];
  if (table === undefined) return [];
  return [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)]
    .filter((row) => !row[1]!.includes('scope="col"'))
    .map((row) => [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => textOf(cell[1]!)));
}

/** A path of this app from an absolute address the app gave (the payment page, the return URL). */
function pathOf(location: string | undefined): string {
  if (!location) throw new Error('expected a redirect');
  const url = new URL(location, 'http://konsult.test');
  return `${url.pathname}${url.search}`;
}

// ---- the scene: a customer's inquiry to four experts; two offer, one declines, one stays silent ----

const inquiryTitle = 'Üürileping lõpetati ette teatamata';
const question = 'Kas üürileping oli kirjalik?';
const answer = 'Jah, kirjalik ja tähtajatu.';

type Person = UserRow & { password: string };

async function scene(options: { deadlineDays?: number; winnerValidDays?: number } = {}) {
  const field = await createField(t, { nameEt: 'Üürivaidlused', nameEn: 'Tenancy' });
  const customer = await createUser(t, contacts.customer);
  const winner = await createExpert(t, { ...contacts.winner, fieldIds: [field.id] });
  const loser = await createExpert(t, { ...contacts.loser, fieldIds: [field.id] });
  const decliner = await createExpert(t, { ...contacts.decliner, fieldIds: [field.id] });
  const silent = await createExpert(t, { ...contacts.silent, fieldIds: [field.id] });
  const unopened = await createExpert(t, { ...contacts.unopened, fieldIds: [field.id] });
  const uninvited = await createExpert(t, { ...contacts.uninvited, fieldIds: [field.id] });
  const otherCustomer = await createUser(t, contacts.otherCustomer);
  const moderator = await createUser(t, { ...contacts.moderator, roles: ['moderator'] });
  const admin = await createUser(t, { ...contacts.admin, roles: ['admin'] });
  const people: Record<Role, Person> = { customer, winner, loser, decliner, silent, unopened, uninvited, otherCustomer, moderator, admin };

  const deadlineDays = options.deadlineDays ?? 7;
  const inquiryId = await createInquiryAs(t, customer, {
    fieldId: field.id,
    expertIds: [winner.id, loser.id, decliner.id, silent.id, unopened.id],
    title: inquiryTitle,
    description: 'Üürileandja lõpetas lepingu ette teatamata ja nõuab korteri vabastamist.',
    deadline: dayFromNow(t, deadlineDays),
  });
  // The winner asks a question in the thread where the customer is "Tellija"; the customer answers.
  await askQuestion(t.deps, await actorOf(t, winner), inquiryId, { body: question, uploads: [] });
  const winnerInvitation = await invitationOf(inquiryId, winner.id);
  await answerQuestion(t.deps, await actorOf(t, customer), inquiryId, winnerInvitation.id, { body: answer, uploads: [] });
  const validUntil = dayFromNow(t, Math.min(options.winnerValidDays ?? 5, deadlineDays));
  await makeOfferAs(t, winner, inquiryId, { priceCents: 12_000, validUntil });
  await makeOfferAs(t, loser, inquiryId, { priceCents: 9_900, validUntil: dayFromNow(t, Math.min(5, deadlineDays)) });
  await declineInvitation(t.deps, await actorOf(t, decliner), inquiryId, { reason: 'tooBusy', note: '' });

  return {
    field,
    people,
    inquiryId,
    page: `/inquiries/${inquiryId}`,
    winnerOfferId: (await offerOf(inquiryId, winner.id)).id,
    loserOfferId: (await offerOf(inquiryId, loser.id)).id,
    conversationId: winnerInvitation.conversation_id!,
  };
}

type Scene = Awaited<ReturnType<typeof scene>>;

async function invitationOf(inquiryId: number, expertId: number) {
  return t.deps.db.selectFrom('invitations').selectAll().where('inquiry_id', '=', inquiryId).where('expert_id', '=', expertId).executeTakeFirstOrThrow();
}

async function offerOf(inquiryId: number, expertId: number) {
  return t.deps.db.selectFrom('offers').selectAll().where('inquiry_id', '=', inquiryId).where('expert_id', '=', expertId).executeTakeFirstOrThrow();
}

async function ordersOf(inquiryId: number) {
  return t.deps.db.selectFrom('orders').select(['id', 'status', 'offer_id', 'amount_cents']).where('inquiry_id', '=', inquiryId).orderBy('id').execute();
}

async function statusOfInquiry(inquiryId: number): Promise<string> {
  return (await t.deps.db.selectFrom('inquiries').select('status').where('id', '=', inquiryId).executeTakeFirstOrThrow()).status;
}

async function signedIn(person: { email: string; password: string }): Promise<Browser> {
  const browser = t.browser();
  await loginAs(browser, person);
  return browser;
}

/** The customer presses "Telli ja maksa" on the inquiry's page. */
function order(browser: Browser, s: Pick<Scene, 'page'>, offerId: number | string): Promise<Page> {
  return browser.post(`${s.page}/order`, { offerId: String(offerId) }, { formPage: s.page });
}

/** Orders through the page and returns the order and the hosted payment page it sends the customer to. */
async function orderAndGoToPayment(browser: Browser, s: Pick<Scene, 'page' | 'inquiryId'>, offerId: number): Promise<{ orderId: number; paymentPage: string }> {
  const page = await order(browser, s, offerId);
  expect(page.status).toBe(303);
  expect(page.location).toMatch(/^http:\/\/konsult\.test\/sandbox\/pay\/[0-9a-f-]{36}$/);
  const [created] = await ordersOf(s.inquiryId);
  return { orderId: created!.id, paymentPage: pathOf(page.location) };
}

/** On the hosted payment page, presses a button; then the browser comes back through the return URL to the order. */
async function completePayment(browser: Browser, paymentPage: string, action: 'pay' | 'fail' | 'cancel' = 'pay'): Promise<Page & { url: string }> {
  const done = await browser.post(paymentPage, { action }, { formPage: paymentPage });
  expect(done.status).toBe(303);
  expect(done.location).toMatch(/^http:\/\/konsult\.test\/payments\/return\/sandbox\?order-token=/);
  const back = await browser.get(pathOf(done.location));
  expect(back.status).toBe(303);
  return { ...(await browser.follow(back)), url: back.location! };
}

/** Everything a person can open in the portal about this, and every e-mail they were sent. */
async function everythingSeenBy(browser: Browser, person: Person, urls: string[]): Promise<{ where: string; text: string }[]> {
  const seen: { where: string; text: string }[] = [];
  const add = (where: string, page: Page) => seen.push({ where, text: `${JSON.stringify(page.headers)}\n${page.body}` });
  for (const url of ['/my', '/inquiries', '/e-consultations', '/orders', '/mailbox', ...urls]) add(url, await browser.get(url));
  const mailbox = await browser.get('/mailbox');
  for (const link of mailbox.body.matchAll(/href="(\/mailbox\/(?:notices|conversations)\/\d+)"/g)) add(link[1]!, await browser.get(link[1]!));
  const notices = await t.deps.db.selectFrom('notices').select(['kind', 'params', 'link']).where('user_id', '=', person.id).execute();
  for (const notice of notices) seen.push({ where: `notice ${notice.kind}`, text: `${notice.params} ${notice.link ?? ''}` });
  for (const email of await emailsTo(t, person.email)) seen.push({ where: `e-mail “${email.subject}”`, text: `${email.subject}\n${email.text_body}\n${email.html_body}` });
  return seen;
}

/** Every e-mail in the outbox, with its recipient. */
async function outbox() {
  return t.deps.db.selectFrom('outbox_emails').select(['to_address', 'subject', 'text_body', 'html_body']).orderBy('id').execute();
}

// ---- contact data ----

describe('contact data before payment', () => {
  it('neither side sees the other’s e-mail or phone, and the experts do not learn the customer’s name, anywhere', async () => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    const { orderId } = await orderAndGoToPayment(customer, s, s.winnerOfferId);
    expect(await statusOfInquiry(s.inquiryId)).toBe('ordered');
    const orderPage = `/orders/${orderId}`;

    // The winner's order page says it waits for payment, without the customer's data.
    const winner = await signedIn(s.people.winner);
    const winnersOrder = await winner.get(orderPage);
    expect(winnersOrder.status).toBe(200);
    expect(textOf(winnersOrder.body)).toContain('Tellimus ootab tellija makset.');
    expect(contactCard(winnersOrder.body, 'Tellija kontaktandmed')).toBeUndefined();
    // The thread with the winner still calls the customer "Tellija".
    const thread = await winner.get(`/mailbox/conversations/${s.conversationId}`);
    expect(messagesOf(thread.body)).toEqual([
      ['Teie', question],
      ['Tellija', answer],
    ]);
    expect(messagesOf((await winner.get(s.page)).body)).toEqual(messagesOf(thread.body));

    // The customer's order page asks for payment, without the expert's data.
    const customersOrder = await customer.get(orderPage);
    expect(customersOrder.status).toBe(200);
    expect(textOf(customersOrder.body)).toContain('Maksa 120,00 €');
    expect(contactCard(customersOrder.body, 'Eksperdi kontaktandmed')).toBeUndefined();
    // Staff see the order, and nobody's contact data yet either.
    const moderator = await signedIn(s.people.moderator);
    const staffView = await moderator.get(orderPage);
    expect(staffView.status).toBe(200);
    expect(contactCard(staffView.body, 'Eksperdi kontaktandmed')).toBeUndefined();
    expect(contactCard(staffView.body, 'Tellija kontaktandmed')).toBeUndefined();

    const urls = [orderPage, s.page, `/mailbox/conversations/${s.conversationId}`];
    const byWinner = await everythingSeenBy(winner, s.people.winner, urls);
    expect(byWinner.some(({ text }) => text.includes(answer))).toBe(true);
    expectNoLeaks(byWinner, customerNeedles);
    const loser = await signedIn(s.people.loser);
    expectNoLeaks(await everythingSeenBy(loser, s.people.loser, urls), [...customerNeedles, ...winnerNeedles]);
    const byCustomer = await everythingSeenBy(customer, s.people.customer, urls);
    expect(byCustomer.some(({ text }) => text.includes(question))).toBe(true);
    expectNoLeaks(byCustomer, [...winnerNeedles, ...contactNeedles(contacts.loser), ...contactNeedles(contacts.decliner)]);

    // No notice or e-mail sent so far carries anyone else's contact data, nor the customer's name to anyone else.
    const emails = await outbox();
    expect(emails.length).toBeGreaterThan(5);
    for (const email of emails) {
      const others = (Object.values(contacts) as Contact[]).filter((person) => person.email !== email.to_address);
      const needles = [...others.flatMap(contactNeedles), ...(email.to_address === contacts.customer.email ? [] : [contacts.customer.name])];
      expect(leaks(`${email.subject}\n${email.text_body}\n${email.html_body}`, needles), `e-mail to ${email.to_address}: ${email.subject}`).toEqual([]);
    }
    const notices = await t.deps.db.selectFrom('notices').select(['user_id', 'params']).execute();
    for (const notice of notices) {
      expect(leaks(notice.params, [...Object.values(contacts).flatMap(contactNeedles), contacts.customer.name])).toEqual([]);
    }
  });
});

describe('contact data after payment', () => {
  it('the customer and the winner see each other’s name, e-mail and phone on the order page, and staff see both', async () => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    const { orderId, paymentPage } = await orderAndGoToPayment(customer, s, s.winnerOfferId);

    const landed = await completePayment(customer, paymentPage);

    expect(landed.status).toBe(200);
    expect(landed.url).toBe(`/orders/${orderId}`);
    expect(textOf(landed.body)).toContain('Tasutud, töö käib');
    expect(contactCard(landed.body, 'Eksperdi kontaktandmed')).toBe(cardOf(contacts.winner, 'Eksperdi kontaktandmed'));
    expect(contactCard(landed.body, 'Tellija kontaktandmed')).toBeUndefined();

    const winner = await signedIn(s.people.winner);
    const winnersOrder = await winner.get(`/orders/${orderId}`);
    expect(winnersOrder.status).toBe(200);
    expect(contactCard(winnersOrder.body, 'Tellija kontaktandmed')).toBe(cardOf(contacts.customer, 'Tellija kontaktandmed'));
    expect(contactCard(winnersOrder.body, 'Eksperdi kontaktandmed')).toBeUndefined();

    for (const role of ['moderator', 'admin'] as const) {
      const staff = await signedIn(s.people[role]);
      const page = await staff.get(`/orders/${orderId}`);
      expect(page.status, role).toBe(200);
      expect(contactCard(page.body, 'Eksperdi kontaktandmed'), role).toBe(cardOf(contacts.winner, 'Eksperdi kontaktandmed'));
      expect(contactCard(page.body, 'Tellija kontaktandmed'), role).toBe(cardOf(contacts.customer, 'Tellija kontaktandmed'));
    }
  });

  it('the question thread between the customer and the winner now shows the customer’s real name', async () => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    const { paymentPage } = await orderAndGoToPayment(customer, s, s.winnerOfferId);
    await completePayment(customer, paymentPage);

    const winner = await signedIn(s.people.winner);
    const thread = await winner.get(`/mailbox/conversations/${s.conversationId}`);
    expect(messagesOf(thread.body)).toEqual([
      ['Teie', question],
      [contacts.customer.name, answer],
    ]);
    expect(textOf(thread.body)).not.toContain('Tellija');
    expect(messagesOf((await winner.get(s.page)).body)).toEqual(messagesOf(thread.body));
  });

  it('a losing expert, another customer and an uninvited expert get 404 for the order and never see either contact, on any page or in any e-mail', async () => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    const { orderId, paymentPage } = await orderAndGoToPayment(customer, s, s.winnerOfferId);
    await completePayment(customer, paymentPage);
    const orderPage = `/orders/${orderId}`;
    const missing = await customer.get('/orders/999999');

    for (const role of ['loser', 'silent', 'decliner', 'uninvited', 'otherCustomer'] as const) {
      const browser = await signedIn(s.people[role]);
      const page = await browser.get(orderPage);
      expect(page.status, role).toBe(404);
      expect(textOf(page.body)).toBe(textOf((await browser.get('/orders/999999')).body));
      expect(textOf(page.body)).not.toContain(inquiryTitle);
      const seen = await everythingSeenBy(browser, s.people[role], [orderPage, s.page, `/mailbox/conversations/${s.conversationId}`]);
      expectNoLeaks(seen, [...customerNeedles, ...winnerNeedles]);
    }
    expect(missing.status).toBe(404);

    // The e-mails the portal sent carry no one's e-mail address or phone: those are on the order page only.
    for (const email of await outbox()) {
      const others = (Object.values(contacts) as Contact[]).filter((person) => person.email !== email.to_address);
      expect(leaks(`${email.subject}\n${email.text_body}\n${email.html_body}`, others.flatMap(contactNeedles)), `e-mail to ${email.to_address}: ${email.subject}`).toEqual([]);
    }
  });

  it('a failed payment shows no contact data either: the order is cancelled and the inquiry open again', async () => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    const { orderId, paymentPage } = await orderAndGoToPayment(customer, s, s.winnerOfferId);

    const landed = await completePayment(customer, paymentPage, 'fail');

    expect(textOf(landed.body)).toContain('Makse jäi tegemata, seega tellimus tühistati.');
    expect(contactCard(landed.body, 'Eksperdi kontaktandmed')).toBeUndefined();
    const winner = await signedIn(s.people.winner);
    const winnersOrder = await winner.get(`/orders/${orderId}`);
    expect(contactCard(winnersOrder.body, 'Tellija kontaktandmed')).toBeUndefined();
    expectNoLeaks(await everythingSeenBy(winner, s.people.winner, [`/orders/${orderId}`, s.page]), customerNeedles);
    expect(await statusOfInquiry(s.inquiryId)).toBe('open');
  });
});

// ---- the authorisation matrix ----

const actors = ['owner', 'otherCustomer', 'winner', 'loser', 'uninvited', 'moderator', 'admin', 'anonymous'] as const;
type ActorName = (typeof actors)[number];

/**
 * The scene at one of these moments: offers made; the winner's offer ordered, not paid; paid;
 * (fulfilment) a delivery with a file added (`working`), marked done (`delivered`), accepted,
 * rated (4 stars), or paid and in dispute (opened by the customer).
 */
type Stage = 'offers' | 'awaiting' | 'paid' | 'working' | 'delivered' | 'accepted' | 'rated' | 'disputed';

/** The file the winner delivers (from `working` on). */
const deliveredPdf = samplePdf('Arvamus');

type World = Scene & {
  stage: Stage;
  orderId?: number;
  /** The hosted payment page of the order (awaiting / paid). */
  paymentPage?: string;
  /** The return address the payment page sent the payer to (paid). */
  returnUrl?: string;
  /** The delivered file (working and later). */
  fileId?: number;
};

async function buildWorld(stage: Stage): Promise<World> {
  const s = await scene();
  if (stage === 'offers') return { ...s, stage };
  const customer = await signedIn(s.people.customer);
  const { orderId, paymentPage } = await orderAndGoToPayment(customer, s, s.winnerOfferId);
  if (stage === 'awaiting') return { ...s, stage, orderId, paymentPage };
  const paid = await customer.post(paymentPage, { action: 'pay' }, { formPage: paymentPage });
  expect(paid.status).toBe(303);
  expect((await ordersOf(s.inquiryId))[0]!.status).toBe('in_progress');
  const world: World = { ...s, stage, orderId, paymentPage, returnUrl: pathOf(paid.location) };
  if (stage === 'paid') return world;
  const orderPage = `/orders/${orderId}`;
  const expectStep = async (page: Promise<Page>) => expect((await page).status).toBe(303);
  if (stage === 'disputed') {
    await expectStep(customer.post(`${orderPage}/dispute`, { reason: 'Töö jäi tegemata.' }, { formPage: orderPage }));
    return world;
  }
  const winner = await signedIn(s.people.winner);
  await winner.get(orderPage);
  await expectStep(postMultipart(t.app, winner, `${orderPage}/deliveries`, { fields: { body: 'Arvamus on lisatud.' }, files: [{ name: 'arvamus.pdf', contentType: 'application/pdf', content: deliveredPdf }] }));
  const file = await t.deps.db.selectFrom('delivery_files').innerJoin('deliveries', 'deliveries.id', 'delivery_files.delivery_id').select('file_id').where('deliveries.order_id', '=', orderId).executeTakeFirstOrThrow();
  world.fileId = file.file_id;
  if (stage === 'working') return world;
  await expectStep(winner.post(`${orderPage}/done`, {}, { formPage: orderPage }));
  if (stage === 'delivered') return world;
  await expectStep(customer.post(`${orderPage}/accept`, {}, { formPage: orderPage }));
  if (stage === 'accepted') return world;
  await expectStep(customer.post(`${orderPage}/rating`, { stars: '4', comment: 'Hea töö.' }, { formPage: orderPage }));
  return world;
}

const personOf: Record<Exclude<ActorName, 'anonymous'>, Role> = {
  owner: 'customer',
  otherCustomer: 'otherCustomer',
  winner: 'winner',
  loser: 'loser',
  uninvited: 'uninvited',
  moderator: 'moderator',
  admin: 'admin',
};

/** A browser of the actor: signed in, or (anonymous) holding the token a sign-in page gives. */
async function browserOf(world: World, actor: ActorName): Promise<Browser> {
  if (actor === 'anonymous') {
    const browser = t.browser();
    await browser.get('/login');
    return browser;
  }
  return signedIn(world.people[personOf[actor]]);
}

/** What changes when an order, a payment or a refund happens; a refused request leaves all of it as it was. */
async function snapshot() {
  const db = t.deps.db;
  return {
    inquiries: await db.selectFrom('inquiries').select(['id', 'status']).orderBy('id').execute(),
    invitations: await db.selectFrom('invitations').select(['id', 'status']).orderBy('id').execute(),
    offers: await db.selectFrom('offers').select(['id', 'status']).orderBy('id').execute(),
    orders: await db.selectFrom('orders').select(['id', 'status']).orderBy('id').execute(),
    payments: await db.selectFrom('payments').select(['id', 'status', 'refunded_cents']).orderBy('id').execute(),
    refunds: (await db.selectFrom('refunds').select('id').execute()).length,
    ledger: (await db.selectFrom('ledger_entries').select('id').execute()).length,
    deliveries: (await db.selectFrom('deliveries').select('id').execute()).length,
    messages: (await db.selectFrom('messages').select('id').execute()).length,
    reviews: await db.selectFrom('reviews').select(['id', 'stars', 'reply']).orderBy('id').execute(),
    disputes: await db.selectFrom('disputes').select(['id', 'status']).orderBy('id').execute(),
  };
}

/**
 * `order`: 200, the order's page (its number and the inquiry's title); `listed`: 200, a list
 * with a link to the order; `blank`: 200 without the order or its inquiry; `ledger`: the ledger
 * page with the order's escrow; `sandbox`: the hosted payment page of the order; `pay`: 303 to a
 * new payment page, an order created; `done`: the action took effect, 303 to `done`;
 * `toOrder`: 303 to the order; `file`: the delivered file, as an attachment; 400 / 403 / 404: refused, nothing shown or changed; `login`: 303 to sign in.
 */
type Outcome = 'order' | 'listed' | 'blank' | 'ledger' | 'sandbox' | 'pay' | 'done' | 'toOrder' | 'file' | 400 | 403 | 404 | 'login';

type Route = {
  method: 'GET' | 'POST';
  route: string;
  note?: string;
  stage: Stage;
  url: (w: World) => string;
  form?: (w: World) => Record<string, string>;
  /** Where a `done` post goes. */
  done?: RegExp;
  /** Outcomes for: owner, other customer, winner, loser, uninvited expert, moderator, admin, anonymous. */
  outcomes: [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome];
};

const orderUrl = (w: World) => `/orders/${w.orderId}`;

// One row per route (more when the stage matters), one column per actor; aligned by hand.
const matrix: Route[] = [
  //                                                                                           owner      other      winner     loser      uninvited  moderator  admin      anonymous
  { method: 'POST', route: '/inquiries/:id/order', stage: 'offers', url: (w) => `${w.page}/order`, form: (w) => ({ offerId: String(w.winnerOfferId) }),
                                                                                     outcomes: ['pay',     404,       404,       404,       404,       404,       404,       'login'] },
  { method: 'GET', route: '/orders', stage: 'paid', url: () => '/orders',            outcomes: ['listed',  'blank',   'listed',  'blank',   'blank',   'blank',   'blank',   'login'] },
  { method: 'GET', route: '/orders/:id', note: 'awaiting payment', stage: 'awaiting', url: orderUrl,
                                                                                     outcomes: ['order',   404,       'order',   404,       404,       'order',   'order',   'login'] },
  { method: 'GET', route: '/orders/:id', note: 'paid', stage: 'paid', url: orderUrl, outcomes: ['order',   404,       'order',   404,       404,       'order',   'order',   'login'] },
  { method: 'POST', route: '/orders/:id/cancel', stage: 'awaiting', url: (w) => `/orders/${w.orderId}/cancel`, form: () => ({}), done: /^\/orders\/\d+$/,
                                                                                     outcomes: ['done',    404,       404,       404,       404,       404,       404,       'login'] },
  { method: 'POST', route: '/orders/:id/refunds', stage: 'paid', url: (w) => `/orders/${w.orderId}/refunds`, form: () => ({ amount: '12,50', reason: 'Osaline tagastus kokkuleppel.' }), done: /^\/orders\/\d+$/,
                                                                                     outcomes: [403,       403,       403,       403,       403,       'done',    'done',    'login'] },
  { method: 'GET', route: '/admin/ledger', stage: 'paid', url: () => '/admin/ledger', outcomes: [403,      403,       403,       403,       403,       'ledger',  'ledger',  'login'] },
  { method: 'GET', route: '/sandbox/pay/:ref', stage: 'awaiting', url: (w) => w.paymentPage!,
                                                                                     outcomes: ['sandbox', 'sandbox', 'sandbox', 'sandbox', 'sandbox', 'sandbox', 'sandbox', 'sandbox'] },
  { method: 'POST', route: '/sandbox/pay/:ref', stage: 'awaiting', url: (w) => w.paymentPage!, form: () => ({ action: 'pay' }), done: /^http:\/\/konsult\.test\/payments\/return\/sandbox\?order-token=[\w.-]+$/,
                                                                                     outcomes: ['done',    'done',    'done',    'done',    'done',    'done',    'done',    'done'] },
  { method: 'GET', route: '/payments/return/:provider', stage: 'paid', url: (w) => w.returnUrl!,
                                                                                     outcomes: ['toOrder', 'toOrder', 'toOrder', 'toOrder', 'toOrder', 'toOrder', 'toOrder', 'login'] },
  { method: 'POST', route: '/payments/notify/:provider', note: 'an untrusted token', stage: 'awaiting', url: () => '/payments/notify/sandbox', form: () => ({ orderToken: 'not.a.token' }),
                                                                                     outcomes: [400,       400,       400,       400,       400,       400,       400,       400] },
  // Fulfilment (issue 7): outsiders 404, the other party and staff 403 (staff resolve disputes only; the parties may not).
  //                                                                                           owner      other      winner     loser      uninvited  moderator  admin      anonymous
  { method: 'POST', route: '/orders/:id/deliveries', stage: 'paid', url: (w) => `/orders/${w.orderId}/deliveries`, form: () => ({ body: 'Töö tekst.' }), done: /^\/orders\/\d+#deliveries$/,
                                                                                     outcomes: [403,       404,       'done',    404,       404,       403,       403,       'login'] },
  { method: 'POST', route: '/orders/:id/done', stage: 'working', url: (w) => `/orders/${w.orderId}/done`, form: () => ({}), done: /^\/orders\/\d+$/,
                                                                                     outcomes: [403,       404,       'done',    404,       404,       403,       403,       'login'] },
  { method: 'POST', route: '/orders/:id/accept', stage: 'delivered', url: (w) => `/orders/${w.orderId}/accept`, form: () => ({}), done: /^\/orders\/\d+$/,
                                                                                     outcomes: ['done',    404,       403,       404,       404,       403,       403,       'login'] },
  { method: 'POST', route: '/orders/:id/changes', stage: 'delivered', url: (w) => `/orders/${w.orderId}/changes`, form: () => ({ message: 'Palun täiendage.' }), done: /^\/orders\/\d+$/,
                                                                                     outcomes: ['done',    404,       403,       404,       404,       403,       403,       'login'] },
  { method: 'POST', route: '/orders/:id/messages', stage: 'paid', url: (w) => `/orders/${w.orderId}/messages`, form: () => ({ body: 'Sõnum tellimuse kohta.' }), done: /^\/orders\/\d+#thread$/,
                                                                                     outcomes: ['done',    404,       'done',    404,       404,       403,       403,       'login'] },
  { method: 'POST', route: '/orders/:id/rating', stage: 'accepted', url: (w) => `/orders/${w.orderId}/rating`, form: () => ({ stars: '5', comment: 'Väga hea.' }), done: /^\/orders\/\d+#rating$/,
                                                                                     outcomes: ['done',    404,       403,       404,       404,       403,       403,       'login'] },
  { method: 'POST', route: '/orders/:id/reply', stage: 'rated', url: (w) => `/orders/${w.orderId}/reply`, form: () => ({ reply: 'Aitäh!' }), done: /^\/orders\/\d+#rating$/,
                                                                                     outcomes: [403,       404,       'done',    404,       404,       403,       403,       'login'] },
  { method: 'POST', route: '/orders/:id/dispute', stage: 'paid', url: (w) => `/orders/${w.orderId}/dispute`, form: () => ({ reason: 'Me ei jõua kokkuleppele.' }), done: /^\/orders\/\d+$/,
                                                                                     outcomes: ['done',    404,       'done',    404,       404,       403,       403,       'login'] },
  { method: 'POST', route: '/orders/:id/resolve', stage: 'disputed', url: (w) => `/orders/${w.orderId}/resolve`, form: () => ({ resolution: 'release', refund: '', note: 'Töö on tehtud.' }), done: /^\/orders\/\d+$/,
                                                                                     outcomes: [403,       404,       403,       404,       404,       'done',    'done',    'login'] },
  { method: 'GET', route: '/orders/:id/files/:fileId', stage: 'working', url: (w) => `/orders/${w.orderId}/files/${w.fileId}`,
                                                                                     outcomes: ['file',    404,       'file',    404,       404,       'file',    'file',    'login'] },
];

const labels: Record<ActorName, string> = {
  owner: 'the customer who owns it',
  otherCustomer: 'another customer',
  winner: 'the winning expert',
  loser: 'a losing expert',
  uninvited: 'an uninvited expert',
  moderator: 'a moderator',
  admin: 'an admin',
  anonymous: 'an anonymous visitor',
};

const describeOutcome: Record<string, string> = {
  order: 'sees the order',
  listed: 'sees it listed',
  blank: 'gets the page without the order',
  ledger: 'sees the ledger',
  sandbox: 'sees the payment page',
  pay: 'is sent to pay',
  done: 'succeeds',
  toOrder: 'is sent to the order',
  file: 'downloads the file',
  400: 'is refused with 400',
  403: 'is refused with 403',
  404: 'is told it does not exist (404)',
  login: 'is sent to sign in',
};

const cases = matrix.flatMap((row) =>
  actors.map((actor, i) => {
    const outcome = row.outcomes[i]!;
    return { row, actor, outcome, name: `${row.method} ${row.route}${row.note ? ` (${row.note})` : ''}: ${labels[actor]} ${describeOutcome[String(outcome)]}` };
  }),
);

function send(browser: Browser, row: Route, world: World, options: { csrf?: string | null } = {}): Promise<Page> {
  const url = row.url(world);
  return row.method === 'GET' ? browser.get(url) : browser.post(url, row.form?.(world) ?? {}, options);
}

/** Nothing of the order, its inquiry or anyone's contact data. */
function expectNothingShown(page: Page): void {
  expect(page.body).not.toContain(inquiryTitle);
  expect(leaks(page.body, [...customerNeedles, ...winnerNeedles])).toEqual([]);
}

describe('the authorisation matrix of ordering and payment', () => {
  it.each(cases)('$name', async ({ row, actor, outcome }) => {
    const world = await buildWorld(row.stage);
    const browser = await browserOf(world, actor);
    const before = await snapshot();
    const page = await send(browser, row, world);

    switch (outcome) {
      case 'order':
        expect(page.status).toBe(200);
        expect(textOf(page.body)).toContain(`Tellimus nr ${world.orderId}`);
        expect(textOf(page.body)).toContain(inquiryTitle);
        break;
      case 'listed':
        expect(page.status).toBe(200);
        expect(page.body).toContain(`<a href="/orders/${world.orderId}">${inquiryTitle}</a>`);
        break;
      case 'blank':
        expect(page.status).toBe(200);
        expect(page.body).not.toContain(`/orders/${world.orderId}`);
        expectNothingShown(page);
        break;
      case 'ledger':
        expect(page.status).toBe(200);
        expect(tableAfter(page.body, 'Hoiul tellimuste kaupa')).toEqual([[`Tellimus nr ${world.orderId}`, '120,00 €']]);
        break;
      case 'sandbox':
        expect(page.status).toBe(200);
        expect(textOf(page.body)).toContain(`Viide KONSULT-${world.orderId}`);
        expect(textOf(page.body)).toContain('Summa 120,00 €');
        expect(leaks(page.body, [...customerNeedles, ...winnerNeedles])).toEqual([]);
        break;
      case 'pay': {
        expect(page.status).toBe(303);
        expect(page.location).toMatch(/^http:\/\/konsult\.test\/sandbox\/pay\/[0-9a-f-]{36}$/);
        expect((await ordersOf(world.inquiryId)).map((o) => o.status)).toEqual(['awaiting_payment']);
        break;
      }
      case 'done':
        expect(page.status).toBe(303);
        expect(page.location).toMatch(row.done!);
        expect(await snapshot()).not.toEqual(before);
        break;
      case 'toOrder':
        expect(page.status).toBe(303);
        expect(page.location).toBe(`/orders/${world.orderId}`);
        expect(await snapshot()).toEqual(before);
        break;
      case 'file':
        expect(page.status).toBe(200);
        expect(String(page.headers['content-disposition'])).toMatch(/^attachment;.*arvamus\.pdf/);
        expect(page.response.rawPayload.equals(deliveredPdf)).toBe(true);
        break;
      case 400:
      case 403:
      case 404:
        expect(page.status).toBe(outcome);
        expectNothingShown(page);
        expect(await snapshot()).toEqual(before);
        break;
      case 'login':
        expect(page.status).toBe(303);
        expect(page.location).toBe(row.method === 'GET' ? `/login?next=${encodeURIComponent(row.url(world))}` : `/login?next=${encodeURIComponent('/my')}`);
        expect(await snapshot()).toEqual(before);
        break;
    }
  });
});

/** Every route the app serves, as "METHOD /path" (HEAD left out), read from Fastify's route tree. */
function registeredRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^(.*?)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = (depth > 0 ? stack[depth - 1]! : '') + match[2]!;
    stack.push(path);
    for (const method of (match[3] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD')) routes.push(`${method} ${path}`);
  }
  return routes;
}

describe('the matrix covers the routes of ordering and payment', () => {
  it('has a row for every route under /orders, /admin/ledger, /sandbox and /payments, and for ordering an offer', () => {
    const registered = registeredRoutes(t.app);
    expect(registered).toContain('GET /mailbox/conversations/:id');
    const ours = registered.filter((route) => /^\w+ \/(orders|admin\/ledger|sandbox|payments)\b/.test(route) || route === 'POST /inquiries/:id/order');
    const rows = new Set(matrix.map((row) => `${row.method} ${row.route}`));
    expect(ours.filter((route) => !rows.has(route))).toEqual([]);
    expect([...rows].filter((route) => !registered.includes(route))).toEqual([]);
    expect(ours.length).toBeGreaterThanOrEqual(9);
  });
});

describe('the hosted payment page', () => {
  it('is 404 for a reference it does not know, well-formed or not, and 400 for an action it does not offer', async () => {
    const world = await buildWorld('awaiting');
    const browser = await browserOf(world, 'owner');
    const before = await snapshot();
    for (const ref of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '1']) {
      expect((await browser.get(`/sandbox/pay/${ref}`)).status, ref).toBe(404);
      await browser.get(world.paymentPage!);
      expect((await browser.post(`/sandbox/pay/${ref}`, { action: 'pay' })).status, ref).toBe(404);
    }
    for (const action of ['refund', '', 'PAY']) {
      await browser.get(world.paymentPage!);
      expect((await browser.post(world.paymentPage!, { action })).status, action).toBe(400);
    }
    await browser.get(world.paymentPage!);
    expect((await browser.post(world.paymentPage!, {})).status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });
});

// ---- forged requests ----

describe('posts without a valid CSRF token', () => {
  const rowOf = (route: string) => matrix.find((row) => row.method === 'POST' && row.route === route)!;
  const posts = [
    { name: 'POST /inquiries/:id/order', row: rowOf('/inquiries/:id/order'), actor: 'owner' as const },
    { name: 'POST /orders/:id/cancel', row: rowOf('/orders/:id/cancel'), actor: 'owner' as const },
    { name: 'POST /orders/:id/refunds', row: rowOf('/orders/:id/refunds'), actor: 'admin' as const },
    { name: 'POST /sandbox/pay/:ref', row: rowOf('/sandbox/pay/:ref'), actor: 'owner' as const },
  ];

  it.each(posts)('$name is refused with 403 without a token, and nothing is created', async ({ row, actor }) => {
    const world = await buildWorld(row.stage);
    const browser = await browserOf(world, actor);
    const before = await snapshot();
    const page = await send(browser, row, world, { csrf: null });
    expect(page.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it.each(posts)("$name is refused with 403 with another session's token, and nothing is created", async ({ row, actor }) => {
    const world = await buildWorld(row.stage);
    const browser = await browserOf(world, actor);
    const other = await browserOf(world, actor);
    expect(other.csrfToken).not.toBe(browser.csrfToken);
    const before = await snapshot();
    const page = await send(browser, row, world, { csrf: other.csrfToken ?? null });
    expect(page.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });
});

// ---- which offers can be ordered ----

describe('ordering an offer', () => {
  async function expectRefused(page: Page, status: number, sentence: string, s: Scene): Promise<void> {
    expect(page.status).toBe(status);
    expect(summariesOf(page.body)).toContain(sentence);
    expect(await ordersOf(s.inquiryId)).toEqual([]);
  }

  it('an offer whose validity has ended cannot be ordered, before the lapse sweep has run and after', async () => {
    const s = await scene({ winnerValidDays: 2 });
    t.clock.set(new Date(endOfTallinnDay(dayFromNow(t, 2)).getTime() + minute));
    const customer = await signedIn(s.people.customer);

    await expectRefused(await order(customer, s, s.winnerOfferId), 409, 'Selle pakkumise kehtivus on lõppenud.', s);
    expect((await offerOf(s.inquiryId, s.people.winner.id)).status).toBe('active');

    expect((await sweepInquiryDeadlines(t.deps)).lapsed).toBe(1);
    expect((await offerOf(s.inquiryId, s.people.winner.id)).status).toBe('expired');
    await expectRefused(await order(customer, s, s.winnerOfferId), 409, 'Selle pakkumise kehtivus on lõppenud.', s);
    expect(await statusOfInquiry(s.inquiryId)).toBe('open');
    // The other offer is still valid and can be ordered.
    const other = await order(customer, s, s.loserOfferId);
    expect(other.status).toBe(303);
  });

  it('the last minute of an offer’s last day it can still be ordered', async () => {
    const s = await scene({ winnerValidDays: 2 });
    t.clock.set(new Date(endOfTallinnDay(dayFromNow(t, 2)).getTime() - minute));
    const customer = await signedIn(s.people.customer);
    expect((await order(customer, s, s.winnerOfferId)).status).toBe(303);
  });

  it('a withdrawn offer cannot be ordered', async () => {
    const s = await scene();
    await withdrawOffer(t.deps, await actorOf(t, s.people.loser), s.inquiryId);
    const customer = await signedIn(s.people.customer);
    await expectRefused(await order(customer, s, s.loserOfferId), 409, 'Ekspert on selle pakkumise tagasi võtnud.', s);
  });

  it('an offer of another inquiry is 404, the customer’s own other inquiry or someone else’s', async () => {
    const s = await scene();
    const mine = await createInquiryAs(t, s.people.customer, { fieldId: s.field.id, expertIds: [s.people.uninvited.id], title: 'Teine päring' });
    await makeOfferAs(t, s.people.uninvited, mine);
    const theirs = await createInquiryAs(t, s.people.otherCustomer, { fieldId: s.field.id, expertIds: [s.people.silent.id], title: 'Võõras päring' });
    await makeOfferAs(t, s.people.silent, theirs);
    const customer = await signedIn(s.people.customer);

    for (const offer of [await offerOf(mine, s.people.uninvited.id), await offerOf(theirs, s.people.silent.id)]) {
      const page = await order(customer, s, offer.id);
      expect(page.status).toBe(404);
      expect(page.body).not.toContain('Võõras päring');
    }
    expect(await t.deps.db.selectFrom('orders').select('id').execute()).toEqual([]);
    expect(await statusOfInquiry(s.inquiryId)).toBe('open');
  });

  it('on a cancelled inquiry is refused with the inquiry’s sentence', async () => {
    const s = await scene();
    await cancelInquiry(t.deps, await actorOf(t, s.people.customer), s.inquiryId);
    const customer = await signedIn(s.people.customer);
    await expectRefused(await order(customer, s, s.winnerOfferId), 409, 'Tellija on selle päringu tühistanud.', s);
  });

  it('on an inquiry whose deadline has passed is refused with the inquiry’s sentence', async () => {
    const s = await scene();
    t.clock.set(new Date(endOfTallinnDay(dayFromNow(t, 7)).getTime() + minute));
    expect((await sweepInquiryDeadlines(t.deps)).expired).toBe(1);
    const customer = await signedIn(s.people.customer);
    await expectRefused(await order(customer, s, s.winnerOfferId), 409, 'Pakkumiste tähtaeg on möödas ja päring on suletud.', s);
  });

  it.each(['abc', '', '0', '-1', '1.5', '1e3', ' 1', '99999999999', 'x'.repeat(13)])('with the offer id “%s” is 404, not 500', async (offerId) => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    const before = await snapshot();
    const page = await order(customer, s, offerId);
    expect(page.status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it('without an offer id is 404', async () => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    const before = await snapshot();
    const page = await customer.post(`${s.page}/order`, {}, { formPage: s.page });
    expect(page.status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it('a second order while the first awaits payment is refused, and the first stays', async () => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    const { orderId } = await orderAndGoToPayment(customer, s, s.winnerOfferId);
    const again = await order(customer, s, s.loserOfferId);
    expect(again.status).toBe(409);
    expect(summariesOf(again.body)).toContain('Sellele päringule on juba tellimus. Avage tellimus, et see lõpuni maksta või näha.');
    expect((await ordersOf(s.inquiryId)).map((o) => [o.id, o.status])).toEqual([[orderId, 'awaiting_payment']]);
  });
});

describe('while an order awaits payment', () => {
  it('the experts can no longer change, withdraw or decline: the inquiry has been ordered', async () => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    await orderAndGoToPayment(customer, s, s.winnerOfferId);
    const browsers = new Map<Role, Browser>();
    // Each expert has the inquiry's page open (opening it marks the invitation seen).
    for (const role of ['winner', 'loser', 'silent'] as const) {
      const browser = await signedIn(s.people[role]);
      await browser.get(s.page);
      browsers.set(role, browser);
    }
    const before = await snapshot();
    const offerForm = { price: '80', deliveryDate: dayFromNow(t, 10), validUntil: dayFromNow(t, 5), note: 'Odavam.' };

    const attempts: [Role, string, Record<string, string>][] = [
      ['winner', 'offer/change', offerForm],
      ['winner', 'offer/withdraw', {}],
      ['loser', 'offer/change', offerForm],
      ['loser', 'offer/withdraw', {}],
      ['silent', 'decline', { reason: 'tooBusy', declineNote: '' }],
      ['silent', 'offer', offerForm],
    ];
    for (const [role, action, form] of attempts) {
      const page = await browsers.get(role)!.post(`${s.page}/${action}`, form, { formPage: s.page });
      expect(page.status, `${role} ${action}`).toBe(409);
      expect(summariesOf(page.body), `${role} ${action}`).toContain('Tellija on juba ühe pakkumise tellinud.');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('the deadline sweep neither expires the inquiry nor lapses its offers, and the payment then completes the order', async () => {
    // Offers due tomorrow, ordered ten minutes before the deadline; the sweep runs after it.
    const s = await scene({ deadlineDays: 1, winnerValidDays: 1 });
    const deadline = endOfTallinnDay(dayFromNow(t, 1)).getTime();
    t.clock.set(new Date(deadline - 10 * minute));
    const customer = await signedIn(s.people.customer);
    const { orderId, paymentPage } = await orderAndGoToPayment(customer, s, s.winnerOfferId);
    t.clock.set(new Date(deadline + 10 * minute));
    const before = await snapshot();

    expect(await sweepInquiryDeadlines(t.deps)).toEqual({ expired: 0, reminded: 0, lapsed: 0 });
    expect(await snapshot()).toEqual(before);
    expect(await statusOfInquiry(s.inquiryId)).toBe('ordered');
    expect((await offerOf(s.inquiryId, s.people.winner.id)).status).toBe('active');
    expect((await offerOf(s.inquiryId, s.people.loser.id)).status).toBe('active');
    const kinds = await t.deps.db.selectFrom('notices').select('kind').where('kind', 'in', ['inquiryExpired', 'invitationExpired', 'offerLapsed']).execute();
    expect(kinds).toEqual([]);

    const landed = await completePayment(customer, paymentPage);
    expect(landed.url).toBe(`/orders/${orderId}`);
    expect(textOf(landed.body)).toContain('Tasutud, töö käib');
    expect((await offerOf(s.inquiryId, s.people.winner.id)).status).toBe('ordered');
    expect((await offerOf(s.inquiryId, s.people.loser.id)).status).toBe('lost');
  });
});

// ---- who is told what once the money has arrived ----

describe('after payment', () => {
  it('the winner, the customer and every other expert with an open invitation are told, in the mailbox and by e-mail; one who declined is not', async () => {
    const s = await scene();
    // The silent expert has opened the inquiry (and said nothing); the unopened one never opened it.
    const silent = await signedIn(s.people.silent);
    await silent.get(s.page);
    const customer = await signedIn(s.people.customer);
    const { paymentPage } = await orderAndGoToPayment(customer, s, s.winnerOfferId);
    const emailsBefore = new Map<string, number>();
    for (const person of Object.values(s.people)) emailsBefore.set(person.email, (await emailsTo(t, person.email)).length);

    await completePayment(customer, paymentPage);

    const expected: [Person, string | undefined][] = [
      [s.people.winner, `Teie pakkumine telliti: ${inquiryTitle}`],
      [s.people.customer, `Makse on kätte saadud: ${inquiryTitle}`],
      [s.people.loser, `Tellija valis teise pakkumise: ${inquiryTitle}`],
      [s.people.silent, `Tellija valis teise pakkumise: ${inquiryTitle}`],
      [s.people.unopened, `Tellija valis teise pakkumise: ${inquiryTitle}`],
      [s.people.decliner, undefined],
      [s.people.uninvited, undefined],
      [s.people.otherCustomer, undefined],
    ];
    for (const [person, title] of expected) {
      const newEmails = (await emailsTo(t, person.email)).slice(emailsBefore.get(person.email));
      expect(newEmails.map((email) => email.subject), person.name).toEqual(title ? [title] : []);
      const browser = person.id === s.people.customer.id ? customer : await signedIn(person);
      const titles = mailboxTitles((await browser.get('/mailbox')).body);
      if (title) expect(titles, person.name).toContain(title);
      for (const kind of ['Teie pakkumine telliti', 'Makse on kätte saadud', 'Tellija valis teise pakkumise']) {
        expect(titles.filter((shown) => shown.startsWith(kind)).length, `${person.name}: ${kind}`).toBe(title?.startsWith(kind) ? 1 : 0);
      }
    }
    const invitations = await t.deps.db.selectFrom('invitations').select(['expert_id', 'status']).where('inquiry_id', '=', s.inquiryId).orderBy('expert_id').execute();
    expect(invitations).toEqual(
      [
        { expert_id: s.people.winner.id, status: 'won' },
        { expert_id: s.people.loser.id, status: 'lost' },
        { expert_id: s.people.decliner.id, status: 'declined' },
        { expert_id: s.people.silent.id, status: 'lost' },
        { expert_id: s.people.unopened.id, status: 'lost' },
      ].sort((a, b) => a.expert_id - b.expert_id),
    );
  });

  it('the winner’s notice and e-mail lead to the order, the others’ to the inquiry', async () => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    const { orderId, paymentPage } = await orderAndGoToPayment(customer, s, s.winnerOfferId);
    await completePayment(customer, paymentPage);
    const linkOf = async (person: Person, kind: string) =>
      (await t.deps.db.selectFrom('notices').select('link').where('user_id', '=', person.id).where('kind', '=', kind).executeTakeFirstOrThrow()).link;
    expect(await linkOf(s.people.winner, 'orderPaidExpert')).toBe(`/orders/${orderId}`);
    expect(await linkOf(s.people.customer, 'orderPaidCustomer')).toBe(`/orders/${orderId}`);
    expect(await linkOf(s.people.loser, 'offerNotChosen')).toBe(s.page);
    const winnerEmail = (await emailsTo(t, s.people.winner.email)).at(-1)!;
    expect(winnerEmail.text_body).toContain(`http://konsult.test/orders/${orderId}`);
  });
});

// ---- lists and links ----

describe('the lists of orders and the links to them', () => {
  it('My orders lists the orders a person placed and the orders placed with them, each once', async () => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    const { orderId, paymentPage } = await orderAndGoToPayment(customer, s, s.winnerOfferId);
    await completePayment(customer, paymentPage);
    // The winner orders from the loser, as a customer, and has not paid yet.
    const ownTitle = 'Eksperdi enda päring';
    const own = await createInquiryAs(t, s.people.winner, { fieldId: s.field.id, expertIds: [s.people.loser.id], title: ownTitle });
    await makeOfferAs(t, s.people.loser, own, { priceCents: 5_000 });
    const winner = await signedIn(s.people.winner);
    const ownOrder = await orderAndGoToPayment(winner, { page: `/inquiries/${own}`, inquiryId: own }, (await offerOf(own, s.people.loser.id)).id);

    const customersList = await customer.get('/orders');
    expect(tableAfter(customersList.body, 'Minu tellitud tööd').map((row) => row.slice(0, 3))).toEqual([[inquiryTitle, 'Tasutud, töö käib', '120,00 €']]);
    expect(customersList.body).toContain(`<a href="/orders/${orderId}">`);
    expect(textOf(customersList.body)).not.toContain('Minult tellitud tööd');

    const winnersList = await winner.get('/orders');
    expect(tableAfter(winnersList.body, 'Minu tellitud tööd').map((row) => row.slice(0, 3))).toEqual([[ownTitle, 'Ootab makset', '50,00 €']]);
    expect(tableAfter(winnersList.body, 'Minult tellitud tööd').map((row) => row.slice(0, 3))).toEqual([[inquiryTitle, 'Tasutud, töö käib', '120,00 €']]);
    expect(winnersList.body).toContain(`<a href="/orders/${ownOrder.orderId}">`);

    const loser = await signedIn(s.people.loser);
    const losersList = await loser.get('/orders');
    expect(textOf(losersList.body)).toContain('Minu tellitud tööd Tellimusi ei ole veel.');
    // The loser's offer was ordered by the winner: that order is the loser's as expert.
    expect(tableAfter(losersList.body, 'Minult tellitud tööd').map((row) => row[0])).toEqual([ownTitle]);
    expect(losersList.body).not.toContain(`/orders/${orderId}`);
  });

  it('the inquiry page links to its order for the customer and the winner, not for the other experts', async () => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    const { orderId, paymentPage } = await orderAndGoToPayment(customer, s, s.winnerOfferId);
    const link = `<a href="/orders/${orderId}">Ava tellimus</a>`;

    const awaiting = await customer.get(s.page);
    expect(awaiting.body).toContain(link);
    expect(textOf(awaiting.body)).toContain('Selle päringu pakkumine on tellitud ja ootab makset. Ava tellimus');
    await completePayment(customer, paymentPage);

    const customersPage = await customer.get(s.page);
    expect(textOf(customersPage.body)).toContain('Selle päringu pakkumine on tellitud. Ava tellimus');
    expect(customersPage.body).toContain(link);
    // No more "order and pay" buttons once ordered.
    expect(customersPage.body).not.toContain(`action="${s.page}/order"`);
    const winner = await signedIn(s.people.winner);
    expect((await winner.get(s.page)).body).toContain(link);
    for (const role of ['loser', 'silent', 'decliner'] as const) {
      const browser = await signedIn(s.people[role]);
      const page = await browser.get(s.page);
      expect(page.status, role).toBe(200);
      expect(page.body, role).not.toContain(`/orders/${orderId}`);
      expect(textOf(page.body), role).not.toContain('Ava tellimus');
    }
  });
});

// ---- the ledger page ----

describe('the admin ledger page', () => {
  it('shows what is held for each order and a total of 0,00 €', async () => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    const first = await orderAndGoToPayment(customer, s, s.winnerOfferId);
    await completePayment(customer, first.paymentPage);
    // A second inquiry of another customer, paid too, then partly refunded by a moderator.
    const second = await createInquiryAs(t, s.people.otherCustomer, { fieldId: s.field.id, expertIds: [s.people.uninvited.id], title: 'Teine tellimus' });
    await makeOfferAs(t, s.people.uninvited, second, { priceCents: 9_950 });
    const other = await signedIn(s.people.otherCustomer);
    const secondOrder = await orderAndGoToPayment(other, { page: `/inquiries/${second}`, inquiryId: second }, (await offerOf(second, s.people.uninvited.id)).id);
    await completePayment(other, secondOrder.paymentPage);
    const moderator = await signedIn(s.people.moderator);
    const refunded = await moderator.post(`/orders/${secondOrder.orderId}/refunds`, { amount: '20,50', reason: 'Osa tööst jäi ära.' }, { formPage: `/orders/${secondOrder.orderId}` });
    expect(refunded.status).toBe(303);

    const admin = await signedIn(s.people.admin);
    const page = await admin.get('/admin/ledger');

    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('Kõigi kannete summa 0,00 €');
    expect(tableAfter(page.body, 'Hoiul tellimuste kaupa').sort()).toEqual(
      [
        [`Tellimus nr ${first.orderId}`, '120,00 €'],
        [`Tellimus nr ${secondOrder.orderId}`, '79,00 €'],
      ].sort(),
    );
    expect(page.body).toContain(`<a href="/orders/${first.orderId}">`);
    expect(leaks(page.body, [...customerNeedles, ...winnerNeedles])).toEqual([]);
    const sum = await t.deps.db.selectFrom('ledger_entries').select((eb) => eb.fn.sum<number>('amount_cents').as('total')).executeTakeFirstOrThrow();
    expect(Number(sum.total)).toBe(0);
  });

  it('is empty with a total of 0,00 € before any money has moved, and an order awaiting payment holds nothing', async () => {
    const s = await scene();
    const customer = await signedIn(s.people.customer);
    await orderAndGoToPayment(customer, s, s.winnerOfferId);
    const admin = await signedIn(s.people.admin);
    const page = await admin.get('/admin/ledger');
    expect(textOf(page.body)).toContain('Kõigi kannete summa 0,00 €');
    expect(textOf(page.body)).toContain('Hoiul tellimuste kaupa Kandeid ei ole.');
  });
});
