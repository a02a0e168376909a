import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { nextOrderStatus, orderEvents, orderStatuses, starsProblem, type OrderEvent, type OrderStatus } from '../../src/domain/orders.js';

// Every status × event of the order lifecycle (DOMAIN.md), written out: '—' is refused.
const expected: Record<OrderStatus, Record<OrderEvent, OrderStatus | '—'>> = {
  awaiting_payment: { paymentSucceeded: 'in_progress', paymentFailed: 'cancelled', markDone: '—', requestChanges: '—', accept: '—', dispute: '—', resolve: '—', settle: '—' },
  in_progress: { paymentSucceeded: '—', paymentFailed: '—', markDone: 'delivered', requestChanges: '—', accept: '—', dispute: 'disputed', resolve: '—', settle: '—' },
  delivered: { paymentSucceeded: '—', paymentFailed: '—', markDone: '—', requestChanges: 'in_progress', accept: 'accepted', dispute: 'disputed', resolve: '—', settle: '—' },
  accepted: { paymentSucceeded: '—', paymentFailed: '—', markDone: '—', requestChanges: '—', accept: '—', dispute: '—', resolve: '—', settle: '—' },
  disputed: { paymentSucceeded: '—', paymentFailed: '—', markDone: '—', requestChanges: '—', accept: '—', dispute: '—', resolve: 'accepted', settle: 'resolved' },
  resolved: { paymentSucceeded: '—', paymentFailed: '—', markDone: '—', requestChanges: '—', accept: '—', dispute: '—', resolve: '—', settle: '—' },
  cancelled: { paymentSucceeded: '—', paymentFailed: '—', markDone: '—', requestChanges: '—', accept: '—', dispute: '—', resolve: '—', settle: '—' },
};

describe('the order lifecycle', () => {
  it('has a row for every status and a column for every event', () => {
    expect(Object.keys(expected).sort()).toEqual([...orderStatuses].sort());
    for (const row of Object.values(expected)) expect(Object.keys(row).sort()).toEqual([...orderEvents].sort());
  });

  const pairs = orderStatuses.flatMap((status) => orderEvents.map((event) => [status, event, expected[status][event]] as const));

  it.each(pairs)('%s + %s → %s', (status, event, next) => {
    if (next === '—') {
      let thrown: unknown;
      try {
        nextOrderStatus(status, event);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(DomainError);
      expect((thrown as DomainError).code).toBe('INVALID_STATE');
      expect((thrown as DomainError).details).toEqual({ entity: 'order', status, event });
    } else {
      expect(nextOrderStatus(status, event)).toBe(next);
    }
  });
});

describe('stars', () => {
  it.each([1, 2, 3, 4, 5])('accepts %i', (n) => expect(starsProblem(n)).toBeUndefined());
  it.each([0, 6, -1, 2.5, Number.NaN])('refuses %s', (n) => expect(starsProblem(n)).toBe('chooseStars'));
});
