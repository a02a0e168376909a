import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertBalanced,
  escrowAccount,
  feesAccount,
  paymentTransaction,
  providerAccount,
  refundTransaction,
  releaseTransaction,
  type LedgerTransaction,
} from '../../src/domain/ledger.js';
import { nextOrderStatus, nextPaymentStatus, refundProblem, type OrderStatus, type PaymentStatus } from '../../src/domain/orders.js';

/**
 * A small pure model of the money side of orders, built only from the domain functions the use
 * cases call (src/use-cases/payments.ts applyPaymentOutcome and refundOrder; the release is what
 * accepting the work will do): random interleavings of payment outcomes, duplicates, refunds and
 * acceptances over several orders must keep the ledger whole after every step.
 */

type Outcome = 'succeeded' | 'failed' | 'cancelled';
type RefundAmount = { kind: 'rest' } | { kind: 'tiny'; cents: number } | { kind: 'part'; cents: number };

type ModelEvent =
  | { type: 'notify'; order: number; outcome: Outcome }
  | { type: 'duplicate'; order: number; back: number }
  | { type: 'refund'; order: number; amount: RefundAmount }
  | { type: 'accept'; order: number };

type ModelOrder = {
  id: number;
  expertId: number;
  amountCents: number;
  status: OrderStatus;
  payment: PaymentStatus;
  refundedCents: number;
  releasedCents: number;
  /** Every outcome the provider sent for this order, in delivery order. */
  delivered: Outcome[];
};

type World = { orders: ModelOrder[]; ledger: LedgerTransaction[]; feeBasisPoints: number };

function balanceOf(world: World, account: string): number {
  let sum = 0;
  for (const transaction of world.ledger) for (const entry of transaction.entries) if (entry.account === account) sum += entry.amountCents;
  return sum;
}

function record(world: World, transaction: LedgerTransaction): void {
  assertBalanced(transaction);
  world.ledger.push(transaction);
}

/** What applyPaymentOutcome does with a verified outcome. */
function deliver(world: World, order: ModelOrder, outcome: Outcome): void {
  order.delivered.push(outcome);
  const next = nextPaymentStatus(order.payment, outcome);
  if (!next) return;
  order.payment = next;
  if (next === 'succeeded') {
    record(world, paymentTransaction(order.id, order.amountCents));
    if (order.status === 'awaiting_payment') order.status = nextOrderStatus(order.status, 'paymentSucceeded');
  } else if (order.status === 'awaiting_payment') {
    order.status = nextOrderStatus(order.status, 'paymentFailed');
  }
}

/** What refundOrder does: refused unless paid, at most what the escrow still holds. Returns whether it went through. */
function refund(world: World, order: ModelOrder, amount: RefundAmount): boolean {
  if (order.payment !== 'succeeded') return false;
  const amountCents = amount.kind === 'rest' ? order.amountCents - order.refundedCents : amount.cents;
  const held = balanceOf(world, escrowAccount(order.id));
  const problem = refundProblem({ amountCents, paidCents: Math.min(order.amountCents, held + order.refundedCents), refundedCents: order.refundedCents });
  if (problem) return false;
  record(world, refundTransaction(order.id, amountCents));
  order.refundedCents += amountCents;
  return true;
}

/** Accepted work (issue 7): whatever the escrow holds goes to the expert and the fee. */
function accept(world: World, order: ModelOrder): void {
  const held = balanceOf(world, escrowAccount(order.id));
  if (order.status !== 'in_progress' || held <= 0) return;
  record(world, releaseTransaction(order.id, order.expertId, held, world.feeBasisPoints));
  order.releasedCents += held;
  order.status = nextOrderStatus(nextOrderStatus(order.status, 'markDone'), 'accept');
}

function snapshot(world: World): string {
  return JSON.stringify({ orders: world.orders.map(({ delivered: _delivered, ...rest }) => rest), ledger: world.ledger });
}

/** Everything that must hold after every step. */
function checkInvariants(world: World): void {
  let total = 0;
  for (const transaction of world.ledger) {
    expect(() => assertBalanced(transaction)).not.toThrow();
    for (const entry of transaction.entries) total += entry.amountCents;
  }
  expect(total).toBe(0);

  let released = 0;
  for (const order of world.orders) {
    const paid = order.payment === 'succeeded' ? order.amountCents : 0;
    const escrow = balanceOf(world, escrowAccount(order.id));
    expect(escrow).toBeGreaterThanOrEqual(0);
    expect(escrow).toBe(paid - order.refundedCents - order.releasedCents);
    expect(order.refundedCents).toBeLessThanOrEqual(paid);
    const payments = world.ledger.filter((t) => t.kind === 'payment' && t.entries.some((e) => e.orderId === order.id));
    expect(payments.length).toBe(order.payment === 'succeeded' ? 1 : 0);
    // The order's state follows its payment: unpaid orders wait, failed ones are cancelled.
    if (order.payment === 'pending') expect(order.status).toBe('awaiting_payment');
    if (order.payment === 'failed' || order.payment === 'cancelled') expect(order.status).toBe('cancelled');
    if (order.status === 'in_progress' || order.status === 'accepted') expect(order.payment).toBe('succeeded');
    released += order.releasedCents;
  }
  const payables = world.ledger.flatMap((t) => t.entries).filter((e) => e.account.startsWith('payable:expert:'));
  for (const expertId of new Set(payables.map((e) => e.expertId))) {
    expect(payables.filter((e) => e.expertId === expertId).reduce((sum, e) => sum + e.amountCents, 0)).toBeGreaterThanOrEqual(0);
  }
  const fees = balanceOf(world, feesAccount);
  expect(fees).toBeGreaterThanOrEqual(0);
  expect(payables.reduce((sum, e) => sum + e.amountCents, 0) + fees).toBe(released);
  expect(balanceOf(world, providerAccount)).toBeLessThanOrEqual(0);
}

