import { randomUUID } from 'node:crypto';
import { iso } from '../adapters/clock.js';
import { PaymentProviderError, PaymentVerificationError, type VerifiedPaymentStatus } from '../adapters/payments/provider.js';
import {
  findInquiry,
  listActiveOffers,
  listInvitationsOfInquiry,
  lockInquiry,
  updateInquiry,
  updateInvitation,
  updateOffer,
  updateOffers,
} from '../db/repositories/inquiry-repository.js';
import { accountBalance, appendTransaction, ledgerTotal, listBalances, type AccountBalance } from '../db/repositories/ledger-repository.js';
import { revealMembers } from '../db/repositories/mailbox-repository.js';
import {
  findOrder,
  findPaymentById,
  findPaymentByReference,
  findPaymentOfOrder,
  insertPaymentEvent,
  insertRefund,
  listOverdueOrders,
  lockOrder,
  lockPayment,
  sumRequestedRefunds,
  updateOrder,
  updatePayment,
  updateRefund,
} from '../db/repositories/order-repository.js';
import { getUsersByIds, listUserIdsWithRoles, type Executor } from '../db/repositories/user-repository.js';
import { formatMoney } from '../i18n/format.js';
import type { OrderRow } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { nextInquiryStatus, nextInvitationStatus, nextOfferStatus } from '../domain/inquiries.js';
import { assertBalanced, escrowAccount, paymentTransaction, refundTransaction, type LedgerTransaction } from '../domain/ledger.js';
import { nextOrderStatus, nextPaymentStatus, orderIdOfReference, paymentOutcomeOf, refundProblem } from '../domain/orders.js';
import { isStaff, type Actor } from '../domain/roles.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';
import { moveInvitations } from './invitations.js';
import { notify, notifyAll } from './notify.js';

/** Appends a checked ledger transaction in the caller's transaction. */
export async function record(trx: Executor, transaction: LedgerTransaction, now: string): Promise<void> {
  assertBalanced(transaction);
  await appendTransaction(trx, transaction, now);
}

type Outcome = { outcome: 'succeeded' | 'failed' | 'cancelled'; providerStatus: string; amountCents: number; source: string };

/**
 * Applies a verified payment outcome, once. The payment row is locked, so the same notification
 * delivered ten times at once changes state once; a failure never overrides a success. Returns
 * the order's id.
 *
 * Success: the payment is settled, the money enters the order's escrow in the ledger, the order
 * is `in_progress`, the ordered offer and its invitation have won, every other open invitation and
 * active offer of the inquiry has lost; the winner, the customer and every other invited expert
 * are told, and the question thread with the winner shows both names from now on.
 * Failure or abandonment of a pending payment: the order is cancelled and the inquiry open again.
 * A success that arrives after the order was cancelled is recorded (the money did arrive) and
 * staff are asked to refund it.
 */
export async function applyPaymentOutcome(deps: Deps, paymentId: number, result: Outcome): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const isPostgres = deps.engine === 'postgres';
    // Locks in one order everywhere (the order, then its payment), so that two transactions on
    // the same order never wait for each other in a circle.
    const unlocked = await findPaymentById(trx, paymentId);
    if (!unlocked) throw new PaymentVerificationError('unknown payment');
    const order = (await lockOrder(trx, unlocked.order_id, isPostgres))!;
    const payment = (await lockPayment(trx, paymentId, isPostgres))!;
    const now = iso(deps.clock.now());
    const next = nextPaymentStatus(payment.status, result.outcome);
    await insertPaymentEvent(trx, { payment_id: payment.id, source: result.source, provider_status: result.providerStatus, amount_cents: result.amountCents, applied: next ? 1 : 0, received_at: now });
    if (!next) return order.id;
    await updatePayment(trx, payment.id, { status: next, updated_at: now, ...(next === 'succeeded' ? { settled_at: now } : {}) });
    if (next === 'succeeded') {
      await record(trx, paymentTransaction(order.id, payment.amount_cents), now);
      if (order.status === 'awaiting_payment') await completeOrder(trx, deps, order, now);
      else await notifyStaff(trx, deps, 'latePayment', order);
    } else if (order.status === 'awaiting_payment') {
      await cancelOrder(trx, deps, order, now);
    }
    return order.id;
  });
}

async function notifyStaff(trx: Executor, deps: Deps, kind: 'latePayment', order: OrderRow): Promise<void> {
  const staffIds = await listUserIdsWithRoles(trx, ['moderator', 'admin']);
  await notifyAll(trx, deps, staffIds.map((staffId) => ({ recipientId: staffId, kind, params: { order: order.id }, link: `/orders/${order.id}` })));
}

