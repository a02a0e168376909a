import { sql, type Kysely } from 'kysely';
import { idColumn } from './helpers.js';

// Frozen: never edit a migration that has shipped; add a new one.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('orders')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('inquiry_id', 'integer', (c) => c.notNull().references('inquiries.id'))
    .addColumn('offer_id', 'integer', (c) => c.notNull().references('offers.id'))
    .addColumn('customer_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('expert_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('amount_cents', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    // Until when the customer may pay; after it the order is cancelled and the inquiry reopens.
    .addColumn('payment_due_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('paid_at', 'varchar(32)')
    .addColumn('cancelled_at', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  // Exactly one live order per inquiry, whatever the code does: cancelled ones do not count.
  await db.schema
    .createIndex('orders_one_live_per_inquiry_idx')
    .on('orders')
    .column('inquiry_id')
    .unique()
    .where(sql.ref('status'), '!=', 'cancelled')
    .execute();
  await db.schema.createIndex('orders_inquiry_idx').on('orders').columns(['inquiry_id', 'id']).execute();
  await db.schema.createIndex('orders_customer_idx').on('orders').columns(['customer_id', 'id']).execute();
  await db.schema.createIndex('orders_expert_idx').on('orders').columns(['expert_id', 'id']).execute();
  await db.schema.createIndex('orders_status_due_idx').on('orders').columns(['status', 'payment_due_at']).execute();

  await db.schema
    .createTable('payments')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    // One payment per order: a second attempt for the same order reuses it.
    .addColumn('order_id', 'integer', (c) => c.notNull().unique().references('orders.id'))
    .addColumn('provider', 'varchar(20)', (c) => c.notNull())
    .addColumn('merchant_reference', 'varchar(40)', (c) => c.notNull().unique())
    .addColumn('provider_ref', 'varchar(100)')
    .addColumn('payment_url', 'varchar(1000)')
    .addColumn('amount_cents', 'integer', (c) => c.notNull())
    .addColumn('currency', 'varchar(3)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('refunded_cents', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('settled_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('payments_provider_ref_idx').on('payments').columns(['provider', 'provider_ref']).execute();

  // Every verified status the portal received, kept as the record of what the provider said.
  await db.schema
    .createTable('payment_events')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('payment_id', 'integer', (c) => c.notNull().references('payments.id'))
    .addColumn('source', 'varchar(20)', (c) => c.notNull())
    .addColumn('provider_status', 'varchar(30)', (c) => c.notNull())
    .addColumn('amount_cents', 'integer', (c) => c.notNull())
    .addColumn('applied', 'integer', (c) => c.notNull())
    .addColumn('received_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payment_events_payment_idx').on('payment_events').columns(['payment_id', 'id']).execute();

  await db.schema
    .createTable('refunds')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('payment_id', 'integer', (c) => c.notNull().references('payments.id'))
    .addColumn('amount_cents', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('provider_ref', 'varchar(100)')
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('requested_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('refunds_payment_idx').on('refunds').columns(['payment_id', 'id']).execute();

  // Append-only double-entry ledger: each transaction's entries sum to zero.
  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('transaction_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('account', 'varchar(60)', (c) => c.notNull())
    .addColumn('amount_cents', 'integer', (c) => c.notNull())
    .addColumn('order_id', 'integer', (c) => c.references('orders.id'))
    .addColumn('expert_id', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ledger_entries_order_idx').on('ledger_entries').columns(['order_id', 'account']).execute();
  await db.schema.createIndex('ledger_entries_expert_idx').on('ledger_entries').columns(['expert_id', 'account']).execute();
  await db.schema.createIndex('ledger_entries_account_idx').on('ledger_entries').column('account').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['ledger_entries', 'refunds', 'payment_events', 'payments', 'orders']) {
    await db.schema.dropTable(table).execute();
  }
}
