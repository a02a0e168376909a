import type { Kysely } from 'kysely';
import { idColumn } from './helpers.js';

// Frozen: never edit a migration that has shipped; add a new one.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notices')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(60)', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('link', 'varchar(500)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('read_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('notices_user_created_idx').on('notices').columns(['user_id', 'created_at']).execute();
  await db.schema.createIndex('notices_user_unread_idx').on('notices').columns(['user_id', 'read_at']).execute();

  await db.schema
    .createTable('conversations')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('subject', 'varchar(200)', (c) => c.notNull())
    .addColumn('context_type', 'varchar(30)')
    .addColumn('context_id', 'integer')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('last_message_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('conversations_context_idx').on('conversations').columns(['context_type', 'context_id']).execute();

  await db.schema
    .createTable('conversation_members')
    .addColumn('conversation_id', 'integer', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('unread_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_activity_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('joined_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('conversation_members_pk', ['conversation_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('conversation_members_user_activity_idx')
    .on('conversation_members')
    .columns(['user_id', 'last_activity_at'])
    .execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('conversation_id', 'integer', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('sender_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('messages_conversation_idx').on('messages').columns(['conversation_id', 'id']).execute();

  await db.schema
    .createTable('files')
    .addColumn('id', idColumn(db), (c) => c.primaryKey())
    .addColumn('storage_key', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('original_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('content_type', 'varchar(100)', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('uploaded_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('message_files')
    .addColumn('message_id', 'integer', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('file_id', 'integer', (c) => c.notNull().references('files.id'))
    .addPrimaryKeyConstraint('message_files_pk', ['message_id', 'file_id'])
    .execute();
  await db.schema.createIndex('message_files_file_idx').on('message_files').column('file_id').execute();

  await db.schema
    .createTable('email_preferences')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('category', 'varchar(30)', (c) => c.notNull())
    .addColumn('is_enabled', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_preferences_pk', ['user_id', 'category'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['email_preferences', 'message_files', 'files', 'messages', 'conversation_members', 'conversations', 'notices']) {
    await db.schema.dropTable(table).execute();
  }
}