/**
 * The payment went through: the order's offer is ordered and the others lose, the winner's
 * invitation wins and the other open ones lose, and everyone is told (the winner, the others
 * who still had a say, the customer), each group of changes in one statement.
 */
async function completeOrder(trx: Executor, deps: Deps, order: OrderRow, now: string): Promise<void> {
  await updateOrder(trx, order.id, { status: nextOrderStatus(order.status, 'paymentSucceeded'), paid_at: now, updated_at: now });
  const inquiry = (await lockInquiry(trx, order.inquiry_id, deps.engine === 'postgres'))!;
  const offers = await listActiveOffers(trx, order.inquiry_id);
  const ordered = offers.find((offer) => offer.id === order.offer_id);
  if (ordered) await updateOffer(trx, ordered.id, { status: nextOfferStatus(ordered.status, 'order'), updated_at: now });
  await updateOffers(trx, offers.filter((offer) => offer !== ordered).map((offer) => offer.id), { status: nextOfferStatus('active', 'lose'), updated_at: now });

  const invitations = await listInvitationsOfInquiry(trx, order.inquiry_id);
  const won = invitations.find((invitation) => invitation.expert_id === order.expert_id);
  const lost = invitations.filter((invitation) => invitation !== won && (invitation.status === 'new' || invitation.status === 'seen' || invitation.status === 'offered'));
  if (won) {
    await updateInvitation(trx, won.id, { status: nextInvitationStatus(won.status, 'win'), updated_at: now });
    if (won.conversation_id) await revealMembers(trx, won.conversation_id);
  }
  await moveInvitations(trx, lost, 'lose', { updated_at: now });
  await notifyAll(trx, deps, [
    ...(won ? [{ recipientId: won.expert_id, kind: 'orderPaidExpert' as const, params: { title: inquiry.title }, link: `/orders/${order.id}` }] : []),
    ...lost.map((invitation) => ({ recipientId: invitation.expert_id, kind: 'offerNotChosen' as const, params: { title: inquiry.title }, link: `/inquiries/${inquiry.id}` })),
    { recipientId: order.customer_id, kind: 'orderPaidCustomer', params: { title: inquiry.title }, link: `/orders/${order.id}` },
  ]);
}

async function cancelOrder(trx: Executor, deps: Deps, order: OrderRow, now: string): Promise<void> {
  await updateOrder(trx, order.id, { status: nextOrderStatus(order.status, 'paymentFailed'), cancelled_at: now, updated_at: now });
  const inquiry = (await lockInquiry(trx, order.inquiry_id, deps.engine === 'postgres'))!;
  if (inquiry.status === 'ordered') await updateInquiry(trx, inquiry.id, { status: nextInquiryStatus(inquiry.status, 'reopen'), updated_at: now });
  await notify(trx, deps, { recipientId: order.customer_id, kind: 'paymentFailed', params: { title: inquiry.title }, link: `/inquiries/${inquiry.id}` });
}

/**
 * Applies a status the provider vouched for (a verified token or a status query). The amount and
 * currency must be the payment's, and the provider's id must match the one it gave when the
 * payment started: anything else is refused and changes nothing.
 */
export async function applyVerifiedStatus(deps: Deps, verified: VerifiedPaymentStatus, source: 'notification' | 'return' | 'query'): Promise<number> {
  const orderId = orderIdOfReference(verified.merchantReference);
  const payment = orderId === undefined ? undefined : await findPaymentByReference(deps.db, verified.merchantReference);
  if (!payment || payment.provider !== deps.payments.provider.name) throw new PaymentVerificationError('unknown merchant reference');
  if (payment.provider_ref !== null && payment.provider_ref !== verified.providerRef) throw new PaymentVerificationError('provider reference does not match');
  if (verified.amountCents !== payment.amount_cents || verified.currency !== payment.currency) throw new PaymentVerificationError('amount or currency does not match');
  const outcome = paymentOutcomeOf(verified.status);
  if (!outcome) {
    await insertPaymentEvent(deps.db, { payment_id: payment.id, source, provider_status: verified.status, amount_cents: verified.amountCents, applied: 0, received_at: iso(deps.clock.now()) });
    return payment.order_id;
  }
  return applyPaymentOutcome(deps, payment.id, { outcome, providerStatus: verified.status, amountCents: verified.amountCents, source });
}

