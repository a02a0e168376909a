import { sql, type Kysely } from 'kysely';
import { idColumn } from './helpers.js';

// Frozen: never edit a migration that has shipped; add a new one.

export async function up(db: Kysely<any>): Promise<void> {
  // When the work was marked done, when it is accepted by itself, whether the customer was
  // reminded, and how it was accepted (customer, automatically, or by a moderator's decision).
  await db.schema.alterTable('orders').addColumn('delivered_at', 'varchar(32)').execute();
  await db.schema.alterTable('orders').addColumn('auto_accept_at', 'varchar(32)').execute();
  await db.schema.alterTable('orders').addColumn('reminded_at', 'varchar(32)').execute();
  await db.schema.alterTable('orders').addColumn('accepted_at', 'varchar(32)').execute();
  await db.schema.alterTable('orders').addColumn('accepted_how', 'varchar(20)').execute();
  await db.schema.createIndex('orders_status_auto_accept_idx').on('orders').columns(['status', 'auto_accept_at']).execute();

  await db.schema
    .createTable('deliveries')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id'))
    .addColumn('expert_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('deliveries_order_idx').on('deliveries').columns(['order_id', 'id']).execute();

  await db.schema
    .createTable('delivery_files')
    .addColumn('delivery_id', 'integer', (c) => c.notNull().references('deliveries.id'))
    .addColumn('file_id', 'integer', (c) => c.notNull().references('files.id'))
    .addPrimaryKeyConstraint('delivery_files_pk', ['delivery_id', 'file_id'])
    .execute();
  await db.schema.createIndex('delivery_files_file_idx').on('delivery_files').column('file_id').execute();

  await db.schema
    .createTable('reviews')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    // One rating per order, ever.
    .addColumn('order_id', 'integer', (c) => c.notNull().unique().references('orders.id'))
    .addColumn('expert_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('customer_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('stars', 'integer', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('editable_until', 'varchar(32)', (c) => c.notNull())
    .addColumn('reply', 'text')
    .addColumn('replied_at', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('reviews_expert_idx').on('reviews').columns(['expert_id', 'id']).execute();

  await db.schema
    .createTable('disputes')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id'))
    .addColumn('opened_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('resolution', 'varchar(20)')
    .addColumn('refund_cents', 'integer')
    .addColumn('release_cents', 'integer')
    .addColumn('note', 'text')
    .addColumn('resolved_by', 'integer', (c) => c.references('users.id'))
    .addColumn('resolved_at', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('disputes_order_idx').on('disputes').columns(['order_id', 'id']).execute();
  // At most one open dispute per order.
  await db.schema.createIndex('disputes_one_open_idx').on('disputes').column('order_id').unique().where(sql.ref('status'), '=', 'open').execute();
  await db.schema.createIndex('disputes_status_idx').on('disputes').columns(['status', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['disputes', 'reviews', 'delivery_files', 'deliveries']) await db.schema.dropTable(table).execute();
  await db.schema.dropIndex('orders_status_auto_accept_idx').execute();
  for (const column of ['accepted_how', 'accepted_at', 'reminded_at', 'auto_accept_at', 'delivered_at']) {
    await db.schema.alterTable('orders').dropColumn(column).execute();
  }
}
