import { DomainError } from './errors.js';
import { isStaff, type Actor } from './roles.js';

/**
 * Orders and payments (DOMAIN.md, "Lifecycles"). An order is created `awaiting_payment` when the
 * customer orders an offer; a verified successful payment makes it `in_progress` (contact data now
 * visible to both); a failed or abandoned payment cancels it and gives the inquiry back.
 * `delivered`, `accepted` and `disputed` belong to fulfilment (issue 7).
 */
export const orderStatuses = ['awaiting_payment', 'in_progress', 'delivered', 'accepted', 'disputed', 'resolved', 'cancelled'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const orderEvents = ['paymentSucceeded', 'paymentFailed', 'markDone', 'requestChanges', 'accept', 'dispute', 'resolve', 'settle'] as const;
export type OrderEvent = (typeof orderEvents)[number];

const orderTransitions: Record<OrderStatus, Partial<Record<OrderEvent, OrderStatus>>> = {
  awaiting_payment: { paymentSucceeded: 'in_progress', paymentFailed: 'cancelled' },
  in_progress: { markDone: 'delivered', dispute: 'disputed' },
  delivered: { accept: 'accepted', requestChanges: 'in_progress', dispute: 'disputed' },
  accepted: {},
  // A moderator releases the money to the expert (the work counts as accepted), or settles by
  // refunding the customer in full or in part (`resolved`).
  disputed: { resolve: 'accepted', settle: 'resolved' },
  resolved: {},
  cancelled: {},
};

/** The status an order moves to on an event; INVALID_STATE when not allowed. */
export function nextOrderStatus(status: OrderStatus, event: OrderEvent): OrderStatus {
  const next = orderTransitions[status][event];
  if (!next) throw new DomainError('INVALID_STATE', { entity: 'order', status, event });
  return next;
}

/** Orders that hold their inquiry: at most one of these per inquiry (a partial unique index too). */
export const liveOrderStatuses: readonly OrderStatus[] = ['awaiting_payment', 'in_progress', 'delivered', 'accepted', 'disputed', 'resolved'];

/** Paid orders: from here on the customer and the expert see each other's contact data. */
export const paidOrderStatuses: readonly OrderStatus[] = ['in_progress', 'delivered', 'accepted', 'disputed', 'resolved'];

export function isPaid(status: OrderStatus): boolean {
  return paidOrderStatuses.includes(status);
}

// ---- payments ----

/** `pending` → `succeeded` | `failed` | `cancelled`. Refunds are recorded beside it (refunded_cents). */
export const paymentStatuses = ['pending', 'succeeded', 'failed', 'cancelled'] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

/** What a verified provider status means for a payment; undefined: nothing to do yet (PENDING, AUTHORIZED). */
export function paymentOutcomeOf(providerStatus: string): 'succeeded' | 'failed' | 'cancelled' | undefined {
  switch (providerStatus) {
    case 'PAID':
    case 'PARTIALLY_REFUNDED':
    case 'REFUNDED':
      return 'succeeded';
    case 'VOIDED':
      return 'failed';
    case 'ABANDONED':
      return 'cancelled';
    default:
      return undefined;
  }
}

/**
 * Applies a verified outcome to a payment, idempotently: the same outcome twice changes nothing,
 * a failure never overrides a success, and a success after a failure is recorded (the money did
 * arrive) so that staff can refund it. Returns the new status, or undefined when nothing changes.
 */
export function nextPaymentStatus(current: PaymentStatus, outcome: 'succeeded' | 'failed' | 'cancelled'): PaymentStatus | undefined {
  if (current === outcome) return undefined;
  if (current === 'succeeded') return undefined;
  if (outcome === 'succeeded') return 'succeeded';
  return current === 'pending' ? outcome : undefined;
}

/** How long a customer has to pay before the order is cancelled and the inquiry opens again. */
export const defaultPaymentTimeoutMs = 30 * 60_000;

/** The payment reference the portal gives a provider for an order (unique, readable). */
export function merchantReferenceOf(orderId: number): string {
  return `KONSULT-${orderId}`;
}

/** The order id in a merchant reference; undefined when it is not one of ours. */
export function orderIdOfReference(reference: string): number | undefined {
  const match = /^KONSULT-(\d{1,9})$/.exec(reference);
  return match ? Number(match[1]) : undefined;
}

// ---- who may see and do what ----

export type OrderParty = { customerId: number; expertId: number };
export type OrderRole = 'customer' | 'expert' | 'staff';

/** The actor's part in an order: its customer, its expert, staff; anyone else is told it does not exist. */
export function orderRoleOf(actor: Actor, order: OrderParty): OrderRole {
  if (actor.id === order.customerId) return 'customer';
  if (actor.id === order.expertId) return 'expert';
  if (isStaff(actor)) return 'staff';
  throw new DomainError('NOT_FOUND', { entity: 'order' });
}

/** Refunds are given by moderators and admins, up to what was paid and not yet refunded, at least 0.05 €. */
export function refundProblem(input: { amountCents: number; paidCents: number; refundedCents: number }): string | undefined {
  if (!Number.isInteger(input.amountCents)) return 'amountInvalid';
  if (input.amountCents < 5) return 'refundTooSmall';
  if (input.amountCents > input.paidCents - input.refundedCents) return 'refundTooLarge';
  return undefined;
}

// ---- fulfilment, acceptance, rating, disputes ----

/** How long after acceptance a customer may still change their rating. */
export const reviewEditableMs = 7 * 86_400_000;

/** How long before the automatic acceptance the customer is reminded. */
export const autoAcceptReminderMs = 2 * 86_400_000;

export const fulfilmentLimits = { delivery: 20_000, message: 5_000, comment: 3_000, reply: 3_000, reason: 3_000 } as const;

/** Refuses an actor who is not the one this step belongs to (NOT_FOUND for outsiders, FORBIDDEN for the other party). */
export function assertOrderActor(role: OrderRole, required: OrderRole | readonly OrderRole[]): void {
  const allowed = typeof required === 'string' ? [required] : required;
  if (!allowed.includes(role)) throw new DomainError('FORBIDDEN', { entity: 'order' });
}

/** Stars are whole numbers from 1 to 5. */
export function starsProblem(stars: number): string | undefined {
  return Number.isInteger(stars) && stars >= 1 && stars <= 5 ? undefined : 'chooseStars';
}
