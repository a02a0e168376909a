import { iso } from '../adapters/clock.js';
import { isUniqueViolation } from '../db/errors.js';
import {
  countExpertsPerField,
  countFieldUses,
  deleteField as deleteFieldRow,
  findField,
  findFieldByName,
  findNeighbourField,
  insertField,
  listFields,
  lockField,
  nextFieldPosition,
  updateField,
} from '../db/repositories/field-repository.js';
import type { Executor } from '../db/repositories/user-repository.js';
import type { FieldRow } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { hasRole, type Actor, type Locale } from '../domain/roles.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';

/** A field as pages show it, in the reader's language. */
export type FieldView = { id: number; name: string; description: string };

export function fieldView(field: FieldRow, locale: Locale): FieldView {
  return {
    id: field.id,
    name: locale === 'en' ? field.name_en : field.name_et,
    description: locale === 'en' ? field.description_en : field.description_et,
  };
}

/** The active fields as public pages show them (may be a few seconds old, `Deps.listings`). */
export function activeFieldRows(deps: Pick<Deps, 'db' | 'listings'>): Promise<FieldRow[]> {
  return deps.listings.activeFields.get('active', () => listFields(deps.db));
}

/** A field by id: from the active fields kept for public pages, or (inactive ones) from the database. */
export async function fieldById(deps: Pick<Deps, 'db' | 'listings'>, id: number): Promise<FieldRow | undefined> {
  return (await activeFieldRows(deps)).find((field) => field.id === id) ?? findField(deps.db, id);
}

/** Active fields in display order, in the reader's language. */
export async function activeFields(deps: Pick<Deps, 'db'>, locale: Locale): Promise<FieldView[]> {
  return (await listFields(deps.db)).map((f) => fieldView(f, locale));
}

export type FieldInput = { nameEt: string; nameEn: string; descriptionEt: string; descriptionEn: string; isActive: boolean };

function assertAdmin(actor: Actor): void {
  if (!hasRole(actor, 'admin')) throw new DomainError('FORBIDDEN', { entity: 'field' });
}

/** Every field (active or not) with how many active experts serve it: the admin list. */
export async function listFieldsForAdmin(deps: Deps, actor: Actor): Promise<(FieldRow & { expertCount: number })[]> {
  assertAdmin(actor);
  const [fields, counts] = await Promise.all([listFields(deps.db, { includeInactive: true }), countExpertsPerField(deps.db)]);
  return fields.map((f) => ({ ...f, expertCount: counts.get(f.id) ?? 0 }));
}

export async function getFieldForAdmin(deps: Deps, actor: Actor, id: number): Promise<FieldRow & { uses: { experts: number; applications: number; inquiries: number } }> {
  assertAdmin(actor);
  const field = await findField(deps.db, id);
  if (!field) throw new DomainError('NOT_FOUND', { entity: 'field' });
  return { ...field, uses: await countFieldUses(deps.db, id) };
}

/** A name another field already has: refused with the field it clashes on. */
async function assertNamesFree(db: Executor, input: FieldInput, exceptId?: number): Promise<void> {
  // The field being edited is left out: matching its own unchanged name must not hide another field's clash.
  const clash = await findFieldByName(db, { et: input.nameEt, en: input.nameEn }, exceptId);
  if (!clash) return;
  throw new DomainError('VALIDATION', { fields: { [clash.name_et === input.nameEt ? 'nameEt' : 'nameEn']: 'fieldNameTaken' } });
}

/**
 * Runs a write that sets a field's names. Two admins saving the same new name at once pass the
 * check together; the unique index refuses the second, which gets the same message as if the
 * check had seen the first.
 */
async function withUniqueNames<T>(deps: Deps, input: FieldInput, exceptId: number | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await assertNamesFree(deps.db, input, exceptId);
    throw error;
  }
}

/** This process's public pages show a change to the fields at once (`Deps.listings`); the others within seconds. */
function afterChange<T>(deps: Pick<Deps, 'listings'>, change: Promise<T>): Promise<T> {
  return deps.listings.activeFields.clearAfter(change);
}

