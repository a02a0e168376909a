import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/adapters/payments/jwt.js';
import { PaymentProviderError } from '../../src/adapters/payments/provider.js';
import { sign } from '../../src/adapters/tokens.js';
import { getInquiry } from '../../src/use-cases/inquiries.js';
import { declineInvitation } from '../../src/use-cases/invitations.js';
import { cancelOverduePayments } from '../../src/use-cases/payments.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { emailsTo } from '../support/emails.js';
import { createUser, loginAs } from '../support/factories.js';
import { createExpert, createField } from '../support/experts.js';
import { actorOf, createInquiryAs, makeOfferAs } from '../support/inquiries.js';
import { fieldError, signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const minute = 60_000;
const origin = 'http://konsult.test';
/** The sandbox signs with a key derived from the portal's secret (src/container.ts). */
const sandboxSecret = sign('test-secret-test-secret-test-secret-0123', 'sandbox-payments');

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

// ---- reading pages ----

/** The visible text of a page's main part, with Intl's non-breaking spaces as plain ones. */
function textOf(html: string): string {
  return mainText(html).replace(/[\u00a0\u202f]/g, ' ');
}

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

function flashOf(html: string): string | undefined {
  const flash = /<p class="flash"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1];
  return flash === undefined ? undefined : decode(flash.trim());
}

/** The path and query of an absolute portal address (what the browser opens next). */
function pathOf(url: string | undefined): string {
  if (url === undefined) throw new Error('expected a redirect');
  const parsed = new URL(url, origin);
  if (parsed.origin !== origin) throw new Error(`left the portal: ${url}`);
  return `${parsed.pathname}${parsed.search}`;
}

/** The buttons of the sandbox's payment form, by their action value. */
function sandboxButtons(html: string): string[] {
  return [...html.matchAll(/<button type="submit" name="action" value="(\w+)"/g)].map((m) => m[1]!);
}

// ---- reading the database ----

async function orderRow(orderId: number) {
  return t.deps.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
}

async function paymentOf(orderId: number) {
  return t.deps.db.selectFrom('payments').selectAll().where('order_id', '=', orderId).executeTakeFirstOrThrow();
}

async function eventsOf(orderId: number) {
  return t.deps.db
    .selectFrom('payment_events')
    .innerJoin('payments', 'payments.id', 'payment_events.payment_id')
    .select(['payment_events.source', 'payment_events.provider_status', 'payment_events.applied', 'payment_events.amount_cents'])
    .where('payments.order_id', '=', orderId)
    .orderBy('payment_events.id')
    .execute();
}

async function ledgerOf(orderId: number) {
  return t.deps.db.selectFrom('ledger_entries').select(['transaction_id', 'kind', 'account', 'amount_cents']).where('order_id', '=', orderId).orderBy('id').execute();
}

async function allLedgerEntries() {
  return t.deps.db.selectFrom('ledger_entries').select(['kind', 'account', 'amount_cents']).orderBy('id').execute();
}

/** What an account holds: the sum of its entries. */
async function balanceOf(account: string): Promise<number> {
  const rows = await t.deps.db.selectFrom('ledger_entries').select('amount_cents').where('account', '=', account).execute();
  return rows.reduce((sum, row) => sum + row.amount_cents, 0);
}

async function inquiryStatus(inquiryId: number): Promise<string> {
  return (await t.deps.db.selectFrom('inquiries').select('status').where('id', '=', inquiryId).executeTakeFirstOrThrow()).status;
}

/** Each invited expert's invitation status, by expert id. */
async function invitationStatuses(inquiryId: number): Promise<Record<number, string>> {
  const rows = await t.deps.db.selectFrom('invitations').select(['expert_id', 'status']).where('inquiry_id', '=', inquiryId).execute();
  return Object.fromEntries(rows.map((r) => [r.expert_id, r.status]));
}

/** Each offer's status, by the expert who made it. */
async function offerStatuses(inquiryId: number): Promise<Record<number, string>> {
  const rows = await t.deps.db.selectFrom('offers').select(['expert_id', 'status']).where('inquiry_id', '=', inquiryId).execute();
  return Object.fromEntries(rows.map((r) => [r.expert_id, r.status]));
}

/** How many notices of a kind a user has in the mailbox. */
async function noticeCount(userId: number, kind: string): Promise<number> {
  return (await t.deps.db.selectFrom('notices').select('id').where('user_id', '=', userId).where('kind', '=', kind).execute()).length;
}

async function ordersOf(inquiryId: number) {
  return t.deps.db.selectFrom('orders').select(['id', 'status', 'offer_id']).where('inquiry_id', '=', inquiryId).orderBy('id').execute();
}

// ---- a customer's inquiry to five experts: two offers, one decline, one opened, one untouched ----

async function scene() {
  const field = await createField(t, { nameEt: 'Liiklusõnnetused' });
  const winner = await createExpert(t, { name: 'Anna Aas', email: 'anna@example.ee', phone: '+372 5111 2222', fieldIds: [field.id] });
  const rival = await createExpert(t, { name: 'Berit Bee', email: 'berit@example.ee', fieldIds: [field.id] });
  const decliner = await createExpert(t, { name: 'Carl Cee', email: 'carl@example.ee', fieldIds: [field.id] });
  const reader = await createExpert(t, { name: 'Dora Dee', email: 'dora@example.ee', fieldIds: [field.id] });
  const silent = await createExpert(t, { name: 'Eero Ee', email: 'eero@example.ee', fieldIds: [field.id] });
  const customer = await signedInUser(t, { name: 'Kristjan Salajane', email: 'kristjan@example.ee', phone: '+372 5999 8877' });
  const moderator = await createUser(t, { name: 'Mari Moderaator', email: 'mari@example.ee', roles: ['moderator'] });
  const admin = await createUser(t, { name: 'Aadu Admin', email: 'aadu@example.ee', roles: ['admin'] });
  const inquiryId = await createInquiryAs(t, customer.user, {
    fieldId: field.id,
    expertIds: [winner.id, rival.id, decliner.id, reader.id, silent.id],
    title: 'Avarii ristmikul',
  });
  await makeOfferAs(t, winner, inquiryId, { priceCents: 9_050 });
  await makeOfferAs(t, rival, inquiryId, { priceCents: 12_000 });
  await declineInvitation(t.deps, await actorOf(t, decliner), inquiryId, { reason: 'tooBusy', note: '' });
  await getInquiry(t.deps, await actorOf(t, reader), inquiryId, 'et');
  const offers = await t.deps.db.selectFrom('offers').select(['id', 'expert_id']).where('inquiry_id', '=', inquiryId).execute();
  const offerOf = (expertId: number) => offers.find((o) => o.expert_id === expertId)!.id;
  return {
    winner,
    rival,
    decliner,
    reader,
    silent,
    customer,
    moderator,
    admin,
    inquiryId,
    page: `/inquiries/${inquiryId}`,
    winnerOffer: offerOf(winner.id),
    rivalOffer: offerOf(rival.id),
  };
}

type Scene = Awaited<ReturnType<typeof scene>>;

async function signedIn(user: { email: string; password: string }): Promise<Browser> {
  const browser = t.browser();
  await loginAs(browser, user);
  return browser;
}

/** Presses "Telli ja maksa" for an offer on the inquiry page. */
async function order(s: Scene, offerId: number, browser: Browser = s.customer.browser): Promise<Page> {
  return browser.post(`${s.page}/order`, { offerId: String(offerId) }, { formPage: s.page });
}

type Started = { orderId: number; ref: string; payPage: string };

