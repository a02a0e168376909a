import type { Insertable, Updateable } from 'kysely';
import { preparedQuery } from '../prepared.js';
import type { DocumentTypeRow, DocumentTypesTable } from '../schema.js';
import type { Executor } from './user-repository.js';

/** Document types in display order; only active ones unless asked for all (the admin list). */
export async function listDocumentTypes(db: Executor, options: { includeInactive?: boolean } = {}): Promise<DocumentTypeRow[]> {
  let query = db.selectFrom('document_types').selectAll();
  if (!options.includeInactive) query = query.where('is_active', '=', 1);
  return query.orderBy('position').orderBy('id').execute();
}

const documentTypeById = preparedQuery((db, p: { id: number }) => db.selectFrom('document_types').selectAll().where('id', '=', p.id));

export async function findDocumentType(db: Executor, id: number): Promise<DocumentTypeRow | undefined> {
  return documentTypeById.first(db, { id });
}

/** Locks a document type row for the rest of the transaction (PostgreSQL; SQLite's write lock already covers it). */
export async function lockDocumentType(db: Executor, id: number, isPostgres: boolean): Promise<DocumentTypeRow | undefined> {
  let query = db.selectFrom('document_types').selectAll().where('id', '=', id);
  if (isPostgres) query = query.forUpdate();
  return query.executeTakeFirst();
}

/**
 * A document type other than `exceptId` whose Estonian or English name equals one of these
 * (case-sensitive, as the unique indexes).
 */
export async function findDocumentTypeByName(db: Executor, names: { et: string; en: string }, exceptId?: number): Promise<DocumentTypeRow | undefined> {
  let query = db
    .selectFrom('document_types')
    .selectAll()
    .where((eb) => eb.or([eb('name_et', '=', names.et), eb('name_en', '=', names.en)]));
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  return query.executeTakeFirst();
}

export async function insertDocumentType(db: Executor, type: Insertable<DocumentTypesTable>): Promise<number> {
  const row = await db.insertInto('document_types').values(type).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateDocumentType(db: Executor, id: number, changes: Updateable<DocumentTypesTable>): Promise<void> {
  await db.updateTable('document_types').set(changes).where('id', '=', id).execute();
}

export async function deleteDocumentType(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('document_types').where('id', '=', id).execute();
}

export async function nextDocumentTypePosition(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('document_types')
    .select((eb) => eb.fn.max('position').as('max'))
    .executeTakeFirst();
  return Number(row?.max ?? 0) + 1;
}

/** The document type just before or after this one in display order, if any. */
export async function findNeighbourDocumentType(db: Executor, type: DocumentTypeRow, direction: 'up' | 'down'): Promise<DocumentTypeRow | undefined> {
  const query = db.selectFrom('document_types').selectAll();
  return direction === 'up'
    ? query
        .where((eb) => eb.or([eb('position', '<', type.position), eb.and([eb('position', '=', type.position), eb('id', '<', type.id)])]))
        .orderBy('position', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirst()
    : query
        .where((eb) => eb.or([eb('position', '>', type.position), eb.and([eb('position', '=', type.position), eb('id', '>', type.id)])]))
        .orderBy('position')
        .orderBy('id')
        .executeTakeFirst();
}

/** How many inquiries (in any state) name the document type. */
export async function countDocumentTypeUses(db: Executor, documentTypeId: number): Promise<number> {
  const row = await db
    .selectFrom('inquiries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('document_type_id', '=', documentTypeId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Number of inquiries (in any state) per document type, for the admin list. */
export async function countInquiriesPerDocumentType(db: Executor): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('inquiries')
    .select(['document_type_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('document_type_id', 'is not', null)
    .groupBy('document_type_id')
    .execute();
  return new Map(rows.map((r) => [r.document_type_id!, Number(r.n)]));
}
