import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sign } from '../../src/adapters/tokens.js';
import { signJwt } from '../../src/adapters/payments/jwt.js';
import { DomainError } from '../../src/domain/errors.js';
import { escrowAccount, releaseTransaction } from '../../src/domain/ledger.js';
import { merchantReferenceOf } from '../../src/domain/orders.js';
import { findPaymentOfOrder, lockOrder, lockPayment, sumRequestedRefunds } from '../../src/db/repositories/order-repository.js';
import { orderOffer } from '../../src/use-cases/orders.js';
import { record, refundOrder } from '../../src/use-cases/payments.js';
import { iso } from '../../src/adapters/clock.js';
import type { Browser } from '../support/browser.js';
import { createUser, loginAs } from '../support/factories.js';
import { createExpert, createField } from '../support/experts.js';
import { actorOf, createInquiryAs, makeOfferAs } from '../support/inquiries.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The ledger and the order states against the real use cases and database: random sequences of
 * orders, payment outcomes (through the sandbox's hosted page and as signed notifications),
 * duplicate and reordered notifications, refunds by a moderator and releases of accepted work
 * are applied both to the portal and to a small model of what should happen. After every step
 * the portal must match the model, the ledger must sum to zero and no escrow may go negative.
 */

const sandboxSecret = sign('test-secret-test-secret-test-secret-0123', 'sandbox-payments');
/** Two inquiries, three experts each offering on both, at these prices (cents). */
const pricesOf = [
  [12_000, 9_950, 15_005],
  [505, 7_777, 30_000],
];

// ---- the commands ----

type ProviderStatus = 'PAID' | 'VOIDED' | 'ABANDONED';
type RefundAmount = { kind: 'rest' } | { kind: 'tiny'; cents: number } | { kind: 'part'; cents: number };

type Command =
  | { type: 'order'; inquiry: number; offer: number }
  | { type: 'sandbox'; order: number; action: 'pay' | 'fail' | 'cancel'; comeBack: boolean }
  | { type: 'notify'; order: number; status: ProviderStatus }
  | { type: 'replay'; back: number; times: number }
  | { type: 'refund'; order: number; amount: RefundAmount }
  | { type: 'accept'; order: number };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('order' as const), inquiry: fc.nat(1), offer: fc.nat(2) }) },
  {
    weight: 4,
    arbitrary: fc.record({ type: fc.constant('sandbox' as const), order: fc.nat(9), action: fc.constantFrom('pay' as const, 'pay' as const, 'pay' as const, 'fail' as const, 'cancel' as const), comeBack: fc.boolean() }),
  },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('notify' as const), order: fc.nat(9), status: fc.constantFrom<ProviderStatus>('PAID', 'VOIDED', 'ABANDONED') }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('replay' as const), back: fc.nat(6), times: fc.integer({ min: 1, max: 3 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('refund' as const),
      order: fc.nat(9),
      amount: fc.oneof(
        fc.constant({ kind: 'rest' as const }),
        fc.integer({ min: 0, max: 4 }).map((cents) => ({ kind: 'tiny' as const, cents })),
        fc.integer({ min: 5, max: 8_000 }).map((cents) => ({ kind: 'part' as const, cents })),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('accept' as const), order: fc.nat(9) }) },
);

/** Sequences that start with an order (so that most of them have money to move). */
const sequenceArb: fc.Arbitrary<Command[]> = fc
  .tuple(fc.record({ type: fc.constant('order' as const), inquiry: fc.nat(1), offer: fc.nat(2) }), fc.array(commandArb, { minLength: 6, maxLength: 24 }))
  .map(([first, rest]) => [first, ...rest]);

// ---- the model ----

type Outcome = 'succeeded' | 'failed' | 'cancelled';
type SandboxStatus = 'PENDING' | 'PAID' | 'VOIDED' | 'ABANDONED' | 'PARTIALLY_REFUNDED' | 'REFUNDED';

type ModelOrder = {
  id: number;
  inquiry: number;
  offer: number;
  expertId: number;
  amountCents: number;
  providerRef: string;
  status: 'awaiting_payment' | 'in_progress' | 'cancelled';
  payment: 'pending' | Outcome;
  refundedCents: number;
  releasedCents: number;
  /** What the sandbox itself believes (its hosted page and its refunds go by this). */
  sandbox: SandboxStatus;
  sandboxRefundedCents: number;
  latePayment: boolean;
};

type ModelInquiry = {
  id: number;
  status: 'open' | 'ordered';
  offers: { id: number; expertId: number; priceCents: number; status: 'active' | 'ordered' | 'lost' }[];
};

