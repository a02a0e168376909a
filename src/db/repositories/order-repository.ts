import { sql, type Insertable, type RawBuilder, type SqlBool, type Updateable } from 'kysely';
import type { OrderStatus } from '../../domain/orders.js';
import type { OfferRow, OrderRow, PaymentEventsTable, PaymentRow, PaymentsTable, RefundsTable } from '../schema.js';
import { preparedInsertReturningId, preparedInsertReturningRow, preparedQuery, preparedUpdateById, preparedUpdateByIdReturning } from '../prepared.js';
import type { Executor } from './user-repository.js';

// ---- orders ----

/** Writes a new order and gives it back as stored (with its id). */
export const insertOrder = preparedInsertReturningRow('orders');

export async function findOrder(db: Executor, id: number): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks an order row for the rest of the transaction (PostgreSQL; SQLite's write lock already covers it). */
export async function lockOrder(db: Executor, id: number, isPostgres: boolean): Promise<OrderRow | undefined> {
  let query = db.selectFrom('orders').selectAll().where('id', '=', id);
  if (isPostgres) query = query.forUpdate();
  return query.executeTakeFirst();
}

export const updateOrder = preparedUpdateById('orders');

/**
 * An order that is not cancelled: an inquiry has at most one (orders_one_live_per_inquiry_idx).
 * The status is written into the SQL, exactly as in that partial index's condition: SQLite would
 * prepare the statement again on every run to check a bound value against it (decision 019).
 */
export function orderIsLive(status: 'status' | 'o.status'): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(status)} != ${sql.lit('cancelled')}`;
}

/** The inquiry's order that is not cancelled, if any. */
const liveOrderOfInquiry = preparedQuery((db, p: { inquiryId: number }) =>
  db.selectFrom('orders').selectAll().where('inquiry_id', '=', p.inquiryId).where(orderIsLive('status')),
);

export async function findLiveOrderOfInquiry(db: Executor, inquiryId: number): Promise<OrderRow | undefined> {
  return liveOrderOfInquiry.first(db, { inquiryId });
}

const offerToOrder = preparedQuery((db, p: { offerId: number }) =>
  db
    .selectFrom('offers')
    .selectAll('offers')
    .select((eb) => eb.selectFrom('orders as o').select('o.id').whereRef('o.inquiry_id', '=', 'offers.inquiry_id').where(orderIsLive('o.status')).as('live_order_id'))
    .where('offers.id', '=', p.offerId),
);

/** An offer about to be ordered, with the id of its inquiry's live order if it has one, in one statement. */
export async function findOfferToOrder(db: Executor, offerId: number): Promise<(OfferRow & { live_order_id: number | null }) | undefined> {
  return offerToOrder.first(db, { offerId });
}

/** Orders waiting for payment whose time to pay has run out, a batch at a time. */
export async function listOverdueOrders(db: Executor, now: string, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('orders')
    .select('id')
    .where('status', '=', 'awaiting_payment')
    .where('payment_due_at', '<=', now)
    .orderBy('payment_due_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export type OrderListItem = { id: number; inquiryId: number; title: string; status: OrderStatus; amountCents: number; createdAt: string; otherPartyId: number };

/** A user's orders as customer or as expert, newest first. */
export async function listOrdersOf(db: Executor, userId: number, side: 'customer' | 'expert', page: { limit: number; offset: number }): Promise<OrderListItem[]> {
  const column = side === 'customer' ? 'o.customer_id' : 'o.expert_id';
  const rows = await db
    .selectFrom('orders as o')
    .innerJoin('inquiries as q', 'q.id', 'o.inquiry_id')
    .select(['o.id', 'o.inquiry_id', 'q.title', 'o.status', 'o.amount_cents', 'o.created_at', 'o.customer_id', 'o.expert_id'])
    .where(column, '=', userId)
    .orderBy('o.id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    inquiryId: r.inquiry_id,
    title: r.title,
    status: r.status,
    amountCents: r.amount_cents,
    createdAt: r.created_at,
    otherPartyId: side === 'customer' ? r.expert_id : r.customer_id,
  }));
}

// ---- payments ----

export const insertPayment = preparedInsertReturningId('payments');

export async function findPaymentById(db: Executor, id: number): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPaymentOfOrder(db: Executor, orderId: number): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('order_id', '=', orderId).executeTakeFirst();
}

export async function findPaymentByReference(db: Executor, merchantReference: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('merchant_reference', '=', merchantReference).executeTakeFirst();
}

/** Locks a payment row for the rest of the transaction (PostgreSQL). */
export async function lockPayment(db: Executor, id: number, isPostgres: boolean): Promise<PaymentRow | undefined> {
  let query = db.selectFrom('payments').selectAll().where('id', '=', id);
  if (isPostgres) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function updatePayment(db: Executor, id: number, changes: Updateable<PaymentsTable>): Promise<void> {
  await db.updateTable('payments').set(changes).where('id', '=', id).execute();
}

/** The update behind `updatePaymentOfOrder`: the order's status read back in the same statement. */
const updatePaymentReturningOrderStatus = preparedUpdateByIdReturning('payments', (query) =>
  query.returning(sql<OrderStatus | null>`(select orders.status from orders where orders.id = payments.order_id)`.as('order_status')),
);

/** Changes a payment and tells what its order's status is now, in one statement. */
export async function updatePaymentOfOrder(db: Executor, id: number, changes: Updateable<PaymentsTable>): Promise<OrderStatus | undefined> {
  return (await updatePaymentReturningOrderStatus(db, id, changes))?.order_status ?? undefined;
}

export async function insertPaymentEvent(db: Executor, event: Insertable<PaymentEventsTable>): Promise<void> {
  await db.insertInto('payment_events').values(event).execute();
}

export async function listPaymentEvents(db: Executor, paymentId: number) {
  return db.selectFrom('payment_events').selectAll().where('payment_id', '=', paymentId).orderBy('id').execute();
}

// ---- refunds ----

export async function insertRefund(db: Executor, refund: Insertable<RefundsTable>): Promise<number> {
  const row = await db.insertInto('refunds').values(refund).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Refunds asked for but not yet answered by the provider (cents). */
export async function sumRequestedRefunds(db: Executor, paymentId: number): Promise<number> {
  const row = await db
    .selectFrom('refunds')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_cents'), eb.val(0)).as('n'))
    .where('payment_id', '=', paymentId)
    .where('status', '=', 'requested')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateRefund(db: Executor, id: number, changes: Updateable<RefundsTable>): Promise<void> {
  await db.updateTable('refunds').set(changes).where('id', '=', id).execute();
}

export async function listRefunds(db: Executor, paymentId: number) {
  return db
    .selectFrom('refunds')
    .innerJoin('users', 'users.id', 'refunds.requested_by')
    .selectAll('refunds')
    .select('users.name as requested_by_name')
    .where('payment_id', '=', paymentId)
    .orderBy('refunds.id')
    .execute();
}

export type StaffOrderItem = {
  id: number;
  title: string;
  status: OrderStatus;
  amountCents: number;
  createdAt: string;
  customer: { id: number; name: string };
  expert: { id: number; name: string };
};

/** Every order for staff, newest first, optionally of one status (index orders(status, id)). */
export async function listOrdersForStaff(
  db: Executor,
  options: { status?: OrderStatus | undefined; limit: number; offset: number },
): Promise<{ items: StaffOrderItem[]; total: number }> {
  let base = db.selectFrom('orders as o');
  if (options.status) base = base.where('o.status', '=', options.status);
  const [rows, count] = await Promise.all([
    base
      .innerJoin('inquiries as q', 'q.id', 'o.inquiry_id')
      .innerJoin('users as c', 'c.id', 'o.customer_id')
      .innerJoin('users as e', 'e.id', 'o.expert_id')
      .select(['o.id', 'q.title', 'o.status', 'o.amount_cents', 'o.created_at', 'o.customer_id', 'c.name as customer_name', 'o.expert_id', 'e.name as expert_name'])
      .orderBy('o.id', 'desc')
      .limit(options.limit)
      .offset(options.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(count.n),
    items: rows.map((r) => ({
      id: r.id,
      title: r.title,
      status: r.status,
      amountCents: r.amount_cents,
      createdAt: r.created_at,
      customer: { id: r.customer_id, name: r.customer_name },
      expert: { id: r.expert_id, name: r.expert_name },
    })),
  };
}