/** Orders an offer and lands on the sandbox's payment page: the new order and the sandbox's payment id. */
async function startPayment(s: Scene, offerId = s.winnerOffer): Promise<Started> {
  const ordered = await order(s, offerId);
  expect(ordered.status).toBe(303);
  const ref = /^http:\/\/konsult\.test\/sandbox\/pay\/([0-9a-f-]{36})$/.exec(ordered.location ?? '')?.[1];
  if (!ref) throw new Error(`not sent to the payment page: ${ordered.status} ${ordered.location}`);
  const orderId = (await ordersOf(s.inquiryId)).at(-1)!.id;
  return { orderId, ref, payPage: pathOf(ordered.location) };
}

/** Opens the sandbox's payment page and presses one of its buttons; the answer sends the browser back. */
async function press(browser: Browser, started: Started, action: 'pay' | 'fail' | 'cancel'): Promise<Page> {
  await browser.get(started.payPage);
  return browser.post(`/sandbox/pay/${started.ref}`, { action });
}

/** Pays the way a customer does: the sandbox page's pay button, then back to the portal. */
async function pay(s: Scene, started: Started): Promise<Page> {
  const browser = s.customer.browser;
  const back = await browser.follow(await press(browser, started, 'pay'));
  expect(back.location).toBe(`/orders/${started.orderId}`);
  return browser.follow(back);
}

// ---- signed notifications ----

type SandboxClaims = {
  uuid: string;
  accessKey: string;
  merchantReference: string;
  paymentStatus: string;
  grandTotal: number;
  currency: string;
  iat: number;
  exp: number;
};

/** What the sandbox would sign for an order's payment now (PAID unless told otherwise). */
async function claimsFor(orderId: number, overrides: Partial<SandboxClaims> = {}): Promise<SandboxClaims> {
  const payment = await paymentOf(orderId);
  const now = Math.floor(t.clock.now().getTime() / 1000);
  return {
    uuid: payment.provider_ref!,
    accessKey: 'sandbox',
    merchantReference: payment.merchant_reference,
    paymentStatus: 'PAID',
    grandTotal: payment.amount_cents / 100,
    currency: 'EUR',
    iat: now,
    exp: now + 600,
    ...overrides,
  };
}

