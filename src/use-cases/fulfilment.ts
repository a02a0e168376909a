import { iso } from '../adapters/clock.js';
import { isUniqueViolation } from '../db/errors.js';
import { adjustRating } from '../db/repositories/expert-repository.js';
import {
  attachDeliveryFile,
  countDeliveries,
  findDeliveryFile,
  findOpenDispute,
  findReviewOfOrder,
  insertDelivery,
  insertDispute,
  insertReview,
  listOrdersToAutoAccept,
  updateDispute,
  updateReview,
} from '../db/repositories/fulfilment-repository.js';
import { findInquiry, findInvitation, updateInvitation } from '../db/repositories/inquiry-repository.js';
import { findOrder, findPaymentOfOrder, lockOrder, lockPayment, updateOrder } from '../db/repositories/order-repository.js';
import { listUserIdsWithRoles, type Executor } from '../db/repositories/user-repository.js';
import type { FileRow, OrderRow } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { releaseTransaction } from '../domain/ledger.js';
import { assertOrderActor, autoAcceptReminderMs, nextOrderStatus, orderRoleOf, reviewEditableMs, starsProblem, type OrderRole } from '../domain/orders.js';
import type { Actor } from '../domain/roles.js';
import { assertMessageNotEmpty, startConversation, writeMessage } from './conversations.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';
import { notify, notifyAll } from './notify.js';
import { heldForOrder, record, refundThroughProvider } from './payments.js';
import { recordFiles, withUploads, type UploadedPart } from './uploads.js';

type OrderStep = { trx: Executor; order: OrderRow; role: OrderRole; now: Date; at: string; title: string };

/**
 * Runs one step on an order in a transaction: the order is locked (then its payment, when the
 * step moves money — the same order of locks as payments), outsiders get NOT_FOUND and the other
 * party FORBIDDEN; the order's lifecycle decides whether the step is allowed.
 */
async function onOrder<T>(deps: Deps, actor: Actor, orderId: number, allowed: OrderRole | readonly OrderRole[], step: (s: OrderStep) => Promise<T>): Promise<T> {
  return deps.db.transaction().execute(async (trx) => {
    const order = await lockOrder(trx, orderId, deps.engine === 'postgres');
    if (!order) throw new DomainError('NOT_FOUND', { entity: 'order' });
    const role = orderRoleOf(actor, { customerId: order.customer_id, expertId: order.expert_id });
    assertOrderActor(role, allowed);
    const now = deps.clock.now();
    const inquiry = await findInquiry(trx, order.inquiry_id);
    return step({ trx, order, role, now, at: iso(now), title: inquiry?.title ?? '' });
  });
}

/**
 * The winning expert adds a delivery (text and/or files) to a paid order in progress; several are
 * kept. A document order's delivery must carry the document as a file. The customer is told.
 */
export async function addDelivery(deps: Deps, actor: Actor, orderId: number, input: { body: string; uploads: UploadedPart[] }): Promise<void> {
  assertMessageNotEmpty(input.body, input.uploads);
  await withUploads(deps, input.uploads, (kept) =>
    onOrder(deps, actor, orderId, 'expert', async ({ trx, order, now, at, title }) => {
      if (order.status !== 'in_progress') throw new DomainError('INVALID_STATE', { entity: 'order', status: order.status, event: 'deliver' });
      const inquiry = await findInquiry(trx, order.inquiry_id);
      if (inquiry?.kind === 'document' && kept.length === 0) throw new DomainError('VALIDATION', { fields: { files: 'documentFileRequired' } });
      const deliveryId = await insertDelivery(trx, { orderId, expertId: actor.id, body: input.body, now: at });
      for (const fileId of await recordFiles(trx, kept, actor.id, now)) await attachDeliveryFile(trx, deliveryId, fileId);
      await notify(trx, deps, { recipientId: order.customer_id, kind: 'deliveryAdded', params: { title }, link: `/orders/${orderId}` });
    }),
  );
}

/** The expert marks the work done: the customer is asked to review it; it is accepted by itself after AUTO_ACCEPT_DAYS. */
export async function markDone(deps: Deps, actor: Actor, orderId: number): Promise<void> {
  await onOrder(deps, actor, orderId, 'expert', async ({ trx, order, now, at, title }) => {
    const status = nextOrderStatus(order.status, 'markDone');
    if ((await countDeliveries(trx, orderId)) === 0) throw new DomainError('VALIDATION', { fields: { delivery: 'deliverFirst' } });
    await updateOrder(trx, orderId, { status, delivered_at: at, auto_accept_at: iso(new Date(now.getTime() + deps.settings.current().autoAcceptDays * 86_400_000)), reminded_at: null, updated_at: at });
    await notify(trx, deps, { recipientId: order.customer_id, kind: 'workDone', params: { title }, link: `/orders/${orderId}` });
  });
}

