import { iso } from '../adapters/clock.js';
import { isUniqueViolation } from '../db/errors.js';
import {
  countDocumentTypeUses,
  countInquiriesPerDocumentType,
  deleteDocumentType as deleteDocumentTypeRow,
  findDocumentType,
  findDocumentTypeByName,
  findNeighbourDocumentType,
  insertDocumentType,
  listDocumentTypes,
  lockDocumentType,
  nextDocumentTypePosition,
  updateDocumentType,
} from '../db/repositories/document-type-repository.js';
import type { Executor } from '../db/repositories/user-repository.js';
import type { DocumentTypeRow } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { hasRole, type Actor } from '../domain/roles.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';

// The document types "Order a document" offers, managed by admins. A hidden type is no longer
// offered in new inquiries but stays on the inquiries that chose it; a type any inquiry names
// cannot be deleted (DOCUMENT_TYPE_IN_USE).

/** The longest name a document type may have (the columns are varchar(100)). */
export const documentTypeNameMax = 100;

export type DocumentTypeInput = { nameEt: string; nameEn: string; isActive: boolean };

/** A document type with how many inquiries (in any state) name it. */
export type DocumentTypeForAdmin = DocumentTypeRow & { inquiryCount: number };

function assertAdmin(actor: Actor): void {
  if (!hasRole(actor, 'admin')) throw new DomainError('FORBIDDEN', { entity: 'documentType' });
}

/** Every document type (active or hidden) in display order with its number of inquiries: the admin list. */
export async function listDocumentTypesForAdmin(deps: Deps, actor: Actor): Promise<DocumentTypeForAdmin[]> {
  assertAdmin(actor);
  const [types, counts] = await Promise.all([listDocumentTypes(deps.db, { includeInactive: true }), countInquiriesPerDocumentType(deps.db)]);
  return types.map((type) => ({ ...type, inquiryCount: counts.get(type.id) ?? 0 }));
}

export async function getDocumentTypeForAdmin(deps: Deps, actor: Actor, id: number): Promise<DocumentTypeForAdmin> {
  assertAdmin(actor);
  const type = await findDocumentType(deps.db, id);
  if (!type) throw new DomainError('NOT_FOUND', { entity: 'documentType' });
  return { ...type, inquiryCount: await countDocumentTypeUses(deps.db, id) };
}

/**
 * A document type by id, as an inquiry's page names it: from every type (hidden ones too) kept
 * for PUBLIC_PAGE_CACHE_SECONDS (`Deps.listings`), or from the database when it is newer than
 * the kept list. A rename made in this process shows at once; in the others, within seconds.
 */
export async function documentTypeById(deps: Pick<Deps, 'db' | 'listings'>, id: number): Promise<DocumentTypeRow | undefined> {
  const kept = await deps.listings.documentTypes.get('all', () => listDocumentTypes(deps.db, { includeInactive: true }));
  return kept.find((type) => type.id === id) ?? findDocumentType(deps.db, id);
}

/** A name another document type already has: refused at the name it clashes on. */
async function assertNamesFree(db: Executor, input: DocumentTypeInput, exceptId?: number): Promise<void> {
  // The type being edited is left out: its own unchanged name must not hide another type's clash.
  const clash = await findDocumentTypeByName(db, { et: input.nameEt, en: input.nameEn }, exceptId);
  if (!clash) return;
  throw new DomainError('VALIDATION', { fields: { [clash.name_et === input.nameEt ? 'nameEt' : 'nameEn']: 'documentTypeNameTaken' } });
}

/**
 * Runs a write that sets a document type's names. Two admins saving the same new name at once
 * pass the check together; the unique index refuses the second, which gets the same message as
 * if the check had seen the first.
 */
async function withUniqueNames<T>(deps: Deps, input: DocumentTypeInput, exceptId: number | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await assertNamesFree(deps.db, input, exceptId);
    throw error;
  }
}

function documentTypeInputOf(type: DocumentTypeRow): DocumentTypeInput {
  return { nameEt: type.name_et, nameEn: type.name_en, isActive: type.is_active === 1 };
}

