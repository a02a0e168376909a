import { sql, type Insertable, type SelectQueryBuilder, type Updateable } from 'kysely';
import type { Database, ExpertProfileRow, ExpertProfilesTable, UsersTable } from '../schema.js';
import { containsPattern } from './like-pattern.js';
import { preparedQuery } from '../prepared.js';
import type { Executor } from './user-repository.js';

// ---- organisations ----

export async function findOrganisationByRegistryCode(db: Executor, registryCode: string): Promise<{ id: number; name: string } | undefined> {
  return db.selectFrom('organisations').select(['id', 'name']).where('registry_code', '=', registryCode).executeTakeFirst();
}

/** The organisation with this registry code, created on first use: several experts can share one. */
export async function ensureOrganisation(db: Executor, input: { name: string; registryCode: string; now: string }): Promise<number> {
  const existing = await findOrganisationByRegistryCode(db, input.registryCode);
  if (existing) return existing.id;
  const row = await db
    .insertInto('organisations')
    .values({ name: input.name, registry_code: input.registryCode, created_at: input.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

// ---- profiles ----

export type ProfileWithOrganisation = ExpertProfileRow & { organisation_name: string | null };

function profileWithOrganisation(db: Executor) {
  return db.selectFrom('expert_profiles as p').leftJoin('organisations as o', 'o.id', 'p.organisation_id').selectAll('p').select('o.name as organisation_name');
}

/** An expert's profile, listed or not, with its organisation's name. */
export async function findProfile(db: Executor, userId: number): Promise<ProfileWithOrganisation | undefined> {
  return profileOfUser.first(db, { userId });
}

const profileOfUser = preparedQuery((db, p: { userId: number }) => profileWithOrganisation(db).where('p.user_id', '=', p.userId));

export async function insertProfile(db: Executor, profile: Insertable<ExpertProfilesTable>): Promise<void> {
  await db.insertInto('expert_profiles').values(profile).execute();
}

export async function updateProfile(db: Executor, userId: number, changes: Updateable<ExpertProfilesTable>): Promise<void> {
  await db.updateTable('expert_profiles').set(changes).where('user_id', '=', userId).execute();
}

export async function replaceExpertFields(db: Executor, expertId: number, fieldIds: readonly number[]): Promise<void> {
  await db.deleteFrom('expert_fields').where('expert_id', '=', expertId).execute();
  if (fieldIds.length > 0) {
    await db
      .insertInto('expert_fields')
      .values([...new Set(fieldIds)].map((fieldId) => ({ expert_id: expertId, field_id: fieldId })))
      .execute();
  }
}

export async function replaceExpertLanguages(db: Executor, expertId: number, languages: readonly string[]): Promise<void> {
  await db.deleteFrom('expert_languages').where('expert_id', '=', expertId).execute();
  if (languages.length > 0) {
    await db
      .insertInto('expert_languages')
      .values([...new Set(languages)].map((language) => ({ expert_id: expertId, language })))
      .execute();
  }
}

/** Field ids per expert, for a page of experts (one query). */
export async function listFieldIdsOf(db: Executor, expertIds: readonly number[]): Promise<Map<number, number[]>> {
  const result = new Map<number, number[]>(expertIds.map((id) => [id, []]));
  if (expertIds.length === 0) return result;
  const rows = await db
    .selectFrom('expert_fields')
    .select(['expert_id', 'field_id'])
    .where('expert_id', 'in', [...expertIds])
    .orderBy('field_id')
    .execute();
  for (const row of rows) result.get(row.expert_id)?.push(row.field_id);
  return result;
}

/** Languages per expert, for a page of experts (one query). */
export async function listLanguagesOf(db: Executor, expertIds: readonly number[]): Promise<Map<number, string[]>> {
  const result = new Map<number, string[]>(expertIds.map((id) => [id, []]));
  if (expertIds.length === 0) return result;
  const rows = await db
    .selectFrom('expert_languages')
    .select(['expert_id', 'language'])
    .where('expert_id', 'in', [...expertIds])
    .execute();
  for (const row of rows) result.get(row.expert_id)?.push(row.language);
  return result;
}

// ---- the directory ----

export type DirectorySort = 'rating' | 'price' | 'newest';

/** Which experts the directory lists. */
export type DirectoryFilter = {
  fieldId?: number | undefined;
  /** Lowercased words; every one must occur in the name, organisation, qualifications or bio. */
  words: readonly string[];
  language?: string | undefined;
  priceLevel?: number | undefined;
  /** Only experts rated at least this many stars on average. */
  minRating?: number | undefined;
};

/** A page of the directory. */
export type DirectoryQuery = DirectoryFilter & { sort: DirectorySort; limit: number; offset: number };

export type DirectoryRow = {
  id: number;
  displayName: string;
  organisationName: string | null;
  photoFileId: number | null;
  priceLevel: number;
  ratingCount: number;
  ratingSum: number;
  isOnLeave: boolean;
  leaveUntil: string | null;
  approvedAt: string;
  bioExcerpt: string;
};

/** The directory's two queries for `query`: its page of rows, and the count of all its rows. */
function directoryQueries(db: Executor, query: DirectoryFilter, sort: DirectorySort = 'newest') {
  // The filters other than the field, applied to both queries below.
  // `drivenByField`: the query starts from the field's index entries, so `+p.is_active` keeps
  // SQLite from walking every profile by a sort index led by is_active (true of nearly all) instead.
  const filtered = <Q extends SelectQueryBuilder<Database & { p: ExpertProfilesTable; u: UsersTable }, 'p' | 'u', object>>(q: Q, drivenByField = false): Q => {
    let result = q.where(drivenByField ? sql<number>`+p.is_active` : 'p.is_active', '=', 1).where('u.blocked_at', 'is', null);
    for (const word of query.words) {
      result = result.where(sql<boolean>`p.search_text like ${containsPattern(word)} escape '\\'`);
    }
    if (query.language) {
      const language = query.language;
      result = result.where((eb) =>
        eb.exists(
          eb
            .selectFrom('expert_languages as l')
            .select(sql`1`.as('one'))
            .whereRef('l.expert_id', '=', 'p.user_id')
            .where('l.language', '=', language),
        ),
      );
    }
    if (query.priceLevel !== undefined) result = result.where('p.price_level', '=', query.priceLevel);
    if (query.minRating !== undefined) result = result.where('p.rating_count', '>', 0).where('p.rating_score', '>=', query.minRating * 100);
    return result as Q;
  };

  // The page walks a sort index and probes the field per row: it stops after `limit` matches.
  let base = filtered(db.selectFrom('expert_profiles as p').innerJoin('users as u', 'u.id', 'p.user_id'));
  if (query.fieldId !== undefined) {
    const fieldId = query.fieldId;
    base = base.where((eb) =>
      eb.exists(
        eb
          .selectFrom('expert_fields as ef')
          .select(sql`1`.as('one'))
          .whereRef('ef.expert_id', '=', 'p.user_id')
          .where('ef.field_id', '=', fieldId),
      ),
    );
  }
  // The count starts from the field's index entries instead: it reads that field's experts only.
  const counted =
    query.fieldId === undefined
      ? base
      : filtered(
          db
            .selectFrom('expert_fields as ef')
            .innerJoin('expert_profiles as p', 'p.user_id', 'ef.expert_id')
            .innerJoin('users as u', 'u.id', 'p.user_id')
            .where('ef.field_id', '=', query.fieldId),
          true,
        );

  // The ORDER BY matches one of the three indexes column for column.
  let page = base
    .leftJoin('organisations as o', 'o.id', 'p.organisation_id')
    .select([
      'p.user_id as id',
      'p.display_name',
      'o.name as organisation_name',
      'p.photo_file_id',
      'p.price_level',
      'p.rating_count',
      'p.rating_sum',
      'p.is_on_leave',
      'p.leave_until',
      'p.approved_at',
      sql<string>`substr(p.bio, 1, 280)`.as('bio_excerpt'),
    ])
    .orderBy('p.is_on_leave');
  if (sort === 'rating') page = page.orderBy('p.rating_score', 'desc').orderBy('p.rating_count', 'desc');
  else if (sort === 'price') page = page.orderBy('p.price_level').orderBy('p.rating_score', 'desc').orderBy('p.rating_count', 'desc');
  else page = page.orderBy('p.approved_at', 'desc');
  return { page: page.orderBy('p.user_id', 'desc'), counted };
}

/**
 * One page of listed experts (active profile, account not blocked), available ones first, then
 * by the chosen order. Each order has an index led by (is_active, is_on_leave), so the page
 * query walks it and stops after `limit` rows; the total is `countDirectory`.
 */
export async function listDirectory(db: Executor, query: DirectoryQuery): Promise<DirectoryRow[]> {
  const rows = await directoryQueries(db, query, query.sort).page.limit(query.limit).offset(query.offset).execute();
  return rows.map((r) => ({
    id: r.id,
    displayName: r.display_name,
    organisationName: r.organisation_name,
    photoFileId: r.photo_file_id,
    priceLevel: r.price_level,
    ratingCount: r.rating_count,
    ratingSum: r.rating_sum,
    isOnLeave: r.is_on_leave === 1,
    leaveUntil: r.leave_until,
    approvedAt: r.approved_at,
    bioExcerpt: r.bio_excerpt,
  }));
}

/** How many listed experts match `filter` (all pages). */
export async function countDirectory(db: Executor, filter: DirectoryFilter): Promise<number> {
  const count = await directoryQueries(db, filter)
    .counted.select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(count.n);
}

/** Ends every leave whose return day has come (the worker runs this every minute). */
export async function endExpiredLeaves(db: Executor, now: string): Promise<number> {
  const result = await db
    .updateTable('expert_profiles')
    .set({ is_on_leave: 0, leave_until: null, updated_at: now })
    .where('is_on_leave', '=', 1)
    .where('leave_until', 'is not', null)
    .where('leave_until', '<=', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** A listed expert's profile (active, account not blocked); undefined for anyone else. */
export async function findListedProfile(db: Executor, expertId: number): Promise<ProfileWithOrganisation | undefined> {
  return profileWithOrganisation(db)
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .where('p.user_id', '=', expertId)
    .where('p.is_active', '=', 1)
    .where('u.blocked_at', 'is', null)
    .executeTakeFirst();
}

/**
 * Adjusts an expert's running rating totals by one rating added (and, when it was edited, the
 * earlier stars taken away), under a row lock so that simultaneous ratings are all counted.
 */
export async function adjustRating(db: Executor, expertId: number, change: { add: number; remove?: number | undefined }, isPostgres: boolean, now: string): Promise<void> {
  let query = db.selectFrom('expert_profiles').select(['rating_count', 'rating_sum', 'rating_distribution']).where('user_id', '=', expertId);
  if (isPostgres) query = query.forUpdate();
  const profile = await query.executeTakeFirst();
  if (!profile) return;
  const distribution = (JSON.parse(profile.rating_distribution) as number[]).slice(0, 5);
  while (distribution.length < 5) distribution.push(0);
  let count = profile.rating_count;
  let sum = profile.rating_sum;
  if (change.remove !== undefined) {
    distribution[change.remove - 1] = Math.max(0, distribution[change.remove - 1]! - 1);
    count -= 1;
    sum -= change.remove;
  }
  distribution[change.add - 1]! += 1;
  count += 1;
  sum += change.add;
  await db
    .updateTable('expert_profiles')
    .set({ rating_count: count, rating_sum: sum, rating_distribution: JSON.stringify(distribution), rating_score: count > 0 ? Math.round((sum * 100) / count) : 0, updated_at: now })
    .where('user_id', '=', expertId)
    .execute();
}