/** Releases what the order's escrow holds (less refunds in flight) to the expert and the portal's fee. */
async function release(trx: Executor, deps: Deps, order: OrderRow, at: string): Promise<number> {
  const payment = (await lockPayment(trx, (await findPaymentOfOrder(trx, order.id))!.id, deps.engine === 'postgres'))!;
  const amount = await heldForOrder(trx, order.id, payment.id);
  if (amount > 0) await record(trx, releaseTransaction(order.id, order.expert_id, amount, deps.settings.current().portalFeeBasisPoints), at);
  return amount;
}

async function accept(trx: Executor, deps: Deps, order: OrderRow, at: string, how: 'customer' | 'automatic'): Promise<void> {
  await updateOrder(trx, order.id, { status: nextOrderStatus(order.status, 'accept'), accepted_at: at, accepted_how: how, updated_at: at });
  await release(trx, deps, order, at);
}

/** The customer accepts delivered work: the money is released to the expert (less the fee); the expert is told. */
export async function acceptWork(deps: Deps, actor: Actor, orderId: number): Promise<void> {
  await onOrder(deps, actor, orderId, 'customer', async ({ trx, order, at, title }) => {
    await accept(trx, deps, order, at, 'customer');
    await notify(trx, deps, { recipientId: order.expert_id, kind: 'workAccepted', params: { title }, link: `/orders/${orderId}` });
  });
}

/** The customer asks for changes with a message: the order is in progress again, the message goes into the thread, the expert is told. */
export async function requestChanges(deps: Deps, actor: Actor, orderId: number, message: string): Promise<void> {
  if (message.trim() === '') throw new DomainError('VALIDATION', { fields: { message: 'required' } });
  await onOrder(deps, actor, orderId, 'customer', async ({ trx, order, at, title }) => {
    await updateOrder(trx, orderId, { status: nextOrderStatus(order.status, 'requestChanges'), auto_accept_at: null, reminded_at: null, updated_at: at });
    const conversation = await orderThread(trx, deps, order, title);
    await writeMessage(trx, deps, actor, conversation, { body: message, kept: [] });
    await notify(trx, deps, { recipientId: order.expert_id, kind: 'changesRequested', params: { title, message }, link: `/orders/${orderId}` });
  });
}

/**
 * The worker, every minute: delivered work the customer has not answered is accepted when its
 * day comes (both told), and the customer is reminded once two days before.
 */
export async function autoAcceptDue(deps: Deps): Promise<{ accepted: number; reminded: number }> {
  const now = deps.clock.now();
  const at = iso(now);
  const result = { accepted: 0, reminded: 0 };
  for (const due of await listOrdersToAutoAccept(deps.db, iso(new Date(now.getTime() + autoAcceptReminderMs)), 100)) {
    await deps.db.transaction().execute(async (trx) => {
      const order = await lockOrder(trx, due.id, deps.engine === 'postgres');
      if (!order || order.status !== 'delivered' || !order.auto_accept_at) return;
      const title = (await findInquiry(trx, order.inquiry_id))?.title ?? '';
      if (order.auto_accept_at <= at) {
        await accept(trx, deps, order, at, 'automatic');
        await notifyAll(
          trx,
          deps,
          [order.customer_id, order.expert_id].map((recipientId) => ({ recipientId, kind: 'autoAccepted' as const, params: { title }, link: `/orders/${order.id}` })),
        );
        result.accepted += 1;
      } else if (!order.reminded_at) {
        await updateOrder(trx, order.id, { reminded_at: at });
        await notify(trx, deps, { recipientId: order.customer_id, kind: 'autoAcceptReminder', params: { title, date: order.auto_accept_at }, link: `/orders/${order.id}` });
        result.reminded += 1;
      }
    });
  }
  return result;
}

/** The order's thread between the customer and the winner: their question thread, or a new one. */
async function orderThread(trx: Executor, deps: Deps, order: OrderRow, title: string): Promise<{ id: number; subject: string }> {
  const invitation = await findInvitation(trx, order.inquiry_id, order.expert_id);
  if (invitation?.conversation_id) return { id: invitation.conversation_id, subject: title };
  const id = await startConversation(trx, deps, { subject: title, memberIds: [order.expert_id, order.customer_id], context: { type: 'invitation', id: invitation!.id } });
  await updateInvitation(trx, invitation!.id, { conversation_id: id, updated_at: iso(deps.clock.now()) });
  return { id, subject: title };
}