const outcomeArb = fc.constantFrom<Outcome>('succeeded', 'failed', 'cancelled');
const refundAmountArb: fc.Arbitrary<RefundAmount> = fc.oneof(
  fc.constant({ kind: 'rest' as const }),
  fc.integer({ min: -3, max: 4 }).map((cents) => ({ kind: 'tiny' as const, cents })),
  fc.integer({ min: 1, max: 60_000 }).map((cents) => ({ kind: 'part' as const, cents })),
);

const eventArb: fc.Arbitrary<ModelEvent> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('notify' as const), order: fc.nat(7), outcome: outcomeArb }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('duplicate' as const), order: fc.nat(7), back: fc.nat(5) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('refund' as const), order: fc.nat(7), amount: refundAmountArb }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('accept' as const), order: fc.nat(7) }) },
);

const worldArb = fc.record({
  // Prices from 0.05 € to 500 €; some orders share an expert.
  orders: fc.array(fc.record({ amountCents: fc.integer({ min: 5, max: 50_000 }), expert: fc.nat(2) }), { minLength: 1, maxLength: 4 }),
  feeBasisPoints: fc.integer({ min: 0, max: 5_000 }),
});

function newWorld(spec: { orders: { amountCents: number; expert: number }[]; feeBasisPoints: number }): World {
  return {
    feeBasisPoints: spec.feeBasisPoints,
    ledger: [],
    orders: spec.orders.map((o, i) => ({
      id: i + 1,
      expertId: 100 + o.expert,
      amountCents: o.amountCents,
      status: 'awaiting_payment',
      payment: 'pending',
      refundedCents: 0,
      releasedCents: 0,
      delivered: [],
    })),
  };
}

describe('the ledger under random payment, refund and acceptance events', () => {
  it('stays balanced, never holds a negative escrow and records each payment once, after every step', () => {
    fc.assert(
      fc.property(worldArb, fc.array(eventArb, { maxLength: 40 }), (spec, events) => {
        const world = newWorld(spec);
        checkInvariants(world);
        for (const event of events) {
          const order = world.orders[event.order % world.orders.length]!;
          const before = snapshot(world);
          const wasPaid = order.payment === 'succeeded';
          switch (event.type) {
            case 'notify':
              deliver(world, order, event.outcome);
              // A failure or an abandonment after a success changes nothing.
              if (wasPaid && event.outcome !== 'succeeded') expect(snapshot(world)).toBe(before);
              // The same outcome twice changes nothing.
              if (order.delivered.slice(0, -1).includes(event.outcome)) expect(snapshot(world)).toBe(before);
              break;
            case 'duplicate': {
              // A notification delivered again, late or out of order, changes nothing.
              const earlier = order.delivered[Math.max(0, order.delivered.length - 1 - event.back)];
              if (earlier === undefined) break;
              deliver(world, order, earlier);
              expect(snapshot(world)).toBe(before);
              break;
            }
            case 'refund': {
              const refundedBefore = order.refundedCents;
              const done = refund(world, order, event.amount);
              if (!done) expect(snapshot(world)).toBe(before);
              else expect(order.refundedCents).toBeGreaterThan(refundedBefore);
              break;
            }
            case 'accept':
              accept(world, order);
              break;
          }
          checkInvariants(world);
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('refunds in full after a success bring the escrow and the provider back to zero', () => {
    fc.assert(
      fc.property(worldArb, fc.array(fc.integer({ min: 5, max: 20_000 }), { maxLength: 6 }), (spec, parts) => {
        const world = newWorld(spec);
        for (const order of world.orders) {
          deliver(world, order, 'succeeded');
          for (const part of parts) refund(world, order, { kind: 'part', cents: part });
          refund(world, order, { kind: 'rest' });
          // A last refund of the remainder may be below the 0.05 € minimum: then 1–4 cents stay held.
          const left = order.amountCents - order.refundedCents;
          expect(left === 0 || left < 5).toBe(true);
          expect(balanceOf(world, escrowAccount(order.id))).toBe(left);
        }
        checkInvariants(world);
      }),
      { numRuns: 1_000 },
    );
  });

  it('a release pays the expert and the fee exactly what the escrow held', () => {
    fc.assert(
      fc.property(worldArb, fc.array(fc.integer({ min: 5, max: 20_000 }), { maxLength: 3 }), (spec, parts) => {
        const world = newWorld(spec);
        for (const order of world.orders) {
          deliver(world, order, 'succeeded');
          for (const part of parts) refund(world, order, { kind: 'part', cents: part });
          const held = balanceOf(world, escrowAccount(order.id));
          accept(world, order);
          expect(balanceOf(world, escrowAccount(order.id))).toBe(0);
          expect(order.releasedCents).toBe(held);
          // Nothing is left to refund once the work is accepted.
          expect(refund(world, order, { kind: 'part', cents: 5 })).toBe(false);
        }
        checkInvariants(world);
      }),
      { numRuns: 1_000 },
    );
  });
});