/** A notification token exactly as the sandbox signs it. */
async function tokenFor(orderId: number, overrides: Partial<SandboxClaims> = {}): Promise<string> {
  return signJwt(await claimsFor(orderId, overrides), sandboxSecret);
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** A signed token whose payload was swapped afterwards, the signature kept. */
function tampered(token: string, change: (claims: Record<string, unknown>) => Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${header}.${base64url(change(claims))}.${signature}`;
}

/** The provider's server-to-server call: JSON, no cookies, no CSRF token. */
async function notify(body: Record<string, unknown>, url = '/payments/notify/sandbox'): Promise<number> {
  const response = await t.app.inject({ method: 'POST', url, payload: body });
  return response.statusCode;
}

/** Everything a notification could change, for "nothing changed" comparisons. */
async function stateOf(s: Scene, orderId: number) {
  const order = await orderRow(orderId);
  const payment = await paymentOf(orderId);
  const notices = await t.deps.db.selectFrom('notices').select('id').execute();
  const emails = await t.deps.db.selectFrom('outbox_emails').select('id').execute();
  return {
    order: { status: order.status, paidAt: order.paid_at, cancelledAt: order.cancelled_at },
    payment: { status: payment.status, settledAt: payment.settled_at, refunded: payment.refunded_cents },
    inquiry: await inquiryStatus(s.inquiryId),
    invitations: await invitationStatuses(s.inquiryId),
    offers: await offerStatuses(s.inquiryId),
    events: await eventsOf(orderId),
    ledger: await allLedgerEntries(),
    notices: notices.length,
    emails: emails.length,
  };
}

// ---- the happy path ----

describe('paying in the sandbox', () => {
  it('orders an offer, shows the sandbox’s payment page with the exact amount, and pays: the order is paid and the inquiry settled', async () => {
    const s = await scene();
    const payingEvents = async () => (await t.deps.db.selectFrom('payment_events').select('id').execute()).length;

    const ordered = await order(s, s.winnerOffer);

    expect(ordered.status).toBe(303);
    expect(ordered.location).toMatch(/^http:\/\/konsult\.test\/sandbox\/pay\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const [created] = await ordersOf(s.inquiryId);
    expect(created).toMatchObject({ status: 'awaiting_payment', offer_id: s.winnerOffer });
    expect(await inquiryStatus(s.inquiryId)).toBe('ordered');
    expect(await paymentOf(created!.id)).toMatchObject({ status: 'pending', amount_cents: 9_050, currency: 'EUR', merchant_reference: `KONSULT-${created!.id}` });

    const payPage = await s.customer.browser.get(pathOf(ordered.location));
    expect(payPage.status).toBe(200);
    expect(textOf(payPage.body)).toContain('90,50 €');
    expect(textOf(payPage.body)).toContain(`KONSULT-${created!.id}`);
    expect(sandboxButtons(payPage.body)).toEqual(['pay', 'fail', 'cancel']);
    expect(await payingEvents()).toBe(0);

    const ref = /\/sandbox\/pay\/([0-9a-f-]+)$/.exec(ordered.location!)![1]!;
    const paid = await s.customer.browser.post(`/sandbox/pay/${ref}`, { action: 'pay' });
    expect(paid.status).toBe(303);
    expect(paid.location).toMatch(/^http:\/\/konsult\.test\/payments\/return\/sandbox\?order-token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

    const back = await s.customer.browser.get(pathOf(paid.location));
    expect(back.status).toBe(303);
    expect(back.location).toBe(`/orders/${created!.id}`);
    const orderPage = await s.customer.browser.follow(back);
    expect(orderPage.status).toBe(200);
    expect(textOf(orderPage.body)).toContain('Tasutud, töö käib');
    // The winner's contact data, now that the order is paid.
    expect(textOf(orderPage.body)).toContain('anna@example.ee');
    expect(textOf(orderPage.body)).toContain('+372 5111 2222');

    const row = await orderRow(created!.id);
    expect(row.status).toBe('in_progress');
    expect(row.paid_at).toBe(t.clock.now().toISOString());
    expect((await paymentOf(created!.id)).status).toBe('succeeded');
    expect(await inquiryStatus(s.inquiryId)).toBe('ordered');
    expect(await invitationStatuses(s.inquiryId)).toEqual({
      [s.winner.id]: 'won',
      [s.rival.id]: 'lost',
      [s.decliner.id]: 'declined',
      [s.reader.id]: 'lost',
      [s.silent.id]: 'lost',
    });
    expect(await offerStatuses(s.inquiryId)).toEqual({ [s.winner.id]: 'ordered', [s.rival.id]: 'lost' });
    // The notification (applied) and the return's status query (already applied): one row per delivery.
    expect(await eventsOf(created!.id)).toEqual([
      { source: 'notification', provider_status: 'PAID', applied: 1, amount_cents: 9_050 },
      { source: 'query', provider_status: 'PAID', applied: 0, amount_cents: 9_050 },
    ]);
    const ledger = await ledgerOf(created!.id);
    expect(ledger.map((e) => [e.kind, e.account, e.amount_cents])).toEqual([
      ['payment', 'provider', -9_050],
      ['payment', `escrow:order:${created!.id}`, 9_050],
    ]);
    expect(new Set(ledger.map((e) => e.transaction_id)).size).toBe(1);

    expect(await noticeCount(s.customer.user.id, 'orderPaidCustomer')).toBe(1);
    expect(await noticeCount(s.winner.id, 'orderPaidExpert')).toBe(1);
    for (const loser of [s.rival, s.reader, s.silent]) expect(await noticeCount(loser.id, 'offerNotChosen')).toBe(1);
    // The expert who declined has nothing to lose and is not told.
    expect(await noticeCount(s.decliner.id, 'offerNotChosen')).toBe(0);
    expect((await emailsTo(t, 'anna@example.ee')).map((e) => e.subject)).toContain('Teie pakkumine telliti: Avarii ristmikul');
    expect((await emailsTo(t, 'berit@example.ee')).map((e) => e.subject)).toContain('Tellija valis teise pakkumise: Avarii ristmikul');

    // The sandbox's page is done with: no buttons any more.
    const again = await s.customer.browser.get(pathOf(ordered.location));
    expect(textOf(again.body)).toContain('See makse on juba lõpetatud.');
    expect(sandboxButtons(again.body)).toEqual([]);
  });

  it('the winner sees the order as paid, with the customer’s contact data', async () => {
    const s = await scene();
    const started = await startPayment(s);
    await pay(s, started);

    const anna = await signedIn(s.winner);
    const page = await anna.get(`/orders/${started.orderId}`);

    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('Tasutud, töö käib');
    expect(textOf(page.body)).toContain('kristjan@example.ee');
  });
});

// ---- fail and cancel ----

describe('the payer fails or cancels on the sandbox page', () => {
  it.each([
    ['fail', 'VOIDED', 'failed'],
    ['cancel', 'ABANDONED', 'cancelled'],
  ] as const)('“%s”: the order is cancelled, the inquiry is open again and the customer is told', async (action, providerStatus, paymentStatus) => {
    const s = await scene();
    const started = await startPayment(s);

    const answer = await press(s.customer.browser, started, action);
    expect(answer.status).toBe(303);
    expect(answer.location).toMatch(/^http:\/\/konsult\.test\/payments\/return\/sandbox\?order-token=/);
    const back = await s.customer.browser.get(pathOf(answer.location));
    expect(back.location).toBe(`/orders/${started.orderId}`);
    const page = await s.customer.browser.follow(back);

    expect(textOf(page.body)).toContain('Tühistatud');
    expect(textOf(page.body)).toContain('Makse jäi tegemata, seega tellimus tühistati.');
    expect(textOf(page.body)).not.toContain('anna@example.ee');
    const row = await orderRow(started.orderId);
    expect(row.status).toBe('cancelled');
    expect(row.paid_at).toBeNull();
    expect((await paymentOf(started.orderId)).status).toBe(paymentStatus);
    expect((await eventsOf(started.orderId)).map((e) => [e.source, e.provider_status, e.applied])).toEqual([
      ['notification', providerStatus, 1],
      ['query', providerStatus, 0],
    ]);
    expect(await inquiryStatus(s.inquiryId)).toBe('open');
    // Nobody won or lost; the offers stand.
    expect(await invitationStatuses(s.inquiryId)).toEqual({
      [s.winner.id]: 'offered',
      [s.rival.id]: 'offered',
      [s.decliner.id]: 'declined',
      [s.reader.id]: 'seen',
      [s.silent.id]: 'new',
    });
    expect(await offerStatuses(s.inquiryId)).toEqual({ [s.winner.id]: 'active', [s.rival.id]: 'active' });
    expect(await allLedgerEntries()).toEqual([]);
    expect(await noticeCount(s.customer.user.id, 'paymentFailed')).toBe(1);
    expect((await emailsTo(t, 'kristjan@example.ee')).map((e) => e.subject)).toContain('Makse jäi tegemata: Avarii ristmikul');
    expect(await noticeCount(s.winner.id, 'orderPaidExpert')).toBe(0);
    expect(await noticeCount(s.rival.id, 'offerNotChosen')).toBe(0);
  });

  it.each(['fail', 'cancel'] as const)('after “%s” the customer orders the same offer again and pays', async (action) => {
    const s = await scene();
    const first = await startPayment(s);
    await s.customer.browser.follow(await press(s.customer.browser, first, action));

    const second = await startPayment(s, s.winnerOffer);
    expect(second.orderId).not.toBe(first.orderId);
    expect(second.ref).not.toBe(first.ref);
    const page = await pay(s, second);

    expect(textOf(page.body)).toContain('Tasutud, töö käib');
    expect(await ordersOf(s.inquiryId)).toEqual([
      { id: first.orderId, status: 'cancelled', offer_id: s.winnerOffer },
      { id: second.orderId, status: 'in_progress', offer_id: s.winnerOffer },
    ]);
    expect((await paymentOf(second.orderId)).merchant_reference).toBe(`KONSULT-${second.orderId}`);
    expect(await offerStatuses(s.inquiryId)).toEqual({ [s.winner.id]: 'ordered', [s.rival.id]: 'lost' });
    expect(await balanceOf(`escrow:order:${first.orderId}`)).toBe(0);
    expect(await balanceOf(`escrow:order:${second.orderId}`)).toBe(9_050);
  });

  it('after a failed payment the customer orders the other offer and pays for that one', async () => {
    const s = await scene();
    const first = await startPayment(s, s.winnerOffer);
    await s.customer.browser.follow(await press(s.customer.browser, first, 'fail'));

    const second = await startPayment(s, s.rivalOffer);
    const payPage = await s.customer.browser.get(second.payPage);
    expect(textOf(payPage.body)).toContain('120,00 €');
    const page = await pay(s, second);

    expect(textOf(page.body)).toContain('Tasutud, töö käib');
    expect(textOf(page.body)).toContain('berit@example.ee');
    expect(await invitationStatuses(s.inquiryId)).toMatchObject({ [s.rival.id]: 'won', [s.winner.id]: 'lost', [s.decliner.id]: 'declined' });
    expect(await offerStatuses(s.inquiryId)).toEqual({ [s.winner.id]: 'lost', [s.rival.id]: 'ordered' });
    expect(await noticeCount(s.rival.id, 'orderPaidExpert')).toBe(1);
    expect(await noticeCount(s.winner.id, 'offerNotChosen')).toBe(1);
    expect(await balanceOf(`escrow:order:${second.orderId}`)).toBe(12_000);
  });
});

// ---- webhook security ----

type Refusal = {
  name: string;
  /** The request body (or a token to send as orderToken); may move the clock. */
  body: (orderId: number) => Promise<Record<string, unknown>>;
  url?: string;
  status: 400 | 404;
};

const refusals: Refusal[] = [
  {
    name: 'a PENDING token whose status was changed to PAID, the signature kept',
    body: async (id) => ({ orderToken: tampered(await tokenFor(id, { paymentStatus: 'PENDING' }), (c) => ({ ...c, paymentStatus: 'PAID' })) }),
    status: 400,
  },
  {
    name: 'a VOIDED token whose status was changed to PAID, the signature kept',
    body: async (id) => ({ orderToken: tampered(await tokenFor(id, { paymentStatus: 'VOIDED' }), (c) => ({ ...c, paymentStatus: 'PAID' })) }),
    status: 400,
  },
  {
    name: 'a PAID token whose grandTotal was changed, the signature kept',
    body: async (id) => ({ orderToken: tampered(await tokenFor(id), (c) => ({ ...c, grandTotal: 0.5 })) }),
    status: 400,
  },
  {
    name: 'a token signed with another key',
    body: async (id) => ({ orderToken: signJwt(await claimsFor(id), 'not-the-sandbox-key-not-the-sandbox-key') }),
    status: 400,
  },
  {
    name: 'a token signed with the portal’s own secret instead of the sandbox’s key',
    body: async (id) => ({ orderToken: signJwt(await claimsFor(id), 'test-secret-test-secret-test-secret-0123') }),
    status: 400,
  },
  {
    name: 'an unsigned token (alg none)',
    body: async (id) => ({ orderToken: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(await claimsFor(id))}.` }),
    status: 400,
  },
  {
    name: 'a token with alg none that keeps a valid signature',
    body: async (id) => {
      const [, payload, signature] = (await tokenFor(id)).split('.');
      return { orderToken: `${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}` };
    },
    status: 400,
  },
  {
    name: 'a token that expired more than five minutes ago',
    body: async (id) => {
      const token = await tokenFor(id);
      // It was valid for 10 minutes; 5 minutes of leeway; one second more.
      t.clock.advance(15 * minute + 1_000);
      return { orderToken: token };
    },
    status: 400,
  },
  {
    name: 'a token without an expiry',
    body: async (id) => {
      const { exp: _exp, ...claims } = await claimsFor(id);
      return { orderToken: signJwt(claims, sandboxSecret) };
    },
    status: 400,
  },
  { name: 'a token with the wrong access key', body: async (id) => ({ orderToken: await tokenFor(id, { accessKey: 'someone-else' }) }), status: 400 },
  { name: 'a correctly signed token one cent short', body: async (id) => ({ orderToken: await tokenFor(id, { grandTotal: 90.49 }) }), status: 400 },
  { name: 'a correctly signed token one cent over', body: async (id) => ({ orderToken: await tokenFor(id, { grandTotal: 90.51 }) }), status: 400 },
  { name: 'a correctly signed token in another currency', body: async (id) => ({ orderToken: await tokenFor(id, { currency: 'USD' }) }), status: 400 },
  { name: 'a correctly signed token for an unknown merchant reference', body: async (id) => ({ orderToken: await tokenFor(id, { merchantReference: 'KONSULT-999999' }) }), status: 400 },
  { name: 'a correctly signed token for a reference that is not the portal’s', body: async (id) => ({ orderToken: await tokenFor(id, { merchantReference: `OTHER-${id}` }) }), status: 400 },
  { name: 'a correctly signed token whose payment id (uuid) is not the payment’s', body: async (id) => ({ orderToken: await tokenFor(id, { uuid: randomUUID() }) }), status: 400 },
  { name: 'a malformed token', body: async () => ({ orderToken: 'not.a.token' }), status: 400 },
  { name: 'a body without a token', body: async () => ({ paymentStatus: 'PAID' }), status: 400 },
  { name: 'a valid token sent to another provider’s address', body: async (id) => ({ orderToken: await tokenFor(id) }), url: '/payments/notify/montonio', status: 404 },
  { name: 'a valid token sent to an unknown provider’s address', body: async (id) => ({ orderToken: await tokenFor(id) }), url: '/payments/notify/paypal', status: 404 },
];

