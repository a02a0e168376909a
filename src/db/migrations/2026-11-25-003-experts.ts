import { sql, type Kysely } from 'kysely';
import { idColumn } from './helpers.js';

// Frozen: never edit a migration that has shipped; add a new one.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('fields')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('name_et', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('name_en', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('description_et', 'text', (c) => c.notNull())
    .addColumn('description_en', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('fields_position_idx').on('fields').columns(['position', 'id']).execute();

  await db.schema
    .createTable('organisations')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('registry_code', 'varchar(8)', (c) => c.notNull().unique())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('expert_profiles')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('display_name', 'varchar(200)', (c) => c.notNull())
    .addColumn('organisation_id', 'integer', (c) => c.references('organisations.id'))
    .addColumn('qualifications', 'text', (c) => c.notNull())
    .addColumn('bio', 'text', (c) => c.notNull())
    .addColumn('price_level', 'integer', (c) => c.notNull())
    .addColumn('photo_file_id', 'integer', (c) => c.references('files.id'))
    .addColumn('is_on_leave', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('leave_until', 'varchar(32)')
    // Listed in the directory and open to inquiries; cleared when the expert role is taken away.
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    // Running rating totals, kept by the rating use case in the same transaction as each review.
    .addColumn('rating_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rating_sum', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rating_distribution', 'varchar(80)', (c) => c.notNull().defaultTo('[0,0,0,0,0]'))
    // The average × 100, rounded: an indexable sort key (0 while unrated).
    .addColumn('rating_score', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('approved_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  // One index per directory order, each led by the listing filter and availability, so a page
  // of the directory walks its index and stops after 20 rows instead of sorting every expert.
  await db.schema
    .createIndex('expert_profiles_by_rating_idx')
    .on('expert_profiles')
    .columns(['is_active', 'is_on_leave', 'rating_score desc', 'rating_count desc', 'user_id desc'])
    .execute();
  await db.schema
    .createIndex('expert_profiles_by_price_idx')
    .on('expert_profiles')
    .columns(['is_active', 'is_on_leave', 'price_level', 'rating_score desc', 'rating_count desc', 'user_id desc'])
    .execute();
  await db.schema
    .createIndex('expert_profiles_by_newest_idx')
    .on('expert_profiles')
    .columns(['is_active', 'is_on_leave', 'approved_at desc', 'user_id desc'])
    .execute();
  await db.schema.createIndex('expert_profiles_organisation_idx').on('expert_profiles').column('organisation_id').execute();

  await db.schema
    .createTable('expert_fields')
    .addColumn('expert_id', 'integer', (c) => c.notNull().references('expert_profiles.user_id').onDelete('cascade'))
    .addColumn('field_id', 'integer', (c) => c.notNull().references('fields.id'))
    .addPrimaryKeyConstraint('expert_fields_pk', ['expert_id', 'field_id'])
    .execute();
  // The directory of one field starts here: it reads that field's experts, never all of them.
  await db.schema.createIndex('expert_fields_field_idx').on('expert_fields').columns(['field_id', 'expert_id']).execute();

  await db.schema
    .createTable('expert_languages')
    .addColumn('expert_id', 'integer', (c) => c.notNull().references('expert_profiles.user_id').onDelete('cascade'))
    .addColumn('language', 'varchar(8)', (c) => c.notNull())
    .addPrimaryKeyConstraint('expert_languages_pk', ['expert_id', 'language'])
    .execute();

  await db.schema
    .createTable('expert_applications')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('applicant_kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('full_name', 'varchar(200)')
    .addColumn('personal_id_code', 'varchar(11)')
    .addColumn('organisation_name', 'varchar(200)')
    .addColumn('registry_code', 'varchar(8)')
    .addColumn('contact_person', 'varchar(200)')
    .addColumn('qualifications', 'text', (c) => c.notNull())
    .addColumn('bio', 'text', (c) => c.notNull())
    .addColumn('languages', 'varchar(100)', (c) => c.notNull())
    .addColumn('price_level', 'integer', (c) => c.notNull())
    .addColumn('photo_file_id', 'integer', (c) => c.references('files.id'))
    .addColumn('applicant_note', 'text')
    .addColumn('review_note', 'text')
    .addColumn('reviewed_by', 'integer', (c) => c.references('users.id'))
    .addColumn('reviewed_at', 'varchar(32)')
    .addColumn('submitted_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('expert_applications_status_idx').on('expert_applications').columns(['status', 'submitted_at']).execute();
  await db.schema.createIndex('expert_applications_user_idx').on('expert_applications').columns(['user_id', 'id']).execute();
  // At most one open application per person, whatever the code does (both engines have partial indexes).
  await db.schema
    .createIndex('expert_applications_one_open_idx')
    .on('expert_applications')
    .column('user_id')
    .unique()
    .where(sql.ref('status'), 'in', sql`('submitted', 'needs_info')`)
    .execute();

  await db.schema
    .createTable('expert_application_fields')
    .addColumn('application_id', 'integer', (c) => c.notNull().references('expert_applications.id').onDelete('cascade'))
    .addColumn('field_id', 'integer', (c) => c.notNull().references('fields.id'))
    .addPrimaryKeyConstraint('expert_application_fields_pk', ['application_id', 'field_id'])
    .execute();
  await db.schema.createIndex('expert_application_fields_field_idx').on('expert_application_fields').column('field_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['expert_application_fields', 'expert_applications', 'expert_languages', 'expert_fields', 'expert_profiles', 'organisations', 'fields']) {
    await db.schema.dropTable(table).execute();
  }
}