/** An admin adds a document type; it goes to the end of the list. */
export async function createDocumentType(deps: Deps, actor: Actor, input: DocumentTypeInput): Promise<number> {
  assertAdmin(actor);
  return withUniqueNames(deps, input, undefined, () =>
    deps.db.transaction().execute(async (trx) => {
      await assertNamesFree(trx, input);
      const now = iso(deps.clock.now());
      const id = await insertDocumentType(trx, {
        name_et: input.nameEt,
        name_en: input.nameEn,
        position: await nextDocumentTypePosition(trx),
        is_active: input.isActive ? 1 : 0,
        created_at: now,
        updated_at: now,
      });
      await recordAudit(trx, deps, actor, 'document_type_created', { type: 'document_type', id }, { after: input });
      return id;
    }),
  );
}

/**
 * An admin renames, hides or shows a document type. Inquiries that chose a hidden type keep it.
 * (The only change inquiry pages show: this process forgets the types it keeps for them.)
 */
export async function editDocumentType(deps: Deps, actor: Actor, id: number, input: DocumentTypeInput): Promise<void> {
  assertAdmin(actor);
  const change = withUniqueNames(deps, input, id, () =>
    deps.db.transaction().execute(async (trx) => {
      const type = await lockDocumentType(trx, id, deps.engine === 'postgres');
      if (!type) throw new DomainError('NOT_FOUND', { entity: 'documentType' });
      await assertNamesFree(trx, input, id);
      await updateDocumentType(trx, id, {
        name_et: input.nameEt,
        name_en: input.nameEn,
        is_active: input.isActive ? 1 : 0,
        updated_at: iso(deps.clock.now()),
      });
      await recordAudit(trx, deps, actor, 'document_type_updated', { type: 'document_type', id }, { before: documentTypeInputOf(type), after: input });
    }),
  );
  await deps.listings.documentTypes.clearAfter(change);
}

/** Hides a document type from new inquiries, or offers it again. */
export async function setDocumentTypeActive(deps: Deps, actor: Actor, id: number, isActive: boolean): Promise<void> {
  assertAdmin(actor);
  await deps.db.transaction().execute(async (trx) => {
    const type = await lockDocumentType(trx, id, deps.engine === 'postgres');
    if (!type) throw new DomainError('NOT_FOUND', { entity: 'documentType' });
    if ((type.is_active === 1) === isActive) return;
    await updateDocumentType(trx, id, { is_active: isActive ? 1 : 0, updated_at: iso(deps.clock.now()) });
    await recordAudit(trx, deps, actor, 'document_type_updated', { type: 'document_type', id }, { before: documentTypeInputOf(type), after: { ...documentTypeInputOf(type), isActive } });
  });
}

/** Swaps a document type with its neighbour in the display order. */
export async function moveDocumentType(deps: Deps, actor: Actor, id: number, direction: 'up' | 'down'): Promise<void> {
  assertAdmin(actor);
  await deps.db.transaction().execute(async (trx) => {
    const type = await lockDocumentType(trx, id, deps.engine === 'postgres');
    if (!type) throw new DomainError('NOT_FOUND', { entity: 'documentType' });
    const neighbour = await findNeighbourDocumentType(trx, type, direction);
    if (!neighbour) return;
    const now = iso(deps.clock.now());
    // Positions are distinct (each new type goes after the last), so a swap moves it one place.
    await updateDocumentType(trx, type.id, { position: neighbour.position, updated_at: now });
    await updateDocumentType(trx, neighbour.id, { position: type.position, updated_at: now });
    await recordAudit(trx, deps, actor, 'document_types_reordered', { type: 'document_type', id }, { before: { position: type.position }, after: { position: neighbour.position, direction } });
  });
}

/**
 * Deletes a document type no inquiry names; one in use can only be hidden (DOCUMENT_TYPE_IN_USE).
 * On PostgreSQL the row lock waits for an inquiry being sent with this type to commit (its
 * foreign key holds a share lock on the row), so the count below sees it.
 */
export async function deleteDocumentType(deps: Deps, actor: Actor, id: number): Promise<void> {
  assertAdmin(actor);
  await deps.db.transaction().execute(async (trx) => {
    const type = await lockDocumentType(trx, id, deps.engine === 'postgres');
    if (!type) throw new DomainError('NOT_FOUND', { entity: 'documentType' });
    const inquiries = await countDocumentTypeUses(trx, id);
    if (inquiries > 0) throw new DomainError('DOCUMENT_TYPE_IN_USE', { inquiries });
    await deleteDocumentTypeRow(trx, id);
    await recordAudit(trx, deps, actor, 'document_type_deleted', { type: 'document_type', id }, { before: documentTypeInputOf(type) });
  });
}