describe('the payment notification refuses what it cannot trust', () => {
  it.each(refusals)('$name: refused ($status), and nothing changes', async ({ body, url, status }) => {
    const s = await scene();
    const started = await startPayment(s);
    const before = await stateOf(s, started.orderId);

    expect(await notify(await body(started.orderId), url)).toBe(status);

    expect(await stateOf(s, started.orderId)).toEqual(before);
    expect((await orderRow(started.orderId)).status).toBe('awaiting_payment');
    expect((await paymentOf(started.orderId)).status).toBe('pending');
    expect(await allLedgerEntries()).toEqual([]);
    // The same order still takes a genuine notification.
    expect(await notify({ orderToken: await tokenFor(started.orderId) })).toBe(200);
    expect((await orderRow(started.orderId)).status).toBe('in_progress');
  });

  it('accepts a token within the five minutes of leeway after its expiry', async () => {
    const s = await scene();
    const started = await startPayment(s);
    const token = await tokenFor(started.orderId);
    t.clock.advance(15 * minute - 1_000);

    expect(await notify({ orderToken: token })).toBe(200);
    expect((await orderRow(started.orderId)).status).toBe('in_progress');
  });

  it('needs no CSRF token, yet a signed-in browser’s session is no authority: its own “payment” is refused', async () => {
    const s = await scene();
    const started = await startPayment(s);
    const before = await stateOf(s, started.orderId);
    const staff = await signedIn(s.admin);

    for (const browser of [s.customer.browser, staff]) {
      await browser.get(s.page);
      // A form post with the session cookie and a valid CSRF token, claiming the payment went through.
      const claimed = await browser.post('/payments/notify/sandbox', { paymentStatus: 'PAID', merchantReference: `KONSULT-${started.orderId}` });
      expect(claimed.status).toBe(400);
      const forged = await browser.post('/payments/notify/sandbox', { orderToken: signJwt(await claimsFor(started.orderId), 'a-key-the-browser-made-up') });
      expect(forged.status).toBe(400);
    }

    expect(await stateOf(s, started.orderId)).toEqual(before);
    // The provider, with no session and no CSRF token at all, is heard.
    expect(await notify({ orderToken: await tokenFor(started.orderId) })).toBe(200);
    expect((await orderRow(started.orderId)).status).toBe('in_progress');
  });

  it('takes the token from ?order-token= as well (Montonio sends both)', async () => {
    const s = await scene();
    const started = await startPayment(s);
    const token = await tokenFor(started.orderId);

    const response = await t.app.inject({ method: 'POST', url: `/payments/notify/sandbox?order-token=${encodeURIComponent(token)}` });

    expect(response.statusCode).toBe(200);
    expect((await orderRow(started.orderId)).status).toBe('in_progress');
  });
});

// ---- idempotence and ordering ----