/** The customer or the expert of a paid order writes in its thread (questions and answers after the order). */
export async function postOrderMessage(deps: Deps, actor: Actor, orderId: number, input: { body: string; uploads: UploadedPart[] }): Promise<number> {
  assertMessageNotEmpty(input.body, input.uploads);
  return withUploads(deps, input.uploads, (kept) =>
    onOrder(deps, actor, orderId, ['customer', 'expert'], async ({ trx, order, title }) => {
      if (order.status === 'awaiting_payment' || order.status === 'cancelled') throw new DomainError('INVALID_STATE', { entity: 'order', status: order.status, event: 'message' });
      const conversation = await orderThread(trx, deps, order, title);
      return writeMessage(trx, deps, actor, conversation, { body: input.body, kept });
    }),
  );
}

// ---- rating ----

/**
 * The customer rates accepted work: 1–5 stars and an optional comment, one rating per order
 * (a unique index too), changeable for 7 days. The expert's totals move in the same transaction.
 */
export async function rateOrder(deps: Deps, actor: Actor, orderId: number, input: { stars: number; comment: string }): Promise<void> {
  const problem = starsProblem(input.stars);
  if (problem) throw new DomainError('VALIDATION', { fields: { stars: problem } });
  try {
    await onOrder(deps, actor, orderId, 'customer', async ({ trx, order, now, at, title }) => {
      if (order.status !== 'accepted') throw new DomainError('INVALID_STATE', { entity: 'review', status: 'notAccepted', event: 'rate' });
      const existing = await findReviewOfOrder(trx, orderId);
      const isPostgres = deps.engine === 'postgres';
      if (existing) {
        if (now.getTime() > Date.parse(existing.editable_until)) throw new DomainError('INVALID_STATE', { entity: 'review', status: 'locked', event: 'edit' });
        await updateReview(trx, existing.id, { stars: input.stars, comment: input.comment || null, updated_at: at });
        await adjustRating(trx, order.expert_id, { add: input.stars, remove: existing.stars }, isPostgres, at);
        return;
      }
      await insertReview(trx, {
        order_id: orderId,
        expert_id: order.expert_id,
        customer_id: actor.id,
        stars: input.stars,
        comment: input.comment || null,
        editable_until: iso(new Date(now.getTime() + reviewEditableMs)),
        reply: null,
        replied_at: null,
        created_at: at,
        updated_at: at,
      });
      await adjustRating(trx, order.expert_id, { add: input.stars }, isPostgres, at);
      await notify(trx, deps, { recipientId: order.expert_id, kind: 'newReview', params: { title, stars: input.stars }, link: `/orders/${orderId}#rating` });
    });
  } catch (error) {
    // The same rating sent twice at once: the unique index keeps one.
    if (isUniqueViolation(error)) throw new DomainError('INVALID_STATE', { entity: 'review', status: 'exists', event: 'rate' });
    throw error;
  }
}

/** The expert publishes one reply to a rating of their work. */
export async function replyToReview(deps: Deps, actor: Actor, orderId: number, reply: string): Promise<void> {
  if (reply.trim() === '') throw new DomainError('VALIDATION', { fields: { reply: 'required' } });
  await onOrder(deps, actor, orderId, 'expert', async ({ trx, order, at, title }) => {
    const review = await findReviewOfOrder(trx, orderId);
    if (!review) throw new DomainError('INVALID_STATE', { entity: 'review', status: 'missing', event: 'reply' });
    if (review.reply !== null) throw new DomainError('INVALID_STATE', { entity: 'review', status: 'replied', event: 'reply' });
    await updateReview(trx, review.id, { reply, replied_at: at, updated_at: at });
    await notify(trx, deps, { recipientId: order.customer_id, kind: 'reviewReplied', params: { title }, link: `/experts/${order.expert_id}` });
  });
}

// ---- disputes ----