/** A provider's server-to-server notification: verified, then applied once. Throws PaymentVerificationError when it cannot be trusted. */
export async function receivePaymentNotification(deps: Deps, token: string): Promise<void> {
  const verified = await deps.payments.provider.verifyToken(token);
  await applyVerifiedStatus(deps, verified, 'notification');
}

/**
 * The payer's browser comes back. The token only says which payment it is: the status applied
 * is the one a status query returns (never the redirect alone). Returns the order to show.
 */
export async function receivePaymentReturn(deps: Deps, token: string): Promise<number> {
  const provider = deps.payments.provider;
  const claimed = await provider.verifyToken(token);
  try {
    return await applyVerifiedStatus(deps, await provider.queryStatus(claimed.providerRef), 'query');
  } catch (error) {
    // The provider is unreachable: the notification (or the timeout sweep) will settle it.
    if (!(error instanceof PaymentProviderError)) throw error;
    const payment = await findPaymentByReference(deps.db, claimed.merchantReference);
    if (!payment) throw new PaymentVerificationError('unknown merchant reference');
    return payment.order_id;
  }
}

/**
 * Orders whose time to pay has run out (the worker, every minute): the provider is asked first
 * (a payment that went through is applied as such); otherwise the payment counts as abandoned,
 * the order is cancelled and the inquiry opens again.
 */
export async function cancelOverduePayments(deps: Deps): Promise<number> {
  let cancelled = 0;
  for (const orderId of await listOverdueOrders(deps.db, iso(deps.clock.now()), 100)) {
    if (await abandonPayment(deps, orderId, 'timeout')) cancelled += 1;
  }
  return cancelled;
}

/**
 * Gives up a payment that has not come: the provider is asked first (a payment that went through
 * is applied as such), otherwise it counts as abandoned, the order is cancelled and the inquiry
 * opens again. True when the order ended up cancelled.
 */
async function abandonPayment(deps: Deps, orderId: number, source: 'timeout' | 'customer'): Promise<boolean> {
  const payment = await findPaymentOfOrder(deps.db, orderId);
  if (!payment) return false;
  if (payment.provider_ref) {
    try {
      const status = await deps.payments.provider.queryStatus(payment.provider_ref);
      if (paymentOutcomeOf(status.status) === 'succeeded') {
        await applyVerifiedStatus(deps, status, 'query');
        return false;
      }
    } catch (error) {
      if (!(error instanceof PaymentProviderError) && !(error instanceof PaymentVerificationError)) throw error;
    }
  }
  await applyPaymentOutcome(deps, payment.id, { outcome: 'cancelled', providerStatus: source === 'timeout' ? 'TIMEOUT' : 'CANCELLED_BY_CUSTOMER', amountCents: payment.amount_cents, source });
  return (await findOrder(deps.db, orderId))?.status === 'cancelled';
}

/**
 * The customer gives up paying (changed their mind, or the payment page is gone): the order is
 * cancelled and the inquiry opens again at once instead of after the timeout. A payment the
 * provider already took is applied instead. Only the order's customer, only while it waits.
 */
export async function cancelPaymentAttempt(deps: Deps, actor: Actor, orderId: number): Promise<void> {
  const order = await findOrder(deps.db, orderId);
  if (!order || order.customer_id !== actor.id) throw new DomainError('NOT_FOUND', { entity: 'order' });
  if (order.status !== 'awaiting_payment') throw new DomainError('INVALID_STATE', { entity: 'order', status: order.status, event: 'paymentFailed' });
  await abandonPayment(deps, orderId, 'customer');
}

/**
 * A moderator or admin refunds part or all of a paid order through the provider. At least 0.05 €
 * and at most what is still held for the order (so the escrow never goes negative); the refund is
 * recorded, the ledger moves the money back, and both parties are told.
 */
export async function refundOrder(deps: Deps, actor: Actor, orderId: number, input: { amountCents: number; reason: string }): Promise<void> {
  if (!isStaff(actor)) throw new DomainError('FORBIDDEN', { entity: 'order' });
  if (input.reason.trim() === '') throw new DomainError('VALIDATION', { fields: { reason: 'required' } });
  await refundThroughProvider(deps, orderId, { ...input, requestedBy: actor.id });
}

/** What an order's escrow still holds for it, less refunds asked for and not yet answered (cents). */
export async function heldForOrder(trx: Executor, orderId: number, paymentId: number): Promise<number> {
  return (await accountBalance(trx, escrowAccount(orderId))) - (await sumRequestedRefunds(trx, paymentId));
}

