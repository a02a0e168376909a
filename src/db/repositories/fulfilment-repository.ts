import { sql, type Insertable, type Updateable } from 'kysely';
import type { DisputeRow, DisputesTable, FileRow, ReviewRow, ReviewsTable } from '../schema.js';
import type { Executor } from './user-repository.js';

// ---- deliveries ----

export async function insertDelivery(db: Executor, delivery: { orderId: number; expertId: number; body: string; now: string }): Promise<number> {
  const row = await db
    .insertInto('deliveries')
    .values({ order_id: delivery.orderId, expert_id: delivery.expertId, body: delivery.body, created_at: delivery.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function attachDeliveryFile(db: Executor, deliveryId: number, fileId: number): Promise<void> {
  await db.insertInto('delivery_files').values({ delivery_id: deliveryId, file_id: fileId }).execute();
}

export type DeliveryView = { id: number; body: string; createdAt: string; files: Pick<FileRow, 'id' | 'original_name' | 'size_bytes'>[] };

/** An order's deliveries, oldest first, each with its files. */
export async function listDeliveries(db: Executor, orderId: number): Promise<DeliveryView[]> {
  const rows = await db.selectFrom('deliveries').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
  const files = rows.length
    ? await db
        .selectFrom('delivery_files')
        .innerJoin('files', 'files.id', 'delivery_files.file_id')
        .select(['delivery_files.delivery_id', 'files.id', 'files.original_name', 'files.size_bytes'])
        .where('delivery_files.delivery_id', 'in', rows.map((r) => r.id))
        .orderBy('files.id')
        .execute()
    : [];
  return rows.map((r) => ({
    id: r.id,
    body: r.body,
    createdAt: r.created_at,
    files: files.filter((f) => f.delivery_id === r.id).map(({ id, original_name, size_bytes }) => ({ id, original_name, size_bytes })),
  }));
}

export async function countDeliveries(db: Executor, orderId: number): Promise<number> {
  const row = await db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('order_id', '=', orderId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A file delivered for this order; undefined when it belongs elsewhere. */
export async function findDeliveryFile(db: Executor, orderId: number, fileId: number): Promise<FileRow | undefined> {
  return db
    .selectFrom('delivery_files')
    .innerJoin('deliveries', 'deliveries.id', 'delivery_files.delivery_id')
    .innerJoin('files', 'files.id', 'delivery_files.file_id')
    .selectAll('files')
    .where('deliveries.order_id', '=', orderId)
    .where('files.id', '=', fileId)
    .executeTakeFirst();
}

/** Delivered orders due for acceptance (or for the reminder before it), a batch at a time. */
export async function listOrdersToAutoAccept(db: Executor, until: string, limit: number): Promise<{ id: number; auto_accept_at: string | null; reminded_at: string | null }[]> {
  return db
    .selectFrom('orders')
    .select(['id', 'auto_accept_at', 'reminded_at'])
    .where('status', '=', 'delivered')
    .where('auto_accept_at', '<=', until)
    .orderBy('auto_accept_at')
    .limit(limit)
    .execute();
}

// ---- reviews ----

export async function findReviewOfOrder(db: Executor, orderId: number): Promise<ReviewRow | undefined> {
  return db.selectFrom('reviews').selectAll().where('order_id', '=', orderId).executeTakeFirst();
}

export async function insertReview(db: Executor, review: Insertable<ReviewsTable>): Promise<number> {
  const row = await db.insertInto('reviews').values(review).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateReview(db: Executor, id: number, changes: Updateable<ReviewsTable>): Promise<void> {
  await db.updateTable('reviews').set(changes).where('id', '=', id).execute();
}

/** An expert's newest reviews, for the public profile. */
export async function listReviewsOf(db: Executor, expertId: number, limit: number): Promise<ReviewRow[]> {
  return db.selectFrom('reviews').selectAll().where('expert_id', '=', expertId).orderBy('id', 'desc').limit(limit).execute();
}

// ---- disputes ----

export async function insertDispute(db: Executor, dispute: Insertable<DisputesTable>): Promise<number> {
  const row = await db.insertInto('disputes').values(dispute).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** The order's open dispute; the status is written into the SQL, like the condition of the partial index it uses (decision 019). */
export async function findOpenDispute(db: Executor, orderId: number): Promise<DisputeRow | undefined> {
  return db.selectFrom('disputes').selectAll().where('order_id', '=', orderId).where('status', '=', sql.lit('open')).executeTakeFirst();
}

export async function listDisputesOf(db: Executor, orderId: number): Promise<DisputeRow[]> {
  return db.selectFrom('disputes').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
}

export async function updateDispute(db: Executor, id: number, changes: Updateable<DisputesTable>): Promise<void> {
  await db.updateTable('disputes').set(changes).where('id', '=', id).execute();
}

