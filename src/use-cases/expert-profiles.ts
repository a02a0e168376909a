import { listReviewsOf } from '../db/repositories/fulfilment-repository.js';
import { iso } from '../adapters/clock.js';
import {
  countDirectory,
  findListedProfile,
  findProfile,
  listDirectory,
  listFieldIdsOf,
  listLanguagesOf,
  replaceExpertFields,
  replaceExpertLanguages,
  updateProfile,
  type DirectoryFilter,
  type DirectoryRow,
  type DirectorySort,
} from '../db/repositories/expert-repository.js';
import { findLatestApplicationOf } from '../db/repositories/expert-application-repository.js';
import { listFields } from '../db/repositories/field-repository.js';
import { findFileById } from '../db/repositories/mailbox-repository.js';
import type { FileRow } from '../db/schema.js';
import { startOfTallinnDay, tallinnDayOf } from '../domain/calendar.js';
import { DomainError } from '../domain/errors.js';
import {
  assertMayEditProfile,
  consultationLanguages,
  isOnLeave,
  profileProblems,
  ratingAverage,
  ratingSummary,
  searchTextOf,
  type RatingSummary,
} from '../domain/experts.js';
import { hasRole, type Actor, type Locale } from '../domain/roles.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';
import { activeFieldRows, fieldView, type FieldView } from './fields.js';
import { recordFiles, withPhoto, type UploadedPart } from './uploads.js';

/** A published review as the profile lists it (written by the rating flow). */
export type ReviewView = { stars: number; comment: string | null; createdAt: string; reply: string | null };

export type PublicProfile = {
  id: number;
  displayName: string;
  organisationName: string | null;
  photoFileId: number | null;
  fields: FieldView[];
  qualifications: string;
  bio: string;
  languages: string[];
  priceLevel: number;
  memberSince: string;
  rating: RatingSummary;
  reviews: ReviewView[];
  isOnLeave: boolean;
  leaveUntil: string | null;
};

/**
 * A listed expert's public profile. It holds nothing private: no e-mail, phone or ID code
 * (those live on the account and the application, which this never reads).
 */
/** How many of the newest reviews a profile shows. */
const profileReviewCount = 20;

export async function getPublicProfile(deps: Deps, expertId: number, locale: Locale): Promise<PublicProfile> {
  const profile = await findListedProfile(deps.db, expertId);
  if (!profile) throw new DomainError('NOT_FOUND', { entity: 'expert' });
  const [fieldIds, languages, fields, reviews] = await Promise.all([
    listFieldIdsOf(deps.db, [expertId]),
    listLanguagesOf(deps.db, [expertId]),
    activeFieldRows(deps),
    listReviewsOf(deps.db, expertId, profileReviewCount),
  ]);
  const mine = new Set(fieldIds.get(expertId));
  return {
    id: profile.user_id,
    displayName: profile.display_name,
    organisationName: profile.organisation_name !== profile.display_name ? profile.organisation_name : null,
    photoFileId: profile.photo_file_id,
    fields: fields.filter((f) => mine.has(f.id)).map((f) => fieldView(f, locale)),
    qualifications: profile.qualifications,
    bio: profile.bio,
    languages: orderLanguages(languages.get(expertId) ?? []),
    priceLevel: profile.price_level,
    memberSince: profile.approved_at,
    rating: ratingSummary(profile.rating_count, profile.rating_sum, profile.rating_distribution),
    reviews: reviews.map((r) => ({ stars: r.stars, comment: r.comment, createdAt: r.created_at, reply: r.reply })),
    isOnLeave: isProfileOnLeave(profile, deps.clock.now()),
    leaveUntil: profile.leave_until,
  };
}

/** The domain's on-leave rule for a stored profile row. */
function isProfileOnLeave(profile: { is_on_leave: number; leave_until: string | null }, now: Date): boolean {
  return isOnLeave({ isOnLeave: profile.is_on_leave === 1, leaveUntil: profile.leave_until }, now);
}

function orderLanguages(languages: readonly string[]): string[] {
  return consultationLanguages.filter((l) => languages.includes(l));
}

/** A listed expert's photo (served publicly with the profile). */
export async function getProfilePhoto(deps: Deps, expertId: number): Promise<FileRow> {
  const profile = await findListedProfile(deps.db, expertId);
  const file = profile?.photo_file_id ? await findFileById(deps.db, profile.photo_file_id) : undefined;
  if (!file) throw new DomainError('NOT_FOUND', { entity: 'photo' });
  return file;
}

// ---- the directory ----

export const directoryPageSize = 20;

export type DirectoryFilters = {
  fieldId?: number | undefined;
  q: string;
  language?: string | undefined;
  priceLevel?: number | undefined;
  minRating?: number | undefined;
  sort: DirectorySort;
  page: number;
};

