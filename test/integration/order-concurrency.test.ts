import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sign } from '../../src/adapters/tokens.js';
import { signJwt } from '../../src/adapters/payments/jwt.js';
import { escrowAccount } from '../../src/domain/ledger.js';
import { merchantReferenceOf } from '../../src/domain/orders.js';
import { et } from '../../src/i18n/et.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { emailsTo } from '../support/emails.js';
import { createUser, loginAs } from '../support/factories.js';
import { createExpert, createField } from '../support/experts.js';
import { createInquiryAs, makeOfferAs } from '../support/inquiries.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Exactly one order per inquiry, whatever arrives at once: double clicks, many tabs, different
 * offers ordered at the same moment; and one payment, one ledger transaction, however often and
 * however concurrently the provider confirms it. On PostgreSQL the row locks and the partial
 * unique index do the work; on SQLite BEGIN IMMEDIATE serialises the writers.
 */

const rounds = [1, 2, 3, 4, 5];
const prices = [12_000, 9_950, 15_005];
const sandboxSecret = sign('test-secret-test-secret-test-secret-0123', 'sandbox-payments');

/** The sentences the inquiry page may show when an order is refused because another one got there first. */
const clearRefusals = [et.errors.domain.ORDER_EXISTS, et.errors.state.inquiry_ordered];

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

type World = { customer: Awaited<ReturnType<typeof createUser>>; browser: Browser; inquiryId: number; offers: { id: number; priceCents: number }[] };

/** An open inquiry to three experts, each with an offer at its own price, and the customer signed in. */
async function openInquiryWithOffers(): Promise<World> {
  const field = await createField(t);
  const experts = await Promise.all(prices.map(() => createExpert(t, { fieldIds: [field.id] })));
  const customer = await createUser(t, { name: 'Tiina Tellija' });
  const inquiryId = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: experts.map((e) => e.id) });
  for (const [i, expert] of experts.entries()) await makeOfferAs(t, expert, inquiryId, { priceCents: prices[i]! });
  const offers = await t.deps.db.selectFrom('offers').select(['id', 'price_cents as priceCents']).where('inquiry_id', '=', inquiryId).orderBy('id').execute();
  const browser = t.browser();
  await loginAs(browser, customer);
  return { customer, browser, inquiryId, offers };
}

/** Tabs of the same signed-in browser, each having loaded the inquiry page (and so its form token). */
async function tabsOf(world: World, count: number): Promise<Browser[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const tab = t.browser();
      for (const [name, value] of world.browser.cookies) tab.cookies.set(name, value);
      const page = await tab.get(`/inquiries/${world.inquiryId}`);
      expect(page.status).toBe(200);
      return tab;
    }),
  );
}

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** Fires the order requests all at once, round-robin over the tabs. */
async function orderAtOnce(world: World, tabs: Browser[], offerIds: number[]): Promise<Page[]> {
  return Promise.all(offerIds.map((offerId, i) => tabs[i % tabs.length]!.post(`/inquiries/${world.inquiryId}/order`, { offerId: String(offerId) })));
}

async function ordersOf(inquiryId: number) {
  return t.deps.db.selectFrom('orders').selectAll().where('inquiry_id', '=', inquiryId).execute();
}

async function paymentsOf(orderIds: number[]) {
  if (orderIds.length === 0) return [];
  return t.deps.db.selectFrom('payments').selectAll().where('order_id', 'in', orderIds).execute();
}

async function ledgerTotal(): Promise<number> {
  const rows = await t.deps.db.selectFrom('ledger_entries').select('amount_cents').execute();
  return rows.reduce((sum, r) => sum + Number(r.amount_cents), 0);
}

async function balanceOf(account: string): Promise<number> {
  const rows = await t.deps.db.selectFrom('ledger_entries').select('amount_cents').where('account', '=', account).execute();
  return rows.reduce((sum, r) => sum + Number(r.amount_cents), 0);
}