function fieldInputOf(field: FieldRow): FieldInput {
  return { nameEt: field.name_et, nameEn: field.name_en, descriptionEt: field.description_et, descriptionEn: field.description_en, isActive: field.is_active === 1 };
}

/** An admin adds a field; it goes to the end of the list. */
export async function createField(deps: Deps, actor: Actor, input: FieldInput): Promise<number> {
  assertAdmin(actor);
  return afterChange(deps, withUniqueNames(deps, input, undefined, () => deps.db.transaction().execute(async (trx) => {
    await assertNamesFree(trx, input);
    const now = iso(deps.clock.now());
    const id = await insertField(trx, {
      name_et: input.nameEt,
      name_en: input.nameEn,
      description_et: input.descriptionEt,
      description_en: input.descriptionEn,
      position: await nextFieldPosition(trx),
      is_active: input.isActive ? 1 : 0,
      created_at: now,
      updated_at: now,
    });
    await recordAudit(trx, deps, actor, 'field_created', { type: 'field', id }, { after: input });
    return id;
  })));
}

/** An admin renames, describes, activates or deactivates a field. Experts keep a deactivated field; it is just not offered. */
export async function editField(deps: Deps, actor: Actor, id: number, input: FieldInput): Promise<void> {
  assertAdmin(actor);
  await afterChange(deps, withUniqueNames(deps, input, id, () => deps.db.transaction().execute(async (trx) => {
    const field = await lockField(trx, id, deps.engine === 'postgres');
    if (!field) throw new DomainError('NOT_FOUND', { entity: 'field' });
    await assertNamesFree(trx, input, id);
    await updateField(trx, id, {
      name_et: input.nameEt,
      name_en: input.nameEn,
      description_et: input.descriptionEt,
      description_en: input.descriptionEn,
      is_active: input.isActive ? 1 : 0,
      updated_at: iso(deps.clock.now()),
    });
    await recordAudit(trx, deps, actor, 'field_updated', { type: 'field', id }, { before: fieldInputOf(field), after: input });
  })));
}

/** Swaps a field with its neighbour in the display order. */
export async function moveField(deps: Deps, actor: Actor, id: number, direction: 'up' | 'down'): Promise<void> {
  assertAdmin(actor);
  await afterChange(deps, deps.db.transaction().execute(async (trx) => {
    const field = await lockField(trx, id, deps.engine === 'postgres');
    if (!field) throw new DomainError('NOT_FOUND', { entity: 'field' });
    const neighbour = await findNeighbourField(trx, field, direction);
    if (!neighbour) return;
    const now = iso(deps.clock.now());
    // Positions are distinct (each new field goes after the last), so a swap moves it one place.
    await updateField(trx, field.id, { position: neighbour.position, updated_at: now });
    await updateField(trx, neighbour.id, { position: field.position, updated_at: now });
    await recordAudit(trx, deps, actor, 'fields_reordered', { type: 'field', id }, { before: { position: field.position }, after: { position: neighbour.position, direction } });
  }));
}

/** Deletes a field nobody uses; a field in use can only be deactivated (FIELD_IN_USE). */
export async function deleteField(deps: Deps, actor: Actor, id: number): Promise<void> {
  assertAdmin(actor);
  await afterChange(deps, deps.db.transaction().execute(async (trx) => {
    const field = await lockField(trx, id, deps.engine === 'postgres');
    if (!field) throw new DomainError('NOT_FOUND', { entity: 'field' });
    const uses = await countFieldUses(trx, id);
    if (uses.experts > 0 || uses.applications > 0 || uses.inquiries > 0) throw new DomainError('FIELD_IN_USE', uses);
    await deleteFieldRow(trx, id);
    await recordAudit(trx, deps, actor, 'field_deleted', { type: 'field', id }, { before: fieldInputOf(field) });
  }));
}
