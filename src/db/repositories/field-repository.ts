import type { Insertable, Updateable } from 'kysely';
import type { FieldRow, FieldsTable } from '../schema.js';
import { preparedQuery } from '../prepared.js';
import type { Executor } from './user-repository.js';

/** Fields in display order; only active ones unless asked for all (the admin list). */
export async function listFields(db: Executor, options: { includeInactive?: boolean } = {}): Promise<FieldRow[]> {
  let query = db.selectFrom('fields').selectAll();
  if (!options.includeInactive) query = query.where('is_active', '=', 1);
  return query.orderBy('position').orderBy('id').execute();
}

const fieldById = preparedQuery((db, p: { id: number }) => db.selectFrom('fields').selectAll().where('id', '=', p.id));

export async function findField(db: Executor, id: number): Promise<FieldRow | undefined> {
  return fieldById.first(db, { id });
}

/** Locks a field row for the rest of the transaction (PostgreSQL; SQLite's write lock already covers it). */
export async function lockField(db: Executor, id: number, isPostgres: boolean): Promise<FieldRow | undefined> {
  let query = db.selectFrom('fields').selectAll().where('id', '=', id);
  if (isPostgres) query = query.forUpdate();
  return query.executeTakeFirst();
}

/**
 * A field other than `exceptId` whose Estonian or English name equals one of these
 * (case-sensitive, as the unique index).
 */
export async function findFieldByName(db: Executor, names: { et: string; en: string }, exceptId?: number): Promise<FieldRow | undefined> {
  let query = db
    .selectFrom('fields')
    .selectAll()
    .where((eb) => eb.or([eb('name_et', '=', names.et), eb('name_en', '=', names.en)]));
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  return query.executeTakeFirst();
}

export async function insertField(db: Executor, field: Insertable<FieldsTable>): Promise<number> {
  const row = await db.insertInto('fields').values(field).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateField(db: Executor, id: number, changes: Updateable<FieldsTable>): Promise<void> {
  await db.updateTable('fields').set(changes).where('id', '=', id).execute();
}

export async function deleteField(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('fields').where('id', '=', id).execute();
}

export async function nextFieldPosition(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('fields')
    .select((eb) => eb.fn.max('position').as('max'))
    .executeTakeFirst();
  return Number(row?.max ?? 0) + 1;
}

/** The field just before or after this one in display order, if any. */
export async function findNeighbourField(db: Executor, field: FieldRow, direction: 'up' | 'down'): Promise<FieldRow | undefined> {
  const query = db.selectFrom('fields').selectAll();
  return direction === 'up'
    ? query
        .where((eb) => eb.or([eb('position', '<', field.position), eb.and([eb('position', '=', field.position), eb('id', '<', field.id)])]))
        .orderBy('position', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirst()
    : query
        .where((eb) => eb.or([eb('position', '>', field.position), eb.and([eb('position', '=', field.position), eb('id', '>', field.id)])]))
        .orderBy('position')
        .orderBy('id')
        .executeTakeFirst();
}

/** How many experts and applications name the field (later: inquiries too). */
export async function countFieldUses(db: Executor, fieldId: number): Promise<{ experts: number; applications: number; inquiries: number }> {
  const count = (table: 'expert_fields' | 'expert_application_fields' | 'inquiries') =>
    db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('field_id', '=', fieldId)
      .executeTakeFirstOrThrow()
      .then((row) => Number(row.n));
  const [experts, applications, inquiries] = await Promise.all([count('expert_fields'), count('expert_application_fields'), count('inquiries')]);
  return { experts, applications, inquiries };
}

/** Number of active experts per field (for the admin list and the field chooser). */
export async function countExpertsPerField(db: Executor): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('expert_fields')
    .innerJoin('expert_profiles', 'expert_profiles.user_id', 'expert_fields.expert_id')
    .select(['expert_fields.field_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('expert_profiles.is_active', '=', 1)
    .groupBy('expert_fields.field_id')
    .execute();
  return new Map(rows.map((r) => [r.field_id, Number(r.n)]));
}