describe('notifications are applied once, whatever the order they come in', () => {
  async function expectPaidOnce(s: Scene, orderId: number, deliveries: number): Promise<void> {
    expect((await orderRow(orderId)).status).toBe('in_progress');
    expect((await paymentOf(orderId)).status).toBe('succeeded');
    const events = await eventsOf(orderId);
    expect(events).toHaveLength(deliveries);
    expect(events.filter((e) => e.applied === 1)).toHaveLength(1);
    const ledger = await ledgerOf(orderId);
    expect(ledger.map((e) => e.amount_cents)).toEqual([-9_050, 9_050]);
    expect(new Set(ledger.map((e) => e.transaction_id)).size).toBe(1);
    expect(await noticeCount(s.customer.user.id, 'orderPaidCustomer')).toBe(1);
    expect(await noticeCount(s.winner.id, 'orderPaidExpert')).toBe(1);
    for (const loser of [s.rival, s.reader, s.silent]) expect(await noticeCount(loser.id, 'offerNotChosen')).toBe(1);
    expect((await emailsTo(t, 'kristjan@example.ee')).filter((e) => e.subject === 'Makse on kätte saadud: Avarii ristmikul')).toHaveLength(1);
    expect((await emailsTo(t, 'anna@example.ee')).filter((e) => e.subject === 'Teie pakkumine telliti: Avarii ristmikul')).toHaveLength(1);
  }

  it('the sandbox’s own PAID notification delivered ten times in a row: one transition', async () => {
    const s = await scene();
    const started = await startPayment(s);
    // The sandbox delivers it once when the payer presses pay; its token rides on the return address.
    const answer = await press(s.customer.browser, started, 'pay');
    const token = new URL(answer.location!).searchParams.get('order-token')!;

    for (let i = 0; i < 9; i += 1) expect(await notify({ orderToken: token })).toBe(200);

    await expectPaidOnce(s, started.orderId, 10);
  });

  it('the same PAID notification ten times at once: one transition', async () => {
    const s = await scene();
    const started = await startPayment(s);
    const token = await tokenFor(started.orderId);

    const statuses = await Promise.all(Array.from({ length: 10 }, () => notify({ orderToken: token })));

    expect(statuses).toEqual(Array(10).fill(200));
    await expectPaidOnce(s, started.orderId, 10);
  });

  it('VOIDED or ABANDONED after PAID is ignored: the order stays paid', async () => {
    const s = await scene();
    const started = await startPayment(s);
    await pay(s, started);

    expect(await notify({ orderToken: await tokenFor(started.orderId, { paymentStatus: 'VOIDED' }) })).toBe(200);
    expect(await notify({ orderToken: await tokenFor(started.orderId, { paymentStatus: 'ABANDONED' }) })).toBe(200);

    expect((await orderRow(started.orderId)).status).toBe('in_progress');
    expect((await paymentOf(started.orderId)).status).toBe('succeeded');
    expect(await inquiryStatus(s.inquiryId)).toBe('ordered');
    expect((await eventsOf(started.orderId)).slice(-2).map((e) => [e.provider_status, e.applied])).toEqual([
      ['VOIDED', 0],
      ['ABANDONED', 0],
    ]);
    expect(await balanceOf(`escrow:order:${started.orderId}`)).toBe(9_050);
    expect(await noticeCount(s.customer.user.id, 'paymentFailed')).toBe(0);
  });

  it('a late PAID after the order was cancelled by the timeout: the money is recorded and held, staff are asked to refund, the order stays cancelled', async () => {
    const s = await scene();
    const started = await startPayment(s);
    t.clock.advance(31 * minute);
    expect(await cancelOverduePayments(t.deps)).toBe(1);
    expect((await orderRow(started.orderId)).status).toBe('cancelled');
    expect((await paymentOf(started.orderId)).status).toBe('cancelled');

    expect(await notify({ orderToken: await tokenFor(started.orderId) })).toBe(200);

    expect((await orderRow(started.orderId)).status).toBe('cancelled');
    expect((await paymentOf(started.orderId)).status).toBe('succeeded');
    expect(await inquiryStatus(s.inquiryId)).toBe('open');
    expect(await offerStatuses(s.inquiryId)).toEqual({ [s.winner.id]: 'active', [s.rival.id]: 'active' });
    expect((await invitationStatuses(s.inquiryId))[s.winner.id]).toBe('offered');
    expect(await balanceOf(`escrow:order:${started.orderId}`)).toBe(9_050);
    expect(await balanceOf('provider')).toBe(-9_050);
    expect(await noticeCount(s.moderator.id, 'latePayment')).toBe(1);
    expect(await noticeCount(s.admin.id, 'latePayment')).toBe(1);
    expect(await noticeCount(s.customer.user.id, 'latePayment')).toBe(0);
    expect(await noticeCount(s.winner.id, 'orderPaidExpert')).toBe(0);
    expect(await noticeCount(s.customer.user.id, 'orderPaidCustomer')).toBe(0);

    // Delivered again, it changes nothing more.
    expect(await notify({ orderToken: await tokenFor(started.orderId) })).toBe(200);
    expect(await balanceOf(`escrow:order:${started.orderId}`)).toBe(9_050);
    expect(await noticeCount(s.moderator.id, 'latePayment')).toBe(1);
  });

  it('a late PAID after the payer cancelled on the sandbox page (ABANDONED): the same, the order stays cancelled', async () => {
    const s = await scene();
    const started = await startPayment(s);
    await s.customer.browser.follow(await press(s.customer.browser, started, 'cancel'));

    expect(await notify({ orderToken: await tokenFor(started.orderId) })).toBe(200);

    expect((await orderRow(started.orderId)).status).toBe('cancelled');
    expect((await paymentOf(started.orderId)).status).toBe('succeeded');
    expect(await balanceOf(`escrow:order:${started.orderId}`)).toBe(9_050);
    expect(await noticeCount(s.moderator.id, 'latePayment')).toBe(1);
  });

  it('a payer who pays on a sandbox page left open past the timeout: a late payment that staff can refund in full', async () => {
    const s = await scene();
    const started = await startPayment(s);
    t.clock.advance(31 * minute);
    expect(await cancelOverduePayments(t.deps)).toBe(1);

    const page = await s.customer.browser.follow(await s.customer.browser.follow(await press(s.customer.browser, started, 'pay')));

    expect(textOf(page.body)).toContain('Tühistatud');
    expect((await orderRow(started.orderId)).status).toBe('cancelled');
    expect((await paymentOf(started.orderId)).status).toBe('succeeded');
    expect(await inquiryStatus(s.inquiryId)).toBe('open');
    expect(await noticeCount(s.moderator.id, 'latePayment')).toBe(1);
    expect(await balanceOf(`escrow:order:${started.orderId}`)).toBe(9_050);

    const mari = await signedIn(s.moderator);
    const orderPage = await mari.get(`/orders/${started.orderId}`);
    expect(orderPage.body).toContain(`action="/orders/${started.orderId}/refunds"`);
    const refunded = await mari.post(`/orders/${started.orderId}/refunds`, { amount: '90,50', reason: 'Hilinenud makse tühistatud tellimusele.' });
    expect(refunded.status).toBe(303);
    expect(await balanceOf(`escrow:order:${started.orderId}`)).toBe(0);
    expect(await balanceOf('provider')).toBe(0);
    expect((await paymentOf(started.orderId)).refunded_cents).toBe(9_050);
  });

  it.each(['PENDING', 'AUTHORIZED'])('%s changes nothing, and is recorded as not applied', async (providerStatus) => {
    const s = await scene();
    const started = await startPayment(s);
    const before = await stateOf(s, started.orderId);

    expect(await notify({ orderToken: await tokenFor(started.orderId, { paymentStatus: providerStatus }) })).toBe(200);

    const after = await stateOf(s, started.orderId);
    expect({ ...after, events: [] }).toEqual({ ...before, events: [] });
    expect(after.events).toEqual([{ source: 'notification', provider_status: providerStatus, applied: 0, amount_cents: 9_050 }]);
  });

  it('a refund notification is acknowledged and changes nothing', async () => {
    const s = await scene();
    const started = await startPayment(s);
    await pay(s, started);
    const before = await stateOf(s, started.orderId);

    expect(await notify({ refundToken: await tokenFor(started.orderId, { paymentStatus: 'REFUNDED' }) })).toBe(200);

    expect(await stateOf(s, started.orderId)).toEqual(before);
  });
});

// ---- the return address ----