export type DirectoryItem = DirectoryRow & { fields: FieldView[]; languages: string[]; rating: { average: number | null; count: number }; isOnLeaveNow: boolean };

export type DirectoryResult = {
  field: FieldView | undefined;
  fields: FieldView[];
  items: DirectoryItem[];
  total: number;
  page: number;
  pages: number;
};

/** The words of a search, lowercased, at most 8 (each must match). */
export function searchWords(q: string): string[] {
  return q.normalize('NFC').toLowerCase().split(/\s+/u).filter(Boolean).slice(0, 8);
}

/**
 * One page of the expert directory: listed experts, optionally of one active field, searched
 * and filtered; available experts first. An unknown or inactive field is NOT_FOUND.
 */
export async function searchDirectory(deps: Deps, filters: DirectoryFilters, locale: Locale): Promise<DirectoryResult> {
  const fieldRows = await activeFieldRows(deps);
  const fields = fieldRows.map((f) => fieldView(f, locale));
  let field: FieldView | undefined;
  if (filters.fieldId !== undefined) {
    field = fields.find((f) => f.id === filters.fieldId);
    if (!field) throw new DomainError('NOT_FOUND', { entity: 'field' });
  }
  const now = deps.clock.now();
  const filter: DirectoryFilter = {
    fieldId: filters.fieldId,
    words: searchWords(filters.q),
    language: filters.language,
    priceLevel: filters.priceLevel,
    minRating: filters.minRating,
  };
  // The total counts every match, which grows with the data: it may be a few seconds old.
  const [rows, total] = await Promise.all([
    listDirectory(deps.db, { ...filter, sort: filters.sort, limit: directoryPageSize, offset: (filters.page - 1) * directoryPageSize }),
    deps.listings.directoryTotals.get(JSON.stringify(filter), () => countDirectory(deps.db, filter)),
  ]);
  const ids = rows.map((r) => r.id);
  const [fieldIds, languages] = await Promise.all([listFieldIdsOf(deps.db, ids), listLanguagesOf(deps.db, ids)]);
  const byId = new Map(fields.map((f) => [f.id, f]));
  const items = rows.map((row) => ({
    ...row,
    fields: (fieldIds.get(row.id) ?? []).map((id) => byId.get(id)).filter((f): f is FieldView => f !== undefined),
    languages: orderLanguages(languages.get(row.id) ?? []),
    rating: { average: ratingAverage(row.ratingCount, row.ratingSum), count: row.ratingCount },
    isOnLeaveNow: isOnLeave(row, now),
  }));
  return { field, fields, items, total, page: filters.page, pages: Math.max(1, Math.ceil(total / directoryPageSize)) };
}

// ---- the expert's own profile ----

/** For My menu: an expert's leave, or the state of an open application; undefined otherwise. */
export async function myExpertStatus(
  deps: Deps,
  actor: Actor,
): Promise<{ kind: 'expert'; isOnLeave: boolean; leaveUntil: string | null } | { kind: 'application'; status: 'submitted' | 'needs_info' } | undefined> {
  const profile = await findProfile(deps.db, actor.id);
  if (profile && hasRole(actor, 'expert')) {
    return { kind: 'expert', isOnLeave: isProfileOnLeave(profile, deps.clock.now()), leaveUntil: profile.leave_until };
  }
  const application = await findLatestApplicationOf(deps.db, actor.id);
  if (application?.status === 'submitted' || application?.status === 'needs_info') return { kind: 'application', status: application.status };
  return undefined;
}

export type EditableProfile = {
  id: number;
  displayName: string;
  organisationName: string | null;
  qualifications: string;
  bio: string;
  languages: string[];
  fieldIds: number[];
  priceLevel: number;
  photoFileId: number | null;
  isOnLeave: boolean;
  /** The return day (`YYYY-MM-DD`, Tallinn) when leave has one. */
  returnDate: string | null;
  isActive: boolean;
  /** Active fields, plus any deactivated one the expert still serves (it stays until they drop it). */
  choosableFields: FieldView[];
};