/** Either party opens a dispute on a paid order not yet accepted, with a reason; the other party and staff are told. */
export async function openDispute(deps: Deps, actor: Actor, orderId: number, reason: string): Promise<void> {
  if (reason.trim() === '') throw new DomainError('VALIDATION', { fields: { reason: 'required' } });
  try {
    await onOrder(deps, actor, orderId, ['customer', 'expert'], async ({ trx, order, role, at, title }) => {
      await updateOrder(trx, orderId, { status: nextOrderStatus(order.status, 'dispute'), auto_accept_at: null, updated_at: at });
      await insertDispute(trx, { order_id: orderId, opened_by: actor.id, reason, status: 'open', resolution: null, refund_cents: null, release_cents: null, note: null, resolved_by: null, resolved_at: null, created_at: at });
      const staffIds = await listUserIdsWithRoles(trx, ['moderator', 'admin']);
      await notifyAll(trx, deps, [
        { recipientId: role === 'customer' ? order.expert_id : order.customer_id, kind: 'disputeOpened', params: { title }, link: `/orders/${orderId}` },
        ...staffIds.map((staffId) => ({ recipientId: staffId, kind: 'disputeOpenedStaff' as const, params: { title, order: orderId }, link: `/orders/${orderId}` })),
      ]);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('INVALID_STATE', { entity: 'order', status: 'disputed', event: 'dispute' });
    throw error;
  }
}

export type DisputeDecision = { resolution: 'release' | 'refund' | 'split'; refundCents: number; note: string };

/**
 * A moderator resolves a dispute: release everything held to the expert (the work counts as
 * accepted), refund the customer in full, or split (the refund part through the provider, the
 * rest released). Both parties are told; the ledger records each movement.
 */
export async function resolveDispute(deps: Deps, actor: Actor, orderId: number, decision: DisputeDecision): Promise<void> {
  const order = await findOrder(deps.db, orderId);
  if (!order) throw new DomainError('NOT_FOUND', { entity: 'order' });
  // Staff who are not a party to the order: outsiders NOT_FOUND, the parties (even staff ones) FORBIDDEN.
  assertOrderActor(orderRoleOf(actor, { customerId: order.customer_id, expertId: order.expert_id }), 'staff');
  if (decision.note.trim() === '') throw new DomainError('VALIDATION', { fields: { note: 'required' } });
  // Claims the open dispute first, so that a second decision sent meanwhile (a double click,
  // another moderator) is refused before any money moves.
  const claim = await deps.db.transaction().execute(async (trx) => {
    const locked = (await lockOrder(trx, orderId, deps.engine === 'postgres'))!;
    const payment = await findPaymentOfOrder(trx, orderId);
    const dispute = locked.status === 'disputed' ? await findOpenDispute(trx, orderId) : undefined;
    if (!payment || !dispute) throw new DomainError('INVALID_STATE', { entity: 'order', status: locked.status, event: 'resolve' });
    const held = await heldForOrder(trx, orderId, payment.id);
    const refund = decision.resolution === 'release' ? 0 : decision.resolution === 'refund' ? held : decision.refundCents;
    if (decision.resolution === 'split' && (!Number.isInteger(refund) || refund < 5 || refund >= held)) {
      throw new DomainError('VALIDATION', { fields: { refund: 'splitInvalid' } });
    }
    await updateDispute(trx, dispute.id, { status: 'deciding', resolved_by: actor.id });
    return { disputeId: dispute.id, refund };
  });
  const refund = claim.refund;
  // The refund goes through the provider first (outside the transaction, like every refund).
  if (refund > 0) {
    try {
      await refundThroughProvider(deps, orderId, { amountCents: refund, reason: decision.note, requestedBy: actor.id });
    } catch (error) {
      await updateDispute(deps.db, claim.disputeId, { status: 'open', resolved_by: null });
      throw error;
    }
  }
  await deps.db.transaction().execute(async (trx) => {
    const locked = (await lockOrder(trx, orderId, deps.engine === 'postgres'))!;
    const at = iso(deps.clock.now());
    const event = decision.resolution === 'release' ? 'resolve' : 'settle';
    await updateOrder(trx, orderId, {
      status: nextOrderStatus(locked.status, event),
      updated_at: at,
      ...(event === 'resolve' ? { accepted_at: at, accepted_how: 'moderator' } : {}),
    });
    const released = await release(trx, deps, locked, at);
    await updateDispute(trx, claim.disputeId, { status: 'resolved', resolution: decision.resolution, refund_cents: refund, release_cents: released, note: decision.note, resolved_by: actor.id, resolved_at: at });
    await recordAudit(trx, deps, actor, 'dispute_resolved', { type: 'dispute', id: claim.disputeId }, {
      before: { orderId, orderStatus: locked.status },
      after: { resolution: decision.resolution, refundCents: refund, releaseCents: released, note: decision.note },
    });
    const title = (await findInquiry(trx, locked.inquiry_id))?.title ?? '';
    await notifyAll(
      trx,
      deps,
      [locked.customer_id, locked.expert_id].map((recipientId) => ({ recipientId, kind: 'disputeResolved' as const, params: { title, note: decision.note }, link: `/orders/${orderId}` })),
    );
  });
}

/** A delivered file, for the order's parties and staff; NOT_FOUND for everyone else. */
export async function getDeliveryFile(deps: Deps, actor: Actor, orderId: number, fileId: number): Promise<FileRow> {
  const order = await findOrder(deps.db, orderId);
  if (!order) throw new DomainError('NOT_FOUND', { entity: 'file' });
  orderRoleOf(actor, { customerId: order.customer_id, expertId: order.expert_id });
  const file = await findDeliveryFile(deps.db, orderId, fileId);
  if (!file) throw new DomainError('NOT_FOUND', { entity: 'file' });
  return file;
}