describe('the browser’s return is never trusted alone', () => {
  it('a validly signed PAID token while the sandbox says PENDING: the order is not paid', async () => {
    const s = await scene();
    const started = await startPayment(s);
    const token = await tokenFor(started.orderId);

    const back = await s.customer.browser.get(`/payments/return/sandbox?order-token=${encodeURIComponent(token)}`);
    expect(back.status).toBe(303);
    expect(back.location).toBe(`/orders/${started.orderId}`);
    const page = await s.customer.browser.follow(back);

    expect(textOf(page.body)).toContain('Ootab makset');
    expect(textOf(page.body)).not.toContain('anna@example.ee');
    expect((await orderRow(started.orderId)).status).toBe('awaiting_payment');
    expect((await paymentOf(started.orderId)).status).toBe('pending');
    expect(await eventsOf(started.orderId)).toEqual([{ source: 'query', provider_status: 'PENDING', applied: 0, amount_cents: 9_050 }]);
    expect(await allLedgerEntries()).toEqual([]);
  });

  it('a validly signed PAID token for a payment the sandbox never saw: the order is not paid', async () => {
    const s = await scene();
    const started = await startPayment(s);
    const token = await tokenFor(started.orderId, { uuid: randomUUID() });

    const back = await s.customer.browser.get(`/payments/return/sandbox?order-token=${encodeURIComponent(token)}`);

    expect(back.status).toBe(303);
    expect((await orderRow(started.orderId)).status).toBe('awaiting_payment');
    expect((await paymentOf(started.orderId)).status).toBe('pending');
    expect(await allLedgerEntries()).toEqual([]);
  });

  it('a tampered token is answered with a 400 page', async () => {
    const s = await scene();
    const started = await startPayment(s);
    const token = tampered(await tokenFor(started.orderId, { paymentStatus: 'PENDING' }), (c) => ({ ...c, paymentStatus: 'PAID' }));

    const page = await s.customer.browser.get(`/payments/return/sandbox?order-token=${encodeURIComponent(token)}`);

    expect(page.status).toBe(400);
    expect(textOf(page.body)).toContain('Päringut ei saanud töödelda');
    expect((await orderRow(started.orderId)).status).toBe('awaiting_payment');
    expect(await eventsOf(started.orderId)).toEqual([]);
  });

  it('a return without a token, or to another provider’s address, is a 400 page', async () => {
    const s = await scene();
    const started = await startPayment(s);

    expect((await s.customer.browser.get('/payments/return/sandbox')).status).toBe(400);
    expect((await s.customer.browser.get(`/payments/return/montonio?order-token=${encodeURIComponent(await tokenFor(started.orderId))}`)).status).toBe(400);
    expect((await orderRow(started.orderId)).status).toBe('awaiting_payment');
  });

  it('the return needs a signed-in user: a visitor is sent to sign in and nothing is applied', async () => {
    const s = await scene();
    const started = await startPayment(s);
    const returnUrl = `/payments/return/sandbox?order-token=${encodeURIComponent(await tokenFor(started.orderId))}`;
    const visitor = t.browser();

    const page = await visitor.get(returnUrl);

    expect(page.status).toBe(303);
    expect(page.location).toBe(`/login?next=${encodeURIComponent(returnUrl)}`);
    expect(await eventsOf(started.orderId)).toEqual([]);
    expect((await orderRow(started.orderId)).status).toBe('awaiting_payment');
  });
});

// ---- the payment timeout ----

describe('an order that is not paid in time', () => {
  it('is cancelled after 30 minutes by the sweep, and the inquiry opens again', async () => {
    const s = await scene();
    const started = await startPayment(s);

    t.clock.advance(29 * minute);
    expect(await cancelOverduePayments(t.deps)).toBe(0);
    expect((await orderRow(started.orderId)).status).toBe('awaiting_payment');

    t.clock.advance(2 * minute);
    expect(await cancelOverduePayments(t.deps)).toBe(1);
    expect(await cancelOverduePayments(t.deps)).toBe(0);

    expect((await orderRow(started.orderId)).status).toBe('cancelled');
    expect((await paymentOf(started.orderId)).status).toBe('cancelled');
    expect(await eventsOf(started.orderId)).toEqual([{ source: 'timeout', provider_status: 'TIMEOUT', applied: 1, amount_cents: 9_050 }]);
    expect(await inquiryStatus(s.inquiryId)).toBe('open');
    expect(await offerStatuses(s.inquiryId)).toEqual({ [s.winner.id]: 'active', [s.rival.id]: 'active' });
    expect(await noticeCount(s.customer.user.id, 'paymentFailed')).toBe(1);
    expect(await allLedgerEntries()).toEqual([]);
    const page = await s.customer.browser.get(`/orders/${started.orderId}`);
    expect(textOf(page.body)).toContain('Tühistatud');

    // The customer can order again.
    const again = await startPayment(s, s.rivalOffer);
    expect(textOf((await pay(s, again)).body)).toContain('Tasutud, töö käib');
  });

  it('ended by the sweep while the provider answered, does not send the customer to pay', async () => {
    const s = await scene();
    const provider = t.deps.payments.provider;
    const createPayment = provider.createPayment.bind(provider);
    let started: Promise<unknown> | undefined;
    provider.createPayment = async (input) => {
      // The provider is slow: the time to pay runs out and the sweep cancels the order meanwhile.
      t.clock.advance(31 * minute);
      started = cancelOverduePayments(t.deps);
      await started;
      return createPayment(input);
    };
    try {
      const refused = await order(s, s.winnerOffer);

      expect(refused.status).toBe(409);
      expect(refused.location).toBeUndefined();
      expect(textOf(refused.body)).toContain('Tellimus on tühistatud.');
      await expect(started).resolves.toBe(1);
      const [cancelled] = await ordersOf(s.inquiryId);
      expect(cancelled?.status).toBe('cancelled');
      expect(await inquiryStatus(s.inquiryId)).toBe('open');
    } finally {
      provider.createPayment = createPayment;
    }
  });

  it('follows PAYMENT_TIMEOUT_MINUTES', async () => {
    await t.close();
    t = await createTestApp({ env: { PAYMENT_TIMEOUT_MINUTES: '10' } });
    const s = await scene();
    const started = await startPayment(s);

    t.clock.advance(9 * minute);
    expect(await cancelOverduePayments(t.deps)).toBe(0);
    t.clock.advance(1 * minute);
    expect(await cancelOverduePayments(t.deps)).toBe(1);
    expect((await orderRow(started.orderId)).status).toBe('cancelled');
  });

  it('is paid instead when the sandbox says PAID by then (the notification was lost)', async () => {
    const s = await scene();
    // The sandbox's notifications for this payment go nowhere.
    const provider = t.deps.payments.provider;
    const createPayment = provider.createPayment.bind(provider);
    provider.createPayment = (input) => createPayment({ ...input, notificationUrl: `${origin}/lost-in-the-network` });
    const started = await startPayment(s);
    // The payer pays and closes the window before coming back.
    const answer = await press(s.customer.browser, started, 'pay');
    expect(answer.status).toBe(303);
    expect((await orderRow(started.orderId)).status).toBe('awaiting_payment');

    t.clock.advance(31 * minute);
    expect(await cancelOverduePayments(t.deps)).toBe(0);

    expect((await orderRow(started.orderId)).status).toBe('in_progress');
    expect((await paymentOf(started.orderId)).status).toBe('succeeded');
    expect(await inquiryStatus(s.inquiryId)).toBe('ordered');
    expect(await eventsOf(started.orderId)).toEqual([{ source: 'query', provider_status: 'PAID', applied: 1, amount_cents: 9_050 }]);
    expect(await balanceOf(`escrow:order:${started.orderId}`)).toBe(9_050);
    expect(await noticeCount(s.customer.user.id, 'paymentFailed')).toBe(0);
    expect(await noticeCount(s.winner.id, 'orderPaidExpert')).toBe(1);
  });

  it('a payer who comes back without the notification still gets the order paid (the return queries the sandbox)', async () => {
    const s = await scene();
    const provider = t.deps.payments.provider;
    const createPayment = provider.createPayment.bind(provider);
    provider.createPayment = (input) => createPayment({ ...input, notificationUrl: `${origin}/lost-in-the-network` });
    const started = await startPayment(s);

    const answer = await press(s.customer.browser, started, 'pay');
    expect((await orderRow(started.orderId)).status).toBe('awaiting_payment');
    const page = await s.customer.browser.follow(await s.customer.browser.follow(answer));

    expect(textOf(page.body)).toContain('Tasutud, töö käib');
    expect(await eventsOf(started.orderId)).toEqual([{ source: 'query', provider_status: 'PAID', applied: 1, amount_cents: 9_050 }]);
  });
});