/** The ledger transactions of one kind that touch an order. */
async function transactionsOf(orderId: number, kind: 'payment' | 'refund' | 'release'): Promise<number> {
  const rows = await t.deps.db.selectFrom('ledger_entries').select('transaction_id').where('order_id', '=', orderId).where('kind', '=', kind).execute();
  return new Set(rows.map((r) => r.transaction_id)).size;
}

async function paymentEventsOf(paymentId: number) {
  return t.deps.db.selectFrom('payment_events').selectAll().where('payment_id', '=', paymentId).orderBy('id').execute();
}

async function noticesOf(userId: number, kind: string) {
  return t.deps.db.selectFrom('notices').select('id').where('user_id', '=', userId).where('kind', '=', kind).execute();
}

/** Exactly one answer sends the customer to pay; every other one is a 409 saying an order exists. Returns the payment page's path. */
function expectOneOrderAndClearRefusals(pages: Page[]): string {
  const statuses = pages.map((p) => p.status);
  expect(statuses.filter((s) => s >= 500)).toEqual([]);
  const accepted = pages.filter((p) => p.status === 303);
  expect(accepted).toHaveLength(1);
  const location = accepted[0]!.location!;
  expect(location).toMatch(/^http:\/\/konsult\.test\/sandbox\/pay\/[0-9a-f-]{36}$/);
  const refused = pages.filter((p) => p.status !== 303);
  expect(refused).toHaveLength(pages.length - 1);
  for (const page of refused) {
    expect(page.status).toBe(409);
    const text = decode(mainText(page.body));
    expect(clearRefusals.some((sentence) => text.includes(sentence)), text.slice(0, 300)).toBe(true);
  }
  return new URL(location).pathname;
}

/** Presses a button on the sandbox's hosted payment page; returns its redirect (to the portal's return URL). */
async function pressOnSandboxPage(browser: Browser, paymentPath: string, action: 'pay' | 'fail' | 'cancel'): Promise<Page> {
  return browser.post(paymentPath, { action });
}

/** After a race: one order, one pending payment, the inquiry held; then paying it moves the money into escrow once. */
async function expectOneOrderThenPayOnce(world: World, paymentPath: string): Promise<void> {
  const orders = await ordersOf(world.inquiryId);
  expect(orders).toHaveLength(1);
  const order = orders[0]!;
  const ordered = world.offers.find((o) => o.id === order.offer_id)!;
  expect(order.status).toBe('awaiting_payment');
  expect(order.amount_cents).toBe(ordered.priceCents);
  const payments = await paymentsOf([order.id]);
  expect(payments).toHaveLength(1);
  expect(payments[0]!.status).toBe('pending');
  expect(paymentPath).toBe(`/sandbox/pay/${payments[0]!.provider_ref}`);
  expect((await t.deps.db.selectFrom('inquiries').select('status').where('id', '=', world.inquiryId).executeTakeFirstOrThrow()).status).toBe('ordered');

  const payPage = await world.browser.get(paymentPath);
  expect(payPage.status).toBe(200);
  const back = await pressOnSandboxPage(world.browser, paymentPath, 'pay');
  expect(back.status).toBe(303);
  const landed = await world.browser.get(new URL(back.location!).pathname + new URL(back.location!).search);
  expect(landed.status).toBe(303);
  expect(landed.location).toBe(`/orders/${order.id}`);

  const paid = (await ordersOf(world.inquiryId))[0]!;
  expect(paid.status).toBe('in_progress');
  expect(await transactionsOf(order.id, 'payment')).toBe(1);
  expect(await ledgerTotal()).toBe(0);
  expect(await balanceOf(escrowAccount(order.id))).toBe(ordered.priceCents);
}