type Model = { inquiries: ModelInquiry[]; orders: ModelOrder[]; tokens: { token: string; order: number; status: string }[] };

function outcomeOf(status: string): Outcome | undefined {
  if (status === 'PAID' || status === 'PARTIALLY_REFUNDED' || status === 'REFUNDED') return 'succeeded';
  if (status === 'VOIDED') return 'failed';
  if (status === 'ABANDONED') return 'cancelled';
  return undefined;
}

/** A verified outcome, as the portal must apply it: once, a failure never over a success, a late success kept. */
function applyOutcome(model: Model, order: ModelOrder, outcome: Outcome): void {
  if (order.payment === 'succeeded' || order.payment === outcome) return;
  const inquiry = model.inquiries[order.inquiry]!;
  if (outcome === 'succeeded') {
    order.payment = 'succeeded';
    if (order.status !== 'awaiting_payment') {
      order.latePayment = true;
      return;
    }
    order.status = 'in_progress';
    for (const offer of inquiry.offers) {
      if (offer.status === 'active') offer.status = offer.id === inquiry.offers[order.offer]!.id ? 'ordered' : 'lost';
    }
  } else if (order.payment === 'pending') {
    order.payment = outcome;
    if (order.status === 'awaiting_payment') {
      order.status = 'cancelled';
      inquiry.status = 'open';
    }
  }
}

function liveOrderOf(model: Model, inquiry: number): ModelOrder | undefined {
  return model.orders.find((o) => o.inquiry === inquiry && o.status !== 'cancelled');
}

function escrowOf(order: ModelOrder): number {
  return (order.payment === 'succeeded' ? order.amountCents : 0) - order.refundedCents - order.releasedCents;
}

// ---- the world ----

type World = {
  t: TestApp;
  model: Model;
  customerBrowser: Browser;
  customer: Awaited<ReturnType<typeof actorOf>>;
  moderator: Awaited<ReturnType<typeof actorOf>>;
  moderatorId: number;
};

async function newWorld(): Promise<World> {
  const t = await createTestApp();
  const field = await createField(t);
  const experts = await Promise.all([0, 1, 2].map(() => createExpert(t, { fieldIds: [field.id] })));
  const customerUser = await createUser(t, { name: 'Tiina Tellija' });
  const moderatorUser = await createUser(t, { name: 'Mart Moderaator', roles: ['moderator'] });
  const inquiries: ModelInquiry[] = [];
  for (const prices of pricesOf) {
    const inquiryId = await createInquiryAs(t, customerUser, { fieldId: field.id, expertIds: experts.map((e) => e.id) });
    for (const [i, expert] of experts.entries()) await makeOfferAs(t, expert, inquiryId, { priceCents: prices[i]! });
    const rows = await t.deps.db.selectFrom('offers').select(['id', 'expert_id', 'price_cents']).where('inquiry_id', '=', inquiryId).orderBy('id').execute();
    inquiries.push({ id: inquiryId, status: 'open', offers: rows.map((r) => ({ id: r.id, expertId: r.expert_id, priceCents: r.price_cents, status: 'active' })) });
  }
  const customerBrowser = t.browser();
  await loginAs(customerBrowser, customerUser);
  return {
    t,
    model: { inquiries, orders: [], tokens: [] },
    customerBrowser,
    customer: await actorOf(t, customerUser),
    moderator: await actorOf(t, moderatorUser),
    moderatorId: moderatorUser.id,
  };
}