// ---- the provider is down ----

describe('the payment provider is down when the customer orders', () => {
  it('answers 503 with a clear sentence, cancels the order at once and leaves the inquiry open', async () => {
    const s = await scene();
    const provider = t.deps.payments.provider;
    const createPayment = provider.createPayment.bind(provider);
    let failures = 1;
    provider.createPayment = async (input) => {
      if (failures > 0) {
        failures -= 1;
        throw new PaymentProviderError('connection refused');
      }
      return createPayment(input);
    };

    const refused = await order(s, s.winnerOffer);

    expect(refused.status).toBe(503);
    expect(textOf(refused.body)).toContain('Makseteenus ei vastanud. Raha ei võetud. Palun proovige mõne minuti pärast uuesti.');
    const [cancelled] = await ordersOf(s.inquiryId);
    expect(cancelled?.status).toBe('cancelled');
    expect(await inquiryStatus(s.inquiryId)).toBe('open');
    expect(await offerStatuses(s.inquiryId)).toEqual({ [s.winner.id]: 'active', [s.rival.id]: 'active' });
    expect(await allLedgerEntries()).toEqual([]);

    // A minute later the provider answers: the customer orders again and pays.
    const started = await startPayment(s);
    expect(started.orderId).not.toBe(cancelled!.id);
    expect(textOf((await pay(s, started)).body)).toContain('Tasutud, töö käib');
  });
});

// ---- refunds ----

describe('refunds by moderators and admins', () => {
  async function paidOrder() {
    const s = await scene();
    const started = await startPayment(s);
    await pay(s, started);
    return { s, orderId: started.orderId, orderPage: `/orders/${started.orderId}` };
  }

  async function refund(browser: Browser, orderPage: string, amount: string, reason = 'Ekspert ei saanud tööd teha.'): Promise<Page> {
    return browser.post(`${orderPage}/refunds`, { amount, reason }, { formPage: orderPage });
  }

  it('a partial refund, then the rest: recorded, moved back in the ledger, shown on the order page, both parties told', async () => {
    const { s, orderId, orderPage } = await paidOrder();
    const mari = await signedIn(s.moderator);

    const first = await refund(mari, orderPage, '40,50');
    expect(first.status).toBe(303);
    expect(first.location).toBe(orderPage);
    const shown = await mari.follow(first);
    expect(flashOf(shown.body)).toBe('Raha on tagastatud.');
    expect(textOf(shown.body)).toContain('Tagastatud 40,50 €');
    expect((await paymentOf(orderId)).refunded_cents).toBe(4_050);
    expect(await balanceOf(`escrow:order:${orderId}`)).toBe(5_000);

    const admin = await signedIn(s.admin);
    const rest = await refund(admin, orderPage, '50');
    expect(rest.status).toBe(303);

    expect((await paymentOf(orderId)).refunded_cents).toBe(9_050);
    expect(await balanceOf(`escrow:order:${orderId}`)).toBe(0);
    expect(await balanceOf('provider')).toBe(0);
    expect((await ledgerOf(orderId)).map((e) => [e.kind, e.account, e.amount_cents])).toEqual([
      ['payment', 'provider', -9_050],
      ['payment', `escrow:order:${orderId}`, 9_050],
      ['refund', `escrow:order:${orderId}`, -4_050],
      ['refund', 'provider', 4_050],
      ['refund', `escrow:order:${orderId}`, -5_000],
      ['refund', 'provider', 5_000],
    ]);
    const refunds = await t.deps.db.selectFrom('refunds').select(['amount_cents', 'status', 'requested_by', 'reason']).orderBy('id').execute();
    expect(refunds).toEqual([
      { amount_cents: 4_050, status: 'successful', requested_by: s.moderator.id, reason: 'Ekspert ei saanud tööd teha.' },
      { amount_cents: 5_000, status: 'successful', requested_by: s.admin.id, reason: 'Ekspert ei saanud tööd teha.' },
    ]);
    expect(await noticeCount(s.customer.user.id, 'refundIssued')).toBe(2);
    expect(await noticeCount(s.winner.id, 'refundIssued')).toBe(2);
    expect(await noticeCount(s.rival.id, 'refundIssued')).toBe(0);

    for (const browser of [s.customer.browser, await signedIn(s.winner)]) {
      const page = await browser.get(orderPage);
      expect(textOf(page.body)).toContain('Tagastatud 90,50 €');
      // Only staff see the refund form.
      expect(page.body).not.toContain(`action="${orderPage}/refunds"`);
    }

    // Nothing is left to refund.
    const more = await refund(admin, orderPage, '0,05');
    expect(more.status).toBe(422);
    expect(fieldError(more.body, 'amount')).toBe('See on rohkem, kui tellimuse eest on hoiul.');
  });

  it('the refund e-mail names the amount the Estonian way (40,50)', async () => {
    const { s, orderPage } = await paidOrder();
    const mari = await signedIn(s.moderator);

    await refund(mari, orderPage, '40,50');

    const email = (await emailsTo(t, 'kristjan@example.ee')).find((e) => e.subject === 'Raha tagastati: Avarii ristmikul');
    expect(email?.text_body).toContain('40,50');
    expect(email?.text_body).not.toContain('40.50');
  });

  it.each([
    ['more than was paid', '90,51', 'See on rohkem, kui tellimuse eest on hoiul.'],
    ['less than 0,05 €', '0,04', 'Tagastada saab vähemalt 0,05 eurot.'],
    ['nothing', '0', 'Tagastada saab vähemalt 0,05 eurot.'],
  ])('refuses %s (422) and changes nothing', async (_what, amount, message) => {
    const { s, orderId, orderPage } = await paidOrder();
    const mari = await signedIn(s.moderator);

    const refused = await refund(mari, orderPage, amount);

    expect(refused.status).toBe(422);
    expect(fieldError(refused.body, 'amount')).toBe(message);
    expect((await paymentOf(orderId)).refunded_cents).toBe(0);
    expect(await balanceOf(`escrow:order:${orderId}`)).toBe(9_050);
    expect(await t.deps.db.selectFrom('refunds').select('id').execute()).toEqual([]);
    expect(await noticeCount(s.customer.user.id, 'refundIssued')).toBe(0);
  });

  it('refuses a refund without a reason (422)', async () => {
    const { s, orderId, orderPage } = await paidOrder();
    const mari = await signedIn(s.moderator);

    const refused = await refund(mari, orderPage, '10', '');

    expect(refused.status).toBe(422);
    expect(fieldError(refused.body, 'reason')).toBeDefined();
    expect((await paymentOf(orderId)).refunded_cents).toBe(0);
  });

  it('refuses to refund an order that is not paid (409)', async () => {
    const s = await scene();
    const started = await startPayment(s);
    const mari = await signedIn(s.moderator);

    const refused = await refund(mari, `/orders/${started.orderId}`, '10');

    expect(refused.status).toBe(409);
    expect(await t.deps.db.selectFrom('refunds').select('id').execute()).toEqual([]);
    expect(await allLedgerEntries()).toEqual([]);
  });

  it('customers and experts may not refund (403)', async () => {
    const { s, orderId, orderPage } = await paidOrder();
    const anna = await signedIn(s.winner);

    for (const browser of [s.customer.browser, anna]) {
      await browser.get(orderPage);
      const refused = await browser.post(`${orderPage}/refunds`, { amount: '10', reason: 'Tahan raha tagasi.' });
      expect(refused.status).toBe(403);
    }

    expect((await paymentOf(orderId)).refunded_cents).toBe(0);
    expect(await balanceOf(`escrow:order:${orderId}`)).toBe(9_050);
  });

  it('two staff refunding the same order at the same moment: both answered, and the ledger holds exactly what the provider refunded', async () => {
    const { s, orderId, orderPage } = await paidOrder();
    const mari = await signedIn(s.moderator);
    const aadu = await signedIn(s.admin);
    await mari.get(orderPage);
    await aadu.get(orderPage);
    // Mari's refund reaches the provider first, and the provider takes its time to answer.
    const provider = t.deps.payments.provider;
    const providerRefund = provider.refund.bind(provider);
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
      const result = await providerRefund(input);
      if (result.status === 'SUCCESSFUL') refundedAtProvider += input.amountCents;
      return result;
    };

    const first = mari.post(`${orderPage}/refunds`, { amount: '40', reason: 'Osa tööst jäi tegemata.' });
    await firstAtProvider.promise;
    // Meanwhile something else (another request, a sweep) is busy with the order row for a moment.
    const busy = await holdOrderRow(orderId);
    let second: Promise<Page>;
    try {
      second = aadu.post(`${orderPage}/refunds`, { amount: '40', reason: 'Osa tööst jäi tegemata.' });
      await busy?.waitForWaiters(1);
      providerAnswers.resolve();
      await busy?.waitForWaiters(2);
    } finally {
      providerAnswers.resolve();
      await busy?.release();
    }
    const answers = await Promise.all([first, second]);

    // What the portal recorded is what left through the provider.
    expect(refundedAtProvider).toBe(8_000);
    expect((await paymentOf(orderId)).refunded_cents).toBe(refundedAtProvider);
    expect(await balanceOf(`escrow:order:${orderId}`)).toBe(9_050 - refundedAtProvider);
    expect(answers.map((a) => a.status)).toEqual([303, 303]);
    const refunds = await t.deps.db.selectFrom('refunds').select(['amount_cents', 'status']).orderBy('id').execute();
    expect(refunds).toEqual([
      { amount_cents: 4_000, status: 'successful' },
      { amount_cents: 4_000, status: 'successful' },
    ]);
    expect(await balanceOf('provider')).toBe(-1_050);
  });
});

