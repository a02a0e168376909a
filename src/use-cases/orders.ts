import { iso } from '../adapters/clock.js';
import { PaymentProviderError } from '../adapters/payments/provider.js';
import { isUniqueViolation } from '../db/errors.js';
import { findReviewOfOrder, listDeliveries, listDisputesOf, type DeliveryView } from '../db/repositories/fulfilment-repository.js';
import { findInquiry, findInvitation, findOfferById, lockInquiry, updateInquiry } from '../db/repositories/inquiry-repository.js';
import { listMessages, type MessageWithFiles } from '../db/repositories/mailbox-repository.js';
import { listOrderEntries } from '../db/repositories/ledger-repository.js';
import {
  findOfferToOrder,
  findOrder,
  findPaymentOfOrder,
  insertOrder,
  insertPayment,
  listOrdersOf,
  listPaymentEvents,
  listRefunds,
  updatePaymentOfOrder,
  type OrderListItem,
} from '../db/repositories/order-repository.js';
import { findProfile } from '../db/repositories/expert-repository.js';
import { getUserById } from '../db/repositories/user-repository.js';
import type { DisputeRow, OrderRow, PaymentRow } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { assertOfferOrderable, nextInquiryStatus } from '../domain/inquiries.js';
import { isPaid, merchantReferenceOf, orderRoleOf, type OrderRole } from '../domain/orders.js';
import type { Actor } from '../domain/roles.js';
import type { Deps } from './deps.js';
import { applyPaymentOutcome } from './payments.js';

/**
 * The customer orders one offer of their open inquiry. In one transaction: the offer must be
 * orderable (active, within its validity, the inquiry open), no other order may hold the inquiry
 * (ORDER_EXISTS; a partial unique index backs it), the order is created `awaiting_payment`, the
 * inquiry becomes `ordered` (experts can no longer change it) and a pending payment is recorded.
 * Then the provider is asked for a payment page. Returns where to send the customer.
 */
export async function orderOffer(deps: Deps, actor: Actor, inquiryId: number, offerId: number): Promise<{ orderId: number; paymentUrl: string }> {
  // Not an id at all (a tampered form): no such offer, before the database sees it.
  if (!Number.isSafeInteger(offerId) || offerId <= 0) throw new DomainError('NOT_FOUND', { entity: 'offer' });
  const provider = deps.payments.provider;
  let created: { order: OrderRow; payment: PaymentRow };
  try {
    created = await deps.db.transaction().execute(async (trx) => {
      const inquiry = await lockInquiry(trx, inquiryId, deps.engine === 'postgres');
      if (!inquiry || inquiry.customer_id !== actor.id) throw new DomainError('NOT_FOUND', { entity: 'inquiry' });
      const offer = await findOfferToOrder(trx, offerId);
      if (!offer || offer.inquiry_id !== inquiryId) throw new DomainError('NOT_FOUND', { entity: 'offer' });
      if (offer.live_order_id !== null) throw new DomainError('ORDER_EXISTS');
      const now = deps.clock.now();
      assertOfferOrderable({ status: offer.status, expiresAt: offer.expires_at }, { status: inquiry.status }, now);
      const at = iso(now);
      const order = await insertOrder(trx, {
        inquiry_id: inquiryId,
        offer_id: offer.id,
        customer_id: actor.id,
        expert_id: offer.expert_id,
        amount_cents: offer.price_cents,
        status: 'awaiting_payment',
        payment_due_at: iso(new Date(now.getTime() + deps.settings.current().paymentTimeoutMinutes * 60_000)),
        paid_at: null,
        cancelled_at: null,
        created_at: at,
        updated_at: at,
      });
      await updateInquiry(trx, inquiryId, { status: nextInquiryStatus(inquiry.status, 'order'), updated_at: at });
      const payment = {
        order_id: order.id,
        provider: provider.name,
        merchant_reference: merchantReferenceOf(order.id),
        provider_ref: null,
        payment_url: null,
        amount_cents: offer.price_cents,
        currency: 'EUR',
        status: 'pending' as const,
        created_at: at,
        updated_at: at,
        settled_at: null,
      };
      const paymentId = await insertPayment(trx, payment);
      return { order, payment: { ...payment, id: paymentId, refunded_cents: 0 } };
    });
  } catch (error) {
    // Two orders at the same moment: the unique index lets one through.
    if (isUniqueViolation(error)) throw new DomainError('ORDER_EXISTS');
    throw error;
  }

  try {
    const started = await provider.createPayment({
      merchantReference: created.payment.merchant_reference,
      amountCents: created.order.amount_cents,
      currency: 'EUR',
      description: `Konsult ${created.payment.merchant_reference}`,
      locale: actor.locale,
      returnUrl: `${deps.publicUrl}/payments/return/${provider.name}`,
      notificationUrl: `${deps.publicUrl}/payments/notify/${provider.name}`,
    });
    const status = await updatePaymentOfOrder(deps.db, created.payment.id, { provider_ref: started.providerRef, payment_url: started.paymentUrl, updated_at: iso(deps.clock.now()) });
    // The timeout or the customer's cancel may have ended the order while the provider answered:
    // never send anyone to pay for an order that is no longer waiting for it.
    if (status !== 'awaiting_payment') throw new DomainError('INVALID_STATE', { entity: 'order', status: status ?? 'cancelled', event: 'pay' });
    return { orderId: created.order.id, paymentUrl: started.paymentUrl };
  } catch (error) {
    if (!(error instanceof PaymentProviderError)) throw error;
    // Nothing was charged: give the inquiry back at once instead of after the timeout.
    await applyPaymentOutcome(deps, created.payment.id, { outcome: 'failed', providerStatus: 'UNAVAILABLE', amountCents: created.order.amount_cents, source: 'start' });
    throw new DomainError('PAYMENT_UNAVAILABLE');
  }
}