async function refusalOf(action: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await action();
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

async function deliverNotification(world: World, token: string): Promise<void> {
  const answer = await world.t.app.inject({ method: 'POST', url: '/payments/notify/sandbox', payload: { orderToken: token } });
  expect(answer.statusCode, answer.body).toBe(200);
}

/** A notification signed the way the sandbox signs it. */
function notificationToken(world: World, order: ModelOrder, status: string): string {
  const now = Math.floor(world.t.clock.now().getTime() / 1000);
  return signJwt(
    {
      uuid: order.providerRef,
      accessKey: 'sandbox',
      merchantReference: merchantReferenceOf(order.id),
      paymentStatus: status,
      grandTotal: order.amountCents / 100,
      currency: 'EUR',
      iat: now,
      exp: now + 600,
    },
    sandboxSecret,
  );
}

// ---- running a command on both ----

async function run(world: World, command: Command): Promise<void> {
  const { t, model } = world;
  const order = command.type === 'order' || command.type === 'replay' || model.orders.length === 0 ? undefined : model.orders[command.order % model.orders.length]!;
  switch (command.type) {
    case 'order': {
      const inquiry = model.inquiries[command.inquiry]!;
      const offer = inquiry.offers[command.offer]!;
      let created: { orderId: number; paymentUrl: string } | undefined;
      const refusal = await refusalOf(async () => {
        created = await orderOffer(t.deps, world.customer, inquiry.id, offer.id);
      });
      if (liveOrderOf(model, command.inquiry)) {
        expect(refusal).toBe('ORDER_EXISTS');
        return;
      }
      expect(refusal).toBeUndefined();
      const providerRef = /\/sandbox\/pay\/([0-9a-f-]{36})$/.exec(created!.paymentUrl)![1]!;
      model.orders.push({
        id: created!.orderId,
        inquiry: command.inquiry,
        offer: command.offer,
        expertId: offer.expertId,
        amountCents: offer.priceCents,
        providerRef,
        status: 'awaiting_payment',
        payment: 'pending',
        refundedCents: 0,
        releasedCents: 0,
        sandbox: 'PENDING',
        sandboxRefundedCents: 0,
        latePayment: false,
      });
      inquiry.status = 'ordered';
      return;
    }
    case 'sandbox': {
      if (!order) return;
      const path = `/sandbox/pay/${order.providerRef}`;
      expect((await world.customerBrowser.get(path)).status).toBe(200);
      const answer = await world.customerBrowser.post(path, { action: command.action });
      expect(answer.status).toBe(303);
      if (order.sandbox === 'PENDING') order.sandbox = command.action === 'pay' ? 'PAID' : command.action === 'fail' ? 'VOIDED' : 'ABANDONED';
      // The sandbox sent its current status to the portal, signed; the browser carries the same token back.
      applyOutcome(model, order, outcomeOf(order.sandbox)!);
      const back = new URL(answer.location!);
      expect(back.pathname).toBe('/payments/return/sandbox');
      model.tokens.push({ token: back.searchParams.get('order-token')!, order: model.orders.indexOf(order), status: order.sandbox });
      if (command.comeBack) {
        const landed = await world.customerBrowser.get(back.pathname + back.search);
        expect(landed.status).toBe(303);
        expect(landed.location).toBe(`/orders/${order.id}`);
      }
      return;
    }
    case 'notify': {
      if (!order) return;
      const token = notificationToken(world, order, command.status);
      await deliverNotification(world, token);
      model.tokens.push({ token, order: model.orders.indexOf(order), status: command.status });
      applyOutcome(model, order, outcomeOf(command.status)!);
      return;
    }
    case 'replay': {
      // An earlier notification again (late, out of order), possibly several copies at once.
      const earlier = model.tokens[model.tokens.length - 1 - (command.back % Math.max(1, model.tokens.length))];
      if (!earlier) return;
      await Promise.all(Array.from({ length: command.times }, () => deliverNotification(world, earlier.token)));
      applyOutcome(model, model.orders[earlier.order]!, outcomeOf(earlier.status)!);
      return;
    }
    case 'refund': {
      if (!order) return;
      const amountCents = command.amount.kind === 'rest' ? order.amountCents - order.refundedCents : command.amount.cents;
      const refusal = await refusalOf(() => refundOrder(t.deps, world.moderator, order.id, { amountCents, reason: 'Klient loobus.' }));
      const held = escrowOf(order);
      if (order.payment !== 'succeeded') expect(refusal).toBe('INVALID_STATE');
      else if (amountCents < 5 || amountCents > held) expect(refusal).toBe('VALIDATION');
      else if ((order.sandbox !== 'PAID' && order.sandbox !== 'PARTIALLY_REFUNDED') || amountCents > order.amountCents - order.sandboxRefundedCents) {
        // The provider refuses (the sandbox never saw this payment paid): nothing moves.
        expect(refusal).toBe('PAYMENT_UNAVAILABLE');
      } else {
        expect(refusal).toBeUndefined();
        order.refundedCents += amountCents;
        order.sandboxRefundedCents += amountCents;
        order.sandbox = order.sandboxRefundedCents === order.amountCents ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
      }
      return;
    }
    case 'accept': {
      if (!order) return;
      await release(t, order.id);
      if (order.status === 'in_progress' && escrowOf(order) > 0) order.releasedCents += order.amountCents - order.refundedCents;
      return;
    }
  }
}

/**
 * What accepting the work will do (issue 7), in one transaction with the app's locks (the order,
 * then its payment): the escrow goes to the expert and the fee, except refunds asked for and not
 * yet answered by the provider, which are on their way back to the customer.
 */
async function release(t: TestApp, orderId: number): Promise<void> {
  await t.deps.db.transaction().execute(async (trx) => {
    const isPostgres = t.deps.engine === 'postgres';
    const order = (await lockOrder(trx, orderId, isPostgres))!;
    const payment = (await lockPayment(trx, (await findPaymentOfOrder(trx, orderId))!.id, isPostgres))!;
    const escrow = await balanceOf(trx, escrowAccount(orderId));
    const amount = order.amount_cents - payment.refunded_cents - (await sumRequestedRefunds(trx, payment.id));
    if (order.status !== 'in_progress' || escrow <= 0 || amount <= 0) return;
    await record(trx, releaseTransaction(orderId, order.expert_id, amount, t.deps.settings.current().portalFeeBasisPoints), iso(t.clock.now()));
  });
}

type Executor = TestApp['deps']['db'];

async function balanceOf(db: Executor, account: string): Promise<number> {
  const rows = await db.selectFrom('ledger_entries').select('amount_cents').where('account', '=', account).execute();
  return rows.reduce((sum, r) => sum + Number(r.amount_cents), 0);
}

// ---- what must hold ----

async function expectPortalMatchesModel(world: World, history: Command[]): Promise<void> {
  const { t, model } = world;
  const db = t.deps.db;
  const context = JSON.stringify(history);

  const entries = await db.selectFrom('ledger_entries').select(['transaction_id', 'kind', 'account', 'amount_cents', 'order_id']).execute();
  // The whole ledger, and every transaction in it, sums to zero.
  expect(entries.reduce((sum, e) => sum + Number(e.amount_cents), 0), context).toBe(0);
  const byTransaction = new Map<string, number>();
  for (const e of entries) byTransaction.set(e.transaction_id, (byTransaction.get(e.transaction_id) ?? 0) + Number(e.amount_cents));
  for (const sum of byTransaction.values()) expect(sum, context).toBe(0);

  const orders = await db.selectFrom('orders').selectAll().orderBy('id').execute();
  expect(orders.map((o) => o.id), context).toEqual(model.orders.map((o) => o.id));
  const payments = await db.selectFrom('payments').selectAll().execute();
  expect(payments).toHaveLength(orders.length);
  for (const modelOrder of model.orders) {
    const row = orders.find((o) => o.id === modelOrder.id)!;
    const payment = payments.find((p) => p.order_id === modelOrder.id)!;
    expect({ order: row.status, payment: payment.status, refunded: payment.refunded_cents }, `order ${modelOrder.id} after ${context}`).toEqual({
      order: modelOrder.status,
      payment: modelOrder.payment,
      refunded: modelOrder.refundedCents,
    });
    // The escrow holds what was paid, less refunds and releases, never less than nothing.
    const escrow = entries.filter((e) => e.account === escrowAccount(modelOrder.id)).reduce((sum, e) => sum + Number(e.amount_cents), 0);
    expect(escrow, context).toBe(escrowOf(modelOrder));
    expect(escrow, context).toBeGreaterThanOrEqual(0);
    // The customer's money is recorded once at most, and only when the payment succeeded.
    const paymentTransactions = new Set(entries.filter((e) => e.kind === 'payment' && Number(e.order_id) === modelOrder.id).map((e) => e.transaction_id));
    expect(paymentTransactions.size, context).toBe(modelOrder.payment === 'succeeded' ? 1 : 0);
    // A paid order is in progress unless it had been cancelled before the money came.
    if (payment.status === 'succeeded' && row.status !== 'cancelled') expect(row.status).toBe('in_progress');
    if (row.status === 'in_progress') expect(payment.status).toBe('succeeded');
  }
  const successfulRefunds = await db.selectFrom('refunds').select(['amount_cents', 'status']).where('status', '=', 'successful').execute();
  expect(successfulRefunds.reduce((sum, r) => sum + Number(r.amount_cents), 0), context).toBe(model.orders.reduce((sum, o) => sum + o.refundedCents, 0));

  for (const [i, modelInquiry] of model.inquiries.entries()) {
    const inquiry = await db.selectFrom('inquiries').select('status').where('id', '=', modelInquiry.id).executeTakeFirstOrThrow();
    expect(inquiry.status, context).toBe(modelInquiry.status);
    const live = orders.filter((o) => o.inquiry_id === modelInquiry.id && o.status !== 'cancelled');
    expect(live.length).toBeLessThanOrEqual(1);
    // An inquiry is held exactly while it has a live order; a cancelled order gave it back (or another took it).
    expect(inquiry.status === 'ordered', context).toBe(live.length === 1);
    expect(live[0]?.id).toBe(liveOrderOf(model, i)?.id);
    const offers = await db.selectFrom('offers').select(['id', 'status']).where('inquiry_id', '=', modelInquiry.id).orderBy('id').execute();
    expect(offers, context).toEqual(modelInquiry.offers.map((o) => ({ id: o.id, status: o.status })));
  }
  // Staff were asked to refund every payment that arrived after its order had been cancelled.
  const lateNotices = await db.selectFrom('notices').select('id').where('user_id', '=', world.moderatorId).where('kind', '=', 'latePayment').execute();
  expect(lateNotices.length, context).toBe(model.orders.filter((o) => o.latePayment).length);
}

describe('the ledger and the orders under random payment events, against the database', () => {
  it('match the model after every step: balanced, escrow never negative, each payment recorded once', async () => {
    await fc.assert(
      fc.asyncProperty(sequenceArb, async (commands) => {
        const world = await newWorld();
        const history: Command[] = [];
        try {
          for (const command of commands) {
            history.push(command);
            await run(world, command);
            await expectPortalMatchesModel(world, history);
          }
        } finally {
          await world.t.close();
        }
      }),
      { numRuns: 40 },
    );
  }, 300_000);

  it('work accepted while a refund is with the provider releases only the rest: the escrow never goes negative', async () => {
    const world = await newWorld();
    try {
      await run(world, { type: 'order', inquiry: 0, offer: 0 });
      await run(world, { type: 'sandbox', order: 0, action: 'pay', comeBack: false });
      const order = world.model.orders[0]!;
      const sandbox = world.t.deps.payments.provider;
      // The customer accepts the work while the provider is still processing the moderator's refund.
      const slowProvider = {
        ...sandbox,
        refund: async (input: Parameters<typeof sandbox.refund>[0]) => {
          await release(world.t, order.id);
          return sandbox.refund(input);
        },
      };
      const deps = { ...world.t.deps, payments: { ...world.t.deps.payments, provider: slowProvider } };
      await refundOrder(deps, world.moderator, order.id, { amountCents: 5_000, reason: 'Klient loobus osaliselt.' });

      const entries = await world.t.deps.db.selectFrom('ledger_entries').select(['account', 'amount_cents']).execute();
      const sumOf = (account: string) => entries.filter((e) => e.account === account).reduce((sum, e) => sum + Number(e.amount_cents), 0);
      expect(sumOf(escrowAccount(order.id))).toBe(0);
      expect(sumOf('provider')).toBe(-7_000);
      // 120 € paid, 50 € on its way back: 70 € released, 10,50 € fee, 59,50 € to the expert.
      expect(sumOf('fees')).toBe(1_050);
      expect(sumOf(`payable:expert:${order.expertId}`)).toBe(5_950);
      expect(entries.reduce((sum, e) => sum + Number(e.amount_cents), 0)).toBe(0);
    } finally {
      await world.t.close();
    }
  }, 60_000);

  it('a payment confirmed, refunded in part, confirmed again and accepted ends with the escrow empty and the expert paid the rest less the fee', async () => {
    const world = await newWorld();
    try {
      const script: Command[] = [
        { type: 'order', inquiry: 0, offer: 0 },
        { type: 'sandbox', order: 0, action: 'pay', comeBack: true },
        { type: 'refund', order: 0, amount: { kind: 'part', cents: 2_000 } },
        { type: 'replay', back: 0, times: 3 },
        { type: 'notify', order: 0, status: 'VOIDED' },
        { type: 'accept', order: 0 },
        { type: 'accept', order: 0 },
        { type: 'refund', order: 0, amount: { kind: 'part', cents: 5 } },
      ];
      for (const [i, command] of script.entries()) {
        await run(world, command);
        await expectPortalMatchesModel(world, script.slice(0, i + 1));
      }
      const order = world.model.orders[0]!;
      const balances = await world.t.deps.db.selectFrom('ledger_entries').select(['account', 'amount_cents']).execute();
      const sumOf = (account: string) => balances.filter((b) => b.account === account).reduce((sum, b) => sum + Number(b.amount_cents), 0);
      expect(sumOf(escrowAccount(order.id))).toBe(0);
      // 120 € paid, 20 € refunded, 100 € released: 15 € fee, 85 € to the expert.
      expect(sumOf('fees')).toBe(1_500);
      expect(sumOf(`payable:expert:${order.expertId}`)).toBe(8_500);
      expect(sumOf('provider')).toBe(-10_000);
    } finally {
      await world.t.close();
    }
  }, 60_000);
});
