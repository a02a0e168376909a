import type { Insertable, Updateable } from 'kysely';
import type { ExpertApplicationRow, ExpertApplicationsTable } from '../schema.js';
import type { Executor } from './user-repository.js';

export type ApplicationWithFields = ExpertApplicationRow & { fieldIds: number[] };

async function withFields(db: Executor, row: ExpertApplicationRow | undefined): Promise<ApplicationWithFields | undefined> {
  if (!row) return undefined;
  const fields = await db
    .selectFrom('expert_application_fields')
    .select('field_id')
    .where('application_id', '=', row.id)
    .orderBy('field_id')
    .execute();
  return { ...row, fieldIds: fields.map((f) => f.field_id) };
}

export async function findApplication(db: Executor, id: number): Promise<ApplicationWithFields | undefined> {
  return withFields(db, await db.selectFrom('expert_applications').selectAll().where('id', '=', id).executeTakeFirst());
}

/** The application row locked for the rest of the transaction (PostgreSQL; SQLite writes are serialised). */
export async function lockApplication(db: Executor, id: number, isPostgres: boolean): Promise<ApplicationWithFields | undefined> {
  let query = db.selectFrom('expert_applications').selectAll().where('id', '=', id);
  if (isPostgres) query = query.forUpdate();
  return withFields(db, await query.executeTakeFirst());
}

/** The user's newest application, whatever its status. */
export async function findLatestApplicationOf(db: Executor, userId: number): Promise<ApplicationWithFields | undefined> {
  return withFields(
    db,
    await db.selectFrom('expert_applications').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').limit(1).executeTakeFirst(),
  );
}

export async function insertApplication(db: Executor, row: Insertable<ExpertApplicationsTable>, fieldIds: readonly number[]): Promise<number> {
  const { id } = await db.insertInto('expert_applications').values(row).returning('id').executeTakeFirstOrThrow();
  await replaceApplicationFields(db, id, fieldIds);
  return id;
}

export async function updateApplication(db: Executor, id: number, changes: Updateable<ExpertApplicationsTable>): Promise<void> {
  await db.updateTable('expert_applications').set(changes).where('id', '=', id).execute();
}

export async function replaceApplicationFields(db: Executor, applicationId: number, fieldIds: readonly number[]): Promise<void> {
  await db.deleteFrom('expert_application_fields').where('application_id', '=', applicationId).execute();
  if (fieldIds.length > 0) {
    await db
      .insertInto('expert_application_fields')
      .values([...new Set(fieldIds)].map((fieldId) => ({ application_id: applicationId, field_id: fieldId })))
      .execute();
  }
}

export type ApplicationListItem = Pick<
  ExpertApplicationRow,
  'id' | 'status' | 'applicant_kind' | 'full_name' | 'organisation_name' | 'submitted_at' | 'reviewed_at'
> & { applicant_name: string };

/** The review queue: applications of one status, oldest submission first (first come, first served). */
export async function listApplications(
  db: Executor,
  options: { status: ExpertApplicationRow['status']; limit: number; offset: number },
): Promise<{ items: ApplicationListItem[]; total: number }> {
  const base = db.selectFrom('expert_applications as a').where('a.status', '=', options.status);
  const [items, count] = await Promise.all([
    base
      .innerJoin('users as u', 'u.id', 'a.user_id')
      .select(['a.id', 'a.status', 'a.applicant_kind', 'a.full_name', 'a.organisation_name', 'a.submitted_at', 'a.reviewed_at', 'u.name as applicant_name'])
      .orderBy('a.submitted_at', options.status === 'submitted' ? 'asc' : 'desc')
      .orderBy('a.id')
      .limit(options.limit)
      .offset(options.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.n) };
}
