import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * The sandbox payment provider's own records. They lived in the memory of the process that
 * created the payment, so behind a load balancer the test payment page, opened through another
 * process, did not know the payment; in the database every process does.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sandbox_payments')
    .addColumn('provider_ref', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('merchant_reference', 'varchar(64)', (c) => c.notNull())
    .addColumn('amount_cents', 'integer', (c) => c.notNull())
    .addColumn('currency', 'varchar(3)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('locale', 'varchar(2)', (c) => c.notNull())
    .addColumn('return_url', 'text', (c) => c.notNull())
    .addColumn('notification_url', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(30)', (c) => c.notNull())
    .addColumn('refunded_cents', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  // A refund asked for again with the same idempotency key gets the first answer.
  await db.schema
    .createTable('sandbox_refunds')
    .addColumn('idempotency_key', 'varchar(100)', (c) => c.primaryKey())
    .addColumn('provider_ref', 'varchar(36)', (c) => c.notNull())
    .addColumn('refund_ref', 'varchar(36)', (c) => c.notNull())
    .addColumn('amount_cents', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sandbox_refunds').execute();
  await db.schema.dropTable('sandbox_payments').execute();
}