/** The profile as its editor sees it: the expert themself or an admin (anyone else FORBIDDEN). */
export async function getEditableProfile(deps: Deps, actor: Actor, expertId: number, locale: Locale): Promise<EditableProfile> {
  assertMayEditProfile(actor, expertId);
  const profile = await findProfile(deps.db, expertId);
  if (!profile) throw new DomainError('NOT_FOUND', { entity: 'expert' });
  const [fieldIds, languages, allFields] = await Promise.all([
    listFieldIdsOf(deps.db, [expertId]),
    listLanguagesOf(deps.db, [expertId]),
    listFields(deps.db, { includeInactive: true }),
  ]);
  const mine = new Set(fieldIds.get(expertId));
  return {
    id: expertId,
    displayName: profile.display_name,
    organisationName: profile.organisation_name,
    qualifications: profile.qualifications,
    bio: profile.bio,
    languages: orderLanguages(languages.get(expertId) ?? []),
    fieldIds: fieldIds.get(expertId) ?? [],
    priceLevel: profile.price_level,
    photoFileId: profile.photo_file_id,
    isOnLeave: isProfileOnLeave(profile, deps.clock.now()),
    returnDate: profile.leave_until ? tallinnDayOf(profile.leave_until) : null,
    isActive: profile.is_active === 1,
    choosableFields: allFields.filter((f) => f.is_active === 1 || mine.has(f.id)).map((f) => fieldView(f, locale)),
  };
}

export type ProfileInput = {
  qualifications: string;
  bio: string;
  languages: readonly string[];
  fieldIds: readonly number[];
  priceLevel: number | null;
  removePhoto: boolean;
};

/**
 * The expert (or an admin) changes the profile. Name, organisation and ID code were checked on
 * approval and are not changed here. Fields must be active ones, or ones the expert already
 * serves (a deactivated field stays on a profile until the expert drops it).
 */
export async function saveProfile(deps: Deps, actor: Actor, expertId: number, input: ProfileInput, photoUploads: UploadedPart[]): Promise<void> {
  assertMayEditProfile(actor, expertId);
  const profile = await findProfile(deps.db, expertId);
  if (!profile) throw new DomainError('NOT_FOUND', { entity: 'expert' });
  const current = new Set((await listFieldIdsOf(deps.db, [expertId])).get(expertId));
  const allowed = new Set([...(await listFields(deps.db)).map((f) => f.id), ...current]);
  const problems = profileProblems(input, allowed);
  if (Object.keys(problems).length > 0) throw new DomainError('VALIDATION', { fields: problems });

  await withPhoto(deps.fileStore, photoUploads, (photo) =>
    deps.db.transaction().execute(async (trx) => {
      const now = deps.clock.now();
      const [photoId] = photo ? await recordFiles(trx, [photo], actor.id, now) : [];
      await updateProfile(trx, expertId, {
        qualifications: input.qualifications,
        bio: input.bio,
        price_level: input.priceLevel!,
        photo_file_id: photoId ?? (input.removePhoto ? null : profile.photo_file_id),
        search_text: searchTextOf([profile.display_name, profile.organisation_name, input.qualifications, input.bio]),
        updated_at: iso(now),
      });
      await replaceExpertFields(trx, expertId, input.fieldIds);
      await replaceExpertLanguages(trx, expertId, input.languages);
      // An admin changing someone else's profile is a privileged action; the expert's own edits are not.
      if (actor.id !== expertId) {
        await recordAudit(trx, deps, actor, 'expert_profile_edited', { type: 'expert_profile', id: expertId }, {
          before: { qualifications: profile.qualifications, bio: profile.bio, priceLevel: profile.price_level, fieldIds: [...current] },
          after: { qualifications: input.qualifications, bio: input.bio, priceLevel: input.priceLevel, fieldIds: input.fieldIds, languages: input.languages, photoChanged: Boolean(photo) || input.removePhoto },
        });
      }
    }),
  );
}

/**
 * The expert goes on leave (optionally until a return day, which must be in the future) or
 * comes back. On leave they are marked in the directory and get no new inquiries.
 */
export async function setLeave(deps: Deps, actor: Actor, expertId: number, input: { isOnLeave: boolean; returnDate: string | null }): Promise<void> {
  assertMayEditProfile(actor, expertId);
  const now = deps.clock.now();
  let leaveUntil: string | null = null;
  if (input.isOnLeave && input.returnDate) {
    const start = startOfTallinnDay(input.returnDate);
    if (start.getTime() <= now.getTime()) throw new DomainError('VALIDATION', { fields: { returnDate: 'dateNotFuture' } });
    leaveUntil = iso(start);
  }
  await deps.db.transaction().execute(async (trx) => {
    const profile = await findProfile(trx, expertId);
    if (!profile) throw new DomainError('NOT_FOUND', { entity: 'expert' });
    await updateProfile(trx, expertId, { is_on_leave: input.isOnLeave ? 1 : 0, leave_until: leaveUntil, updated_at: iso(now) });
    if (actor.id !== expertId) {
      await recordAudit(trx, deps, actor, 'expert_profile_edited', { type: 'expert_profile', id: expertId }, {
        before: { isOnLeave: profile.is_on_leave === 1, leaveUntil: profile.leave_until },
        after: { isOnLeave: input.isOnLeave, leaveUntil },
      });
    }
  });
}