describe('fifty order requests at once on one inquiry', () => {
  for (const round of rounds) {
    it(`all for the same offer make exactly one order; the other 49 are refused clearly (round ${round})`, async () => {
      const world = await openInquiryWithOffers();
      const tabs = await tabsOf(world, 5);
      const pages = await orderAtOnce(world, tabs, Array.from({ length: 50 }, () => world.offers[0]!.id));
      const paymentPath = expectOneOrderAndClearRefusals(pages);
      await expectOneOrderThenPayOnce(world, paymentPath);
      expect((await ordersOf(world.inquiryId))[0]!.offer_id).toBe(world.offers[0]!.id);
    }, 60_000);

    it(`spread over different offers make exactly one order for one of them (round ${round})`, async () => {
      const world = await openInquiryWithOffers();
      const tabs = await tabsOf(world, 5);
      const pages = await orderAtOnce(world, tabs, Array.from({ length: 50 }, (_, i) => world.offers[i % world.offers.length]!.id));
      const paymentPath = expectOneOrderAndClearRefusals(pages);
      await expectOneOrderThenPayOnce(world, paymentPath);
    }, 60_000);
  }

  it('a replayed order request after the payment is refused the same way, and nothing changes', async () => {
    const world = await openInquiryWithOffers();
    const [tab] = await tabsOf(world, 1);
    const paymentPath = expectOneOrderAndClearRefusals(await orderAtOnce(world, [tab!], [world.offers[1]!.id]));
    await expectOneOrderThenPayOnce(world, paymentPath);
    const again = await orderAtOnce(world, [tab!, tab!], [world.offers[1]!.id, world.offers[2]!.id]);
    for (const page of again) {
      expect(page.status).toBe(409);
      expect(clearRefusals.some((sentence) => decode(mainText(page.body)).includes(sentence))).toBe(true);
    }
    expect(await ordersOf(world.inquiryId)).toHaveLength(1);
    expect(await ledgerTotal()).toBe(0);
  });
});

