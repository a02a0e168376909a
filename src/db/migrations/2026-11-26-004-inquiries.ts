import type { Kysely } from 'kysely';
import { idColumn } from './helpers.js';

// Frozen: never edit a migration that has shipped; add a new one.

/** The document types a new portal starts with; admins add, rename and retire them. */
const defaultDocumentTypes = [
  ['Kuriteoteade', 'Crime report'],
  ['Tsiviilhagi', 'Civil claim'],
  ['Hüvitise taotlus', 'Compensation application'],
  ['Kaebus', 'Complaint'],
  ['Leping', 'Contract'],
  ['Muu dokument', 'Other document'],
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('document_types')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('name_et', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('name_en', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  const now = new Date().toISOString();
  await db
    .insertInto('document_types')
    .values(defaultDocumentTypes.map(([nameEt, nameEn], i) => ({ name_et: nameEt, name_en: nameEn, position: (i + 1) * 10, is_active: 1, created_at: now, updated_at: now })))
    .execute();

  await db.schema
    .createTable('inquiries')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('customer_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('is_general', 'integer', (c) => c.notNull())
    .addColumn('field_id', 'integer', (c) => c.references('fields.id'))
    .addColumn('document_type_id', 'integer', (c) => c.references('document_types.id'))
    .addColumn('purpose', 'text')
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('language', 'varchar(8)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    // Offers are taken until this instant (the end of the chosen day in Tallinn).
    .addColumn('deadline_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('wished_by', 'varchar(10)')
    .addColumn('triaged_by', 'integer', (c) => c.references('users.id'))
    .addColumn('triaged_at', 'varchar(32)')
    .addColumn('triage_note', 'text')
    // How many experts the random pick chose from, kept with the pick for the record.
    .addColumn('random_pool_size', 'integer')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('closed_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('inquiries_customer_idx').on('inquiries').columns(['customer_id', 'id']).execute();
  // The triage queue and the deadline sweeps read live inquiries by status and time.
  await db.schema.createIndex('inquiries_status_deadline_idx').on('inquiries').columns(['status', 'deadline_at']).execute();
  await db.schema.createIndex('inquiries_status_created_idx').on('inquiries').columns(['status', 'id']).execute();
  await db.schema.createIndex('inquiries_field_idx').on('inquiries').column('field_id').execute();
  await db.schema.createIndex('inquiries_document_type_idx').on('inquiries').column('document_type_id').execute();

  await db.schema
    .createTable('inquiry_files')
    .addColumn('inquiry_id', 'integer', (c) => c.notNull().references('inquiries.id').onDelete('cascade'))
    .addColumn('file_id', 'integer', (c) => c.notNull().references('files.id'))
    .addPrimaryKeyConstraint('inquiry_files_pk', ['inquiry_id', 'file_id'])
    .execute();
  await db.schema.createIndex('inquiry_files_file_idx').on('inquiry_files').column('file_id').execute();

  await db.schema
    .createTable('invitations')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('inquiry_id', 'integer', (c) => c.notNull().references('inquiries.id').onDelete('cascade'))
    .addColumn('expert_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('question_state', 'varchar(10)', (c) => c.notNull().defaultTo('none'))
    .addColumn('conversation_id', 'integer', (c) => c.references('conversations.id'))
    .addColumn('is_random', 'integer', (c) => c.notNull())
    .addColumn('decline_reason', 'varchar(30)')
    .addColumn('decline_note', 'text')
    .addColumn('seen_at', 'varchar(32)')
    .addColumn('responded_at', 'varchar(32)')
    .addColumn('reminded_at', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('invitations_inquiry_expert_idx').on('invitations').columns(['inquiry_id', 'expert_id']).unique().execute();
  // The expert's lists (My menu, E-consultations by filter) walk these, newest first.
  await db.schema.createIndex('invitations_expert_status_idx').on('invitations').columns(['expert_id', 'status', 'id']).execute();
  await db.schema.createIndex('invitations_expert_question_idx').on('invitations').columns(['expert_id', 'question_state', 'id']).execute();
  await db.schema.createIndex('invitations_expert_idx').on('invitations').columns(['expert_id', 'id']).execute();

  await db.schema
    .createTable('offers')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('inquiry_id', 'integer', (c) => c.notNull().references('inquiries.id').onDelete('cascade'))
    // One offer per invitation, ever: changing or renewing it updates this row (no second offer).
    .addColumn('invitation_id', 'integer', (c) => c.notNull().unique().references('invitations.id').onDelete('cascade'))
    .addColumn('expert_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('price_cents', 'integer', (c) => c.notNull())
    .addColumn('delivery_date', 'varchar(10)', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('valid_until', 'varchar(10)', (c) => c.notNull())
    // The end of the validity day: the instant the offer can no longer be ordered.
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('offers_inquiry_idx').on('offers').columns(['inquiry_id', 'status']).execute();
  await db.schema.createIndex('offers_status_expires_idx').on('offers').columns(['status', 'expires_at']).execute();

  // How a member is shown to the others; set where the real name must stay private (the customer,
  // to experts, before an order is paid).
  await db.schema.alterTable('conversation_members').addColumn('shown_as', 'varchar(200)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('conversation_members').dropColumn('shown_as').execute();
  for (const table of ['offers', 'invitations', 'inquiry_files', 'inquiries', 'document_types']) {
    await db.schema.dropTable(table).execute();
  }
}