/**
 * Refunds through the provider: recorded first with an idempotency key, booked in the ledger
 * when the provider accepts it; both parties are told. PAYMENT_UNAVAILABLE when it refuses.
 */
export async function refundThroughProvider(deps: Deps, orderId: number, input: { amountCents: number; reason: string; requestedBy: number }): Promise<void> {
  const idempotencyKey = randomUUID();
  const prepared = await deps.db.transaction().execute(async (trx) => {
    const order = await lockOrder(trx, orderId, deps.engine === 'postgres');
    const payment = order ? await findPaymentOfOrder(trx, orderId) : undefined;
    if (!order || !payment) throw new DomainError('NOT_FOUND', { entity: 'order' });
    if (payment.status !== 'succeeded' || !payment.provider_ref) throw new DomainError('INVALID_STATE', { entity: 'order', status: order.status, event: 'refund' });
    const held = await heldForOrder(trx, orderId, payment.id);
    const problem = refundProblem({ amountCents: input.amountCents, paidCents: Math.min(payment.amount_cents, held + payment.refunded_cents), refundedCents: payment.refunded_cents });
    if (problem) throw new DomainError('VALIDATION', { fields: { amount: problem } });
    const refundId = await insertRefund(trx, {
      payment_id: payment.id,
      amount_cents: input.amountCents,
      reason: input.reason,
      idempotency_key: idempotencyKey,
      provider_ref: null,
      status: 'requested',
      requested_by: input.requestedBy,
      created_at: iso(deps.clock.now()),
    });
    return { refundId, payment, order };
  });
  const result = await deps.payments.provider
    .refund({ providerRef: prepared.payment.provider_ref!, amountCents: input.amountCents, idempotencyKey })
    .catch((error: unknown) => {
      if (error instanceof PaymentProviderError) return { refundRef: null, status: 'FAILED' as const };
      throw error;
    });
  await deps.db.transaction().execute(async (trx) => {
    const now = iso(deps.clock.now());
    const accepted = result.status === 'SUCCESSFUL' || result.status === 'PENDING';
    await lockOrder(trx, orderId, deps.engine === 'postgres');
    await updateRefund(trx, prepared.refundId, { status: result.status.toLowerCase(), provider_ref: result.refundRef });
    await recordAudit(trx, deps, { id: input.requestedBy }, 'order_refunded', { type: 'order', id: orderId }, {
      before: { refundedCents: prepared.payment.refunded_cents },
      after: { refundId: prepared.refundId, amountCents: input.amountCents, reason: input.reason, providerStatus: result.status },
    });
    if (!accepted) return;
    const payment = (await lockPayment(trx, prepared.payment.id, deps.engine === 'postgres'))!;
    await updatePayment(trx, payment.id, { refunded_cents: payment.refunded_cents + input.amountCents, updated_at: now });
    await record(trx, refundTransaction(orderId, input.amountCents), now);
    const inquiry = await findInquiry(trx, prepared.order.inquiry_id);
    const partyIds = [prepared.order.customer_id, prepared.order.expert_id];
    const parties = await getUsersByIds(trx, partyIds);
    await notifyAll(
      trx,
      deps,
      partyIds.map((id) => ({
        recipientId: id,
        kind: 'refundIssued' as const,
        params: { title: inquiry?.title ?? '', amount: formatMoney(parties.get(id)!.locale, input.amountCents) },
        link: `/orders/${orderId}`,
      })),
    );
  });
  if (result.status !== 'SUCCESSFUL' && result.status !== 'PENDING') throw new DomainError('PAYMENT_UNAVAILABLE');
}

export type LedgerOverview = { total: number; provider: number; fees: number; escrow: AccountBalance[]; payables: AccountBalance[] };

/** The ledger for admins: balances per order (escrow) and per expert (payable), the fees, and the total (always 0). */
export async function ledgerOverview(deps: Deps, actor: Actor, page: { page: number; pageSize: number }): Promise<LedgerOverview> {
  if (!isStaff(actor)) throw new DomainError('FORBIDDEN', { entity: 'ledger' });
  const offset = (page.page - 1) * page.pageSize;
  const [total, provider, fees, escrow, payables] = await Promise.all([
    ledgerTotal(deps.db),
    accountBalance(deps.db, 'provider'),
    accountBalance(deps.db, 'fees'),
    listBalances(deps.db, { prefix: 'escrow:order:', limit: page.pageSize, offset }),
    listBalances(deps.db, { prefix: 'payable:expert:', limit: page.pageSize, offset }),
  ]);
  return { total, provider, fees, escrow, payables };
}