describe('notifications and refunds at the same moment', () => {
  it('a repeated PAID notification while staff refund the order: both answered, the refund recorded once', async () => {
    const s = await scene();
    const started = await startPayment(s);
    await pay(s, started);
    const orderPage = `/orders/${started.orderId}`;
    const mari = await signedIn(s.moderator);
    await mari.get(orderPage);
    const token = await tokenFor(started.orderId);

    const busy = await holdOrderRow(started.orderId);
    let answers: [Page, number];
    try {
      const refunded = mari.post(`${orderPage}/refunds`, { amount: '40', reason: 'Osa tööst jäi tegemata.' });
      await busy?.waitForWaiters(1);
      const notified = notify({ orderToken: token });
      await busy?.waitForWaiters(2);
      await busy?.release();
      answers = await Promise.all([refunded, notified]);
    } finally {
      await busy?.release();
    }

    expect([answers[0].status, answers[1]]).toEqual([303, 200]);
    expect((await paymentOf(started.orderId)).refunded_cents).toBe(4_000);
    expect(await balanceOf(`escrow:order:${started.orderId}`)).toBe(5_050);
    expect((await orderRow(started.orderId)).status).toBe('in_progress');
  });
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * PostgreSQL: another transaction locks the order row until released, and the test can wait until
 * a number of other sessions queue behind it. SQLite runs one write transaction at a time, so
 * there is nothing to interleave: undefined.
 */
async function holdOrderRow(orderId: number) {
  if (t.deps.engine !== 'postgres') return undefined;
  const locked = deferred();
  const done = deferred();
  let pid = 0;
  const holding = t.deps.db.transaction().execute(async (trx) => {
    pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
    await sql`select id from orders where id = ${orderId} for update`.execute(trx);
    locked.resolve();
    await done.promise;
  });
  await locked.promise;
  return {
    async waitForWaiters(count: number): Promise<void> {
      for (let attempt = 0; attempt < 500; attempt += 1) {
        // Directly behind it, or behind a session that is (the first in the queue holds the row's place).
        const row = (
          await sql<{ n: string }>`
            select count(*) as n from pg_stat_activity a
             where ${pid} = any(pg_blocking_pids(a.pid))
                or exists (select 1 from pg_stat_activity b where b.pid = any(pg_blocking_pids(a.pid)) and ${pid} = any(pg_blocking_pids(b.pid)))`.execute(t.deps.db)
        ).rows[0]!;
        if (Number(row.n) >= count) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`fewer than ${count} sessions queued behind the order row`);
    },
    async release(): Promise<void> {
      done.resolve();
      await holding;
    },
  };
}

describe('the customer gives up paying', () => {
  it('cancels the order at once and opens the inquiry again, without waiting for the timeout', async () => {
    const s = await scene();
    const started = await startPayment(s);
    const before = await s.customer.browser.get(`/orders/${started.orderId}`);
    expect(textOf(before.body)).toContain('Loobu maksmisest');

    const cancelled = await s.customer.browser.post(`/orders/${started.orderId}/cancel`, {}, { formPage: `/orders/${started.orderId}` });

    expect(cancelled.status).toBe(303);
    expect((await orderRow(started.orderId)).status).toBe('cancelled');
    expect(await inquiryStatus(s.inquiryId)).toBe('open');
    expect(flashOf((await s.customer.browser.follow(cancelled)).body)).toContain('Maksmisest on loobutud');
    // The same or another offer can be ordered again.
    expect((await order(s, s.rivalOffer)).status).toBe(303);
  });

  it('applies a payment the provider already took instead of cancelling', async () => {
    const s = await scene();
    // Paid on the provider's side, but the notification never arrived and the payer never came back.
    const provider = t.deps.payments.provider;
    const createPayment = provider.createPayment.bind(provider);
    provider.createPayment = (input) => createPayment({ ...input, notificationUrl: `${origin}/lost-in-the-network` });
    const started = await startPayment(s);
    expect((await press(s.customer.browser, started, 'pay')).status).toBe(303);
    expect((await orderRow(started.orderId)).status).toBe('awaiting_payment');

    const answer = await s.customer.browser.post(`/orders/${started.orderId}/cancel`, {}, { formPage: `/orders/${started.orderId}` });

    expect(answer.status).toBe(303);
    expect((await orderRow(started.orderId)).status).toBe('in_progress');
  });

  it('is refused once the order is paid, and for anyone but the order’s customer', async () => {
    const s = await scene();
    const started = await startPayment(s);
    const outsider = await signedInUser(t);
    expect((await outsider.browser.post(`/orders/${started.orderId}/cancel`, {}, { formPage: '/' })).status).toBe(404);
    const moderator = await signedIn(s.moderator);
    expect((await moderator.post(`/orders/${started.orderId}/cancel`, {}, { formPage: '/' })).status).toBe(404);
    expect((await orderRow(started.orderId)).status).toBe('awaiting_payment');

    await pay(s, started);
    const late = await s.customer.browser.post(`/orders/${started.orderId}/cancel`, {}, { formPage: `/orders/${started.orderId}` });
    expect(late.status).toBe(409);
    expect(textOf(late.body)).toContain('Tellimus on juba tasutud.');
    expect((await orderRow(started.orderId)).status).toBe('in_progress');
  });
});