describe('the payment confirmed many times at once', () => {
  /** One order made through the page, waiting for payment. */
  async function orderedWorld() {
    const world = await openInquiryWithOffers();
    const [tab] = await tabsOf(world, 1);
    const paymentPath = expectOneOrderAndClearRefusals(await orderAtOnce(world, [tab!], [world.offers[0]!.id]));
    const order = (await ordersOf(world.inquiryId))[0]!;
    const payment = (await paymentsOf([order.id]))[0]!;
    return { world, paymentPath, order, payment };
  }

  /** A notification the way the sandbox signs it. */
  function notificationToken(payment: { provider_ref: string | null; order_id: number; amount_cents: number }, status: string): string {
    const now = Math.floor(t.clock.now().getTime() / 1000);
    return signJwt(
      {
        uuid: payment.provider_ref,
        accessKey: 'sandbox',
        merchantReference: merchantReferenceOf(payment.order_id),
        paymentStatus: status,
        grandTotal: payment.amount_cents / 100,
        currency: 'EUR',
        iat: now,
        exp: now + 600,
      },
      sandboxSecret,
    );
  }

  async function notify(token: string) {
    return t.app.inject({ method: 'POST', url: '/payments/notify/sandbox', payload: { orderToken: token } });
  }

  it('a double click on "pay" on the sandbox page pays once: one transition, one ledger transaction, one notice each', async () => {
    const { world, paymentPath, order, payment } = await orderedWorld();
    await world.browser.get(paymentPath);
    const clicks = await Promise.all([pressOnSandboxPage(world.browser, paymentPath, 'pay'), pressOnSandboxPage(world.browser, paymentPath, 'pay')]);
    for (const click of clicks) {
      expect(click.status).toBe(303);
      expect(click.location).toMatch(/^http:\/\/konsult\.test\/payments\/return\/sandbox\?order-token=/);
    }
    // Both tabs come back at once too.
    const returns = await Promise.all(clicks.map((c) => world.browser.get(new URL(c.location!).pathname + new URL(c.location!).search)));
    for (const page of returns) {
      expect(page.status).toBe(303);
      expect(page.location).toBe(`/orders/${order.id}`);
    }

    expect((await ordersOf(world.inquiryId)).map((o) => o.status)).toEqual(['in_progress']);
    expect(await transactionsOf(order.id, 'payment')).toBe(1);
    expect(await ledgerTotal()).toBe(0);
    expect(await balanceOf(escrowAccount(order.id))).toBe(order.amount_cents);
    const events = await paymentEventsOf(payment.id);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => Number(e.applied) === 1)).toHaveLength(1);
    expect(await noticesOf(world.customer.id, 'orderPaidCustomer')).toHaveLength(1);
    expect(await noticesOf(order.expert_id, 'orderPaidExpert')).toHaveLength(1);
    const page = await world.browser.get(`/orders/${order.id}`);
    expect(page.status).toBe(200);
  });

  it('the same PAID notification delivered ten times at once changes the state once', async () => {
    const { world, order, payment } = await orderedWorld();
    const token = notificationToken(payment, 'PAID');
    const answers = await Promise.all(Array.from({ length: 10 }, () => notify(token)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array.from({ length: 10 }, () => 200));

    expect((await ordersOf(world.inquiryId)).map((o) => o.status)).toEqual(['in_progress']);
    expect((await paymentsOf([order.id]))[0]!.status).toBe('succeeded');
    expect(await transactionsOf(order.id, 'payment')).toBe(1);
    expect(await ledgerTotal()).toBe(0);
    expect(await balanceOf(escrowAccount(order.id))).toBe(order.amount_cents);
    const events = await paymentEventsOf(payment.id);
    expect(events).toHaveLength(10);
    expect(events.filter((e) => Number(e.applied) === 1)).toHaveLength(1);
    // The winner and the other experts hear about it once.
    expect(await noticesOf(order.expert_id, 'orderPaidExpert')).toHaveLength(1);
    const losers = await t.deps.db.selectFrom('invitations').select('expert_id').where('inquiry_id', '=', world.inquiryId).where('expert_id', '!=', order.expert_id).execute();
    expect(losers).toHaveLength(2);
    for (const loser of losers) expect(await noticesOf(loser.expert_id, 'offerNotChosen')).toHaveLength(1);
    expect(await noticesOf(world.customer.id, 'orderPaidCustomer')).toHaveLength(1);
    const winner = await t.deps.db.selectFrom('users').select('email').where('id', '=', order.expert_id).executeTakeFirstOrThrow();
    expect(await emailsTo(t, winner.email)).toHaveLength(2); // the invitation, then the order
  });

  it('ten VOIDED notifications at once cancel the order once and give the inquiry back', async () => {
    const { world, order, payment } = await orderedWorld();
    const token = notificationToken(payment, 'VOIDED');
    const answers = await Promise.all(Array.from({ length: 10 }, () => notify(token)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array.from({ length: 10 }, () => 200));
    expect((await ordersOf(world.inquiryId)).map((o) => o.status)).toEqual(['cancelled']);
    expect((await paymentEventsOf(payment.id)).filter((e) => Number(e.applied) === 1)).toHaveLength(1);
    expect(await noticesOf(world.customer.id, 'paymentFailed')).toHaveLength(1);
    expect((await t.deps.db.selectFrom('inquiries').select('status').where('id', '=', world.inquiryId).executeTakeFirstOrThrow()).status).toBe('open');
    expect(await ledgerTotal()).toBe(0);
    expect(await transactionsOf(order.id, 'payment')).toBe(0);
  });

  it('PAID and VOIDED racing for one payment record the money exactly once, and the order matches who came first', async () => {
    const { world, order, payment } = await orderedWorld();
    const paid = notificationToken(payment, 'PAID');
    const voided = notificationToken(payment, 'VOIDED');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => notify(i % 2 === 0 ? voided : paid)));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);

    // However the race went, the money arrived: the payment is settled and held once.
    expect((await paymentsOf([order.id]))[0]!.status).toBe('succeeded');
    expect(await transactionsOf(order.id, 'payment')).toBe(1);
    expect(await ledgerTotal()).toBe(0);
    expect(await balanceOf(escrowAccount(order.id))).toBe(order.amount_cents);
    const applied = (await paymentEventsOf(payment.id)).filter((e) => Number(e.applied) === 1).map((e) => e.provider_status);
    const status = (await ordersOf(world.inquiryId))[0]!.status;
    const inquiry = await t.deps.db.selectFrom('inquiries').select('status').where('id', '=', world.inquiryId).executeTakeFirstOrThrow();
    if (applied[0] === 'PAID') {
      // The success came first: every failure after it changed nothing.
      expect(applied).toEqual(['PAID']);
      expect(status).toBe('in_progress');
      expect(inquiry.status).toBe('ordered');
    } else {
      // The failure came first: the order was cancelled; the late success is recorded for staff to refund.
      expect(applied).toEqual(['VOIDED', 'PAID']);
      expect(status).toBe('cancelled');
      expect(inquiry.status).toBe('open');
    }
  });
});