export type ContactCard = { name: string; email: string; phone: string | null };

export type OrderView = {
  id: number;
  role: OrderRole;
  status: OrderRow['status'];
  amountCents: number;
  inquiry: { id: number; title: string };
  offer: { deliveryDate: string; note: string };
  expert: { id: number; displayName: string };
  createdAt: string;
  paidAt: string | null;
  paymentDueAt: string;
  payment: { status: PaymentRow['status']; refundedCents: number; paymentUrl: string | null; provider: string; reference: string } | undefined;
  /** The other side's contact data: only once the order is paid, only to its two parties (staff see both). */
  contacts: { customer?: ContactCard; expert?: ContactCard };
  kind: 'consultation' | 'document';
  deliveredAt: string | null;
  autoAcceptAt: string | null;
  acceptedAt: string | null;
  acceptedHow: string | null;
  cancelledAt: string | null;
  deliveries: DeliveryView[];
  /** The thread between the customer and the expert (staff read it too). */
  thread: { id: number; messages: MessageWithFiles[] } | undefined;
  review: { stars: number; comment: string | null; reply: string | null; isEditable: boolean } | undefined;
  disputes: DisputeRow[];
  /** Staff only: what the provider said, the refunds and the ledger entries. */
  audit?: {
    events: Awaited<ReturnType<typeof listPaymentEvents>>;
    refunds: Awaited<ReturnType<typeof listRefunds>>;
    entries: Awaited<ReturnType<typeof listOrderEntries>>;
  };
};

function contactOf(user: { name: string; email: string; phone: string | null }): ContactCard {
  return { name: user.name, email: user.email, phone: user.phone };
}

/** An order for its customer, its expert or staff; anyone else gets NOT_FOUND. */
export async function getOrder(deps: Deps, actor: Actor, orderId: number): Promise<OrderView> {
  const order = await findOrder(deps.db, orderId);
  if (!order) throw new DomainError('NOT_FOUND', { entity: 'order' });
  const role = orderRoleOf(actor, { customerId: order.customer_id, expertId: order.expert_id });
  const [payment, offer, profile, inquiry] = await Promise.all([
    findPaymentOfOrder(deps.db, orderId),
    findOfferById(deps.db, order.offer_id),
    findProfile(deps.db, order.expert_id),
    findInquiry(deps.db, order.inquiry_id),
  ]);
  const contacts: OrderView['contacts'] = {};
  if (isPaid(order.status)) {
    // A deleted account has no contact data left to show (decision 013).
    const contactIfKept = async (userId: number) => {
      const user = await getUserById(deps.db, userId);
      return user.deleted_at ? undefined : contactOf(user);
    };
    if (role !== 'expert') contacts.expert = await contactIfKept(order.expert_id);
    if (role !== 'customer') contacts.customer = await contactIfKept(order.customer_id);
  }
  const invitation = await findInvitation(deps.db, order.inquiry_id, order.expert_id);
  const threadId = isPaid(order.status) ? (invitation?.conversation_id ?? undefined) : undefined;
  const [deliveries, messages, review, disputes] = await Promise.all([
    listDeliveries(deps.db, orderId),
    threadId ? listMessages(deps.db, threadId, { limit: 100 }) : [],
    findReviewOfOrder(deps.db, orderId),
    listDisputesOf(deps.db, orderId),
  ]);
  const audit =
    role === 'staff' && payment
      ? { events: await listPaymentEvents(deps.db, payment.id), refunds: await listRefunds(deps.db, payment.id), entries: await listOrderEntries(deps.db, orderId) }
      : undefined;
  return {
    id: order.id,
    role,
    status: order.status,
    amountCents: order.amount_cents,
    inquiry: { id: order.inquiry_id, title: inquiry?.title ?? '' },
    offer: { deliveryDate: offer?.delivery_date ?? '', note: offer?.note ?? '' },
    expert: { id: order.expert_id, displayName: profile?.display_name ?? '' },
    createdAt: order.created_at,
    paidAt: order.paid_at,
    paymentDueAt: order.payment_due_at,
    payment: payment
      ? {
          status: payment.status,
          refundedCents: payment.refunded_cents,
          // Only the customer is sent to pay, and only while the order waits for it.
          paymentUrl: role === 'customer' && order.status === 'awaiting_payment' ? payment.payment_url : null,
          provider: payment.provider,
          reference: payment.merchant_reference,
        }
      : undefined,
    contacts,
    kind: inquiry?.kind ?? 'consultation',
    deliveredAt: order.delivered_at,
    autoAcceptAt: order.auto_accept_at,
    acceptedAt: order.accepted_at,
    acceptedHow: order.accepted_how,
    cancelledAt: order.cancelled_at,
    deliveries,
    thread: threadId ? { id: threadId, messages } : undefined,
    review: review
      ? { stars: review.stars, comment: review.comment, reply: review.reply, isEditable: deps.clock.now().getTime() <= Date.parse(review.editable_until) }
      : undefined,
    disputes,
    ...(audit ? { audit } : {}),
  };
}

/** The actor's orders, as customer and as expert, newest first. */
export async function listMyOrders(deps: Deps, actor: Actor): Promise<{ asCustomer: OrderListItem[]; asExpert: OrderListItem[] }> {
  const [asCustomer, asExpert] = await Promise.all([
    listOrdersOf(deps.db, actor.id, 'customer', { limit: 50, offset: 0 }),
    listOrdersOf(deps.db, actor.id, 'expert', { limit: 50, offset: 0 }),
  ]);
  return { asCustomer, asExpert };
}
