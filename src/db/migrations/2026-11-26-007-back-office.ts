import { sql, type Kysely } from 'kysely';
import { PostgresAdapter } from 'kysely';
import { idColumn } from './helpers.js';

// Frozen: never edit a migration that has shipped; add a new one.

export async function up(db: Kysely<any>): Promise<void> {
  // Settings staff change at run time; a key without a row takes its value from the
  // environment (the defaults in config.ts).
  await db.schema
    .createTable('settings')
    .addColumn('key', 'varchar(60)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_by', 'integer', (c) => c.references('users.id'))
    .execute();

  // Every privileged action: who, when, what, the object, and its state before and after.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('actor_id', 'integer', (c) => c.references('users.id'))
    .addColumn('action', 'varchar(60)', (c) => c.notNull())
    .addColumn('object_type', 'varchar(30)', (c) => c.notNull())
    .addColumn('object_id', 'varchar(60)')
    .addColumn('before_json', 'text')
    .addColumn('after_json', 'text')
    .execute();
  await db.schema.createIndex('audit_log_action_idx').on('audit_log').columns(['action', 'id']).execute();
  await db.schema.createIndex('audit_log_actor_idx').on('audit_log').columns(['actor_id', 'id']).execute();
  await db.schema.createIndex('audit_log_object_idx').on('audit_log').columns(['object_type', 'object_id', 'id']).execute();

  // Append-only in the database itself, not only by convention in the code.
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create function audit_log_append_only() returns trigger language plpgsql as $$
      begin raise exception 'audit_log is append-only'; end $$`.execute(db);
    await sql`create trigger audit_log_no_change before update or delete on audit_log
      for each row execute function audit_log_append_only()`.execute(db);
  } else {
    await sql`create trigger audit_log_no_update before update on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
    await sql`create trigger audit_log_no_delete before delete on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
  }

  // A deleted account keeps its row (others' records and the ledger point at it), anonymised.
  await db.schema.alterTable('users').addColumn('deleted_at', 'varchar(32)').execute();
  // Staff's list of orders filtered by status, newest first.
  await db.schema.createIndex('orders_status_id_idx').on('orders').columns(['status', 'id']).execute();
  // The dashboard's weekly figures read ranges of these times (bench/dashboard.ts: 486 → 118 ms
  // on SQLite, 384 → 170 ms on PostgreSQL at 200 000 inquiries).
  await db.schema.createIndex('inquiries_created_idx').on('inquiries').columns(['created_at', 'is_general']).execute();
  await db.schema.createIndex('invitations_created_idx').on('invitations').column('created_at').execute();
  await db.schema.createIndex('orders_paid_idx').on('orders').column('paid_at').execute();
  await db.schema.createIndex('payments_settled_idx').on('payments').column('settled_at').execute();
  await db.schema.createIndex('ledger_entries_account_created_idx').on('ledger_entries').columns(['account', 'created_at']).execute();
  await db.schema.createIndex('outbox_emails_status_sent_idx').on('outbox_emails').columns(['status', 'sent_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [
    'outbox_emails_status_sent_idx',
    'ledger_entries_account_created_idx',
    'payments_settled_idx',
    'orders_paid_idx',
    'invitations_created_idx',
    'inquiries_created_idx',
    'orders_status_id_idx',
  ]) {
    await db.schema.dropIndex(index).execute();
  }
  await db.schema.alterTable('users').dropColumn('deleted_at').execute();
  await db.schema.dropTable('audit_log').execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`drop function audit_log_append_only()`.execute(db);
  await db.schema.dropTable('settings').execute();
}