describe('refunds at the same moment as other money movements', () => {
  /** A paid order and a moderator signed in on its page. */
  async function paidOrderWithStaff() {
    const world = await openInquiryWithOffers();
    const [tab] = await tabsOf(world, 1);
    const paymentPath = expectOneOrderAndClearRefusals(await orderAtOnce(world, [tab!], [world.offers[0]!.id]));
    await expectOneOrderThenPayOnce(world, paymentPath);
    const order = (await ordersOf(world.inquiryId))[0]!;
    const payment = (await paymentsOf([order.id]))[0]!;
    const moderator = await createUser(t, { name: 'Mart Moderaator', roles: ['moderator'] });
    const staff = t.browser();
    await loginAs(staff, moderator);
    expect((await staff.get(`/orders/${order.id}`)).status).toBe(200);
    return { world, order, payment, staff };
  }

  for (const round of [1, 2, 3]) {
    it(`a double click on "refund" for the whole amount gives the money back once; the second click is told nothing more is held (round ${round})`, async () => {
      const { order, staff } = await paidOrderWithStaff();
      const fields = { amount: '120,00', reason: 'Ekspert ei saa tööd teha.' };
      const answers = await Promise.all([staff.post(`/orders/${order.id}/refunds`, fields), staff.post(`/orders/${order.id}/refunds`, fields)]);

      expect(answers.map((a) => a.status).sort()).toEqual([303, 422]);
      // Not "the payment service did not answer": the portal itself knows the money is already on its way back.
      expect(decode(mainText(answers.find((a) => a.status === 422)!.body))).toContain(et.errors.field.refundTooLarge);
      expect(await transactionsOf(order.id, 'refund')).toBe(1);
      expect(await balanceOf(escrowAccount(order.id))).toBe(0);
      expect(await ledgerTotal()).toBe(0);
      expect((await paymentsOf([order.id]))[0]!.refunded_cents).toBe(12_000);
    });

    it(`a refund while the provider repeats its PAID notification: the refund goes through and every notification is acknowledged (round ${round})`, async () => {
      const { order, payment, staff } = await paidOrderWithStaff();
      const now = Math.floor(t.clock.now().getTime() / 1000);
      const token = signJwt(
        { uuid: payment.provider_ref, accessKey: 'sandbox', merchantReference: merchantReferenceOf(order.id), paymentStatus: 'PAID', grandTotal: 120, currency: 'EUR', iat: now, exp: now + 600 },
        sandboxSecret,
      );
      const [refund, ...notifications] = await Promise.all([
        staff.post(`/orders/${order.id}/refunds`, { amount: '50,00', reason: 'Osaline tagastus.' }),
        ...Array.from({ length: 5 }, () => t.app.inject({ method: 'POST', url: '/payments/notify/sandbox', payload: { orderToken: token } })),
      ]);
      expect(refund!.status).toBe(303);
      expect(notifications.map((n) => n.statusCode)).toEqual([200, 200, 200, 200, 200]);
      expect(await transactionsOf(order.id, 'payment')).toBe(1);
      expect(await transactionsOf(order.id, 'refund')).toBe(1);
      expect(await balanceOf(escrowAccount(order.id))).toBe(7_000);
      expect(await ledgerTotal()).toBe(0);
    });
  }
});
