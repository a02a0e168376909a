import type { DocumentTypeRow } from '../schema.js';
import type { Executor } from './user-repository.js';

/** Document types in display order; only active ones unless asked for all (the admin list). */
export async function listDocumentTypes(db: Executor, options: { includeInactive?: boolean } = {}): Promise<DocumentTypeRow[]> {
  let query = db.selectFrom('document_types').selectAll();
  if (!options.includeInactive) query = query.where('is_active', '=', 1);
  return query.orderBy('position').orderBy('id').execute();
}

export async function findDocumentType(db: Executor, id: number): Promise<DocumentTypeRow | undefined> {
  return db.selectFrom('document_types').selectAll().where('id', '=', id).executeTakeFirst();
}
