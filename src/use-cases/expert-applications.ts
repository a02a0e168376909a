import { iso } from '../adapters/clock.js';
import { isUniqueViolation } from '../db/errors.js';
import {
  findApplication,
  findLatestApplicationOf,
  insertApplication,
  listApplications,
  lockApplication,
  replaceApplicationFields,
  updateApplication,
  type ApplicationListItem,
  type ApplicationWithFields,
} from '../db/repositories/expert-application-repository.js';
import {
  ensureOrganisation,
  findProfile,
  insertProfile,
  replaceExpertFields,
  replaceExpertLanguages,
  updateProfile,
} from '../db/repositories/expert-repository.js';
import { listFields } from '../db/repositories/field-repository.js';
import { findFileById } from '../db/repositories/mailbox-repository.js';
import { getUserById, grantRole, listUserIdsWithRoles, type Executor } from '../db/repositories/user-repository.js';
import type { FileRow } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import {
  applicationProblems,
  assertMayActOnApplication,
  displayNameOf,
  nextApplicationStatus,
  openApplicationStatuses,
  searchTextOf,
  type ApplicationInput,
  type ApplicationStatus,
} from '../domain/experts.js';
import { hasRole, isStaff, type Actor } from '../domain/roles.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';
import { notify, notifyAll } from './notify.js';
import { recordFiles, withPhoto, type KeptFile, type UploadedPart } from './uploads.js';

export type { ApplicationInput } from '../domain/experts.js';

function isOpen(status: ApplicationStatus): boolean {
  return openApplicationStatuses.includes(status);
}

/** Throws VALIDATION listing every problem of the application. */
async function assertValid(db: Executor, input: ApplicationInput): Promise<void> {
  const active = new Set((await listFields(db)).map((f) => f.id));
  const problems = applicationProblems(input, active);
  if (Object.keys(problems).length > 0) throw new DomainError('VALIDATION', { fields: problems });
}

function applicationColumns(input: ApplicationInput) {
  const isPerson = input.kind === 'person';
  return {
    applicant_kind: input.kind,
    full_name: isPerson ? input.fullName : null,
    personal_id_code: isPerson ? input.personalIdCode : null,
    organisation_name: input.organisationName,
    registry_code: input.registryCode,
    contact_person: isPerson ? null : input.contactPerson,
    qualifications: input.qualifications,
    bio: input.bio,
    languages: [...new Set(input.languages)].join(','),
    price_level: input.priceLevel ?? 0,
    applicant_note: input.note,
  };
}

async function recordPhoto(trx: Executor, photo: KeptFile | undefined, actor: Actor, now: Date): Promise<number | undefined> {
  if (!photo) return undefined;
  const [id] = await recordFiles(trx, [photo], actor.id, now);
  return id;
}

/** Tells every moderator and admin (but the applicant, who may not review it) that an application waits for review. */
async function notifyReviewers(trx: Executor, deps: Deps, applicationId: number, applicant: { id: number; name: string }): Promise<void> {
  const reviewerIds = (await listUserIdsWithRoles(trx, ['moderator', 'admin'])).filter((reviewerId) => reviewerId !== applicant.id);
  await notifyAll(
    trx,
    deps,
    reviewerIds.map((reviewerId) => ({
      recipientId: reviewerId,
      kind: 'expertApplicationSubmitted' as const,
      params: { name: applicant.name },
      link: `/admin/expert-applications/${applicationId}`,
    })),
  );
}

/**
 * A signed-in user applies to become an expert. One open application per user (also a unique
 * index); an active expert edits their profile instead. The applicant and the reviewers are told.
 */
export async function submitApplication(deps: Deps, actor: Actor, input: ApplicationInput, photoUploads: UploadedPart[]): Promise<number> {
  if (hasRole(actor, 'expert')) throw new DomainError('APPLICATION_EXISTS', { reason: 'expert' });
  await assertValid(deps.db, input);
  return withPhoto(deps.fileStore, photoUploads, async (photo) => {
    try {
      return await deps.db.transaction().execute(async (trx) => {
        const latest = await findLatestApplicationOf(trx, actor.id);
        if (latest && isOpen(latest.status)) throw new DomainError('APPLICATION_EXISTS', { reason: 'open' });
        const now = deps.clock.now();
        // A rejected applicant who applies again keeps their earlier photo unless they send a new one.
        const photoFileId = (await recordPhoto(trx, photo, actor, now)) ?? latest?.photo_file_id ?? null;
        const id = await insertApplication(
          trx,
          {
            user_id: actor.id,
            status: 'submitted',
            ...applicationColumns(input),
            photo_file_id: photoFileId,
            review_note: null,
            reviewed_by: null,
            reviewed_at: null,
            submitted_at: iso(now),
            created_at: iso(now),
            updated_at: iso(now),
          },
          input.fieldIds,
        );
        await notify(trx, deps, { recipientId: actor.id, kind: 'expertApplicationReceived', link: '/become-expert' });
        await notifyReviewers(trx, deps, id, { id: actor.id, name: displayNameOf(input) });
        return id;
      });
    } catch (error) {
      // Two submissions at once: the unique index lets one through.
      if (isUniqueViolation(error)) throw new DomainError('APPLICATION_EXISTS', { reason: 'open' });
      throw error;
    }
  });
}

/** The applicant answers a request for more information: the edited application goes back to review. */
export async function resubmitApplication(deps: Deps, actor: Actor, applicationId: number, input: ApplicationInput, photoUploads: UploadedPart[]): Promise<void> {
  await assertValid(deps.db, input);
  await withPhoto(deps.fileStore, photoUploads, (photo) =>
    deps.db.transaction().execute(async (trx) => {
      const application = await lockApplication(trx, applicationId, deps.engine === 'postgres');
      if (!application) throw new DomainError('NOT_FOUND', { entity: 'application' });
      assertMayActOnApplication(actor, { userId: application.user_id }, 'resubmit');
      const status = nextApplicationStatus(application.status, 'resubmit');
      const now = deps.clock.now();
      const photoFileId = (await recordPhoto(trx, photo, actor, now)) ?? application.photo_file_id;
      await updateApplication(trx, applicationId, { status, ...applicationColumns(input), photo_file_id: photoFileId, submitted_at: iso(now), updated_at: iso(now) });
      await replaceApplicationFields(trx, applicationId, input.fieldIds);
      await notify(trx, deps, { recipientId: actor.id, kind: 'expertApplicationReceived', link: '/become-expert' });
      await notifyReviewers(trx, deps, applicationId, { id: actor.id, name: displayNameOf(input) });
    }),
  );
}

/** The applicant takes back an open application. */
export async function withdrawApplication(deps: Deps, actor: Actor, applicationId: number): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const application = await lockApplication(trx, applicationId, deps.engine === 'postgres');
    if (!application) throw new DomainError('NOT_FOUND', { entity: 'application' });
    assertMayActOnApplication(actor, { userId: application.user_id }, 'withdraw');
    const status = nextApplicationStatus(application.status, 'withdraw');
    await updateApplication(trx, applicationId, { status, updated_at: iso(deps.clock.now()) });
  });
}

export type ReviewDecision = { event: 'approve' } | { event: 'reject' | 'askForInfo'; note: string };

/**
 * A moderator or admin decides. Approval creates (or renews) the public profile with the
 * application's data, fields and languages, links the organisation (shared by registry code)
 * and grants the expert role. Every decision reaches the applicant (mailbox + e-mail).
 */
export async function reviewApplication(deps: Deps, actor: Actor, applicationId: number, decision: ReviewDecision): Promise<void> {
  if (decision.event !== 'approve' && !decision.note) throw new DomainError('VALIDATION', { fields: { note: 'required' } });
  await deps.db.transaction().execute(async (trx) => {
    const application = await lockApplication(trx, applicationId, deps.engine === 'postgres');
    if (!application) throw new DomainError('NOT_FOUND', { entity: 'application' });
    assertMayActOnApplication(actor, { userId: application.user_id }, decision.event);
    const status = nextApplicationStatus(application.status, decision.event);
    const now = iso(deps.clock.now());
    const note = decision.event === 'approve' ? null : decision.note;
    await updateApplication(trx, applicationId, { status, review_note: note, reviewed_by: actor.id, reviewed_at: now, updated_at: now });
    const action = ({ approve: 'application_approved', reject: 'application_rejected', askForInfo: 'application_info_requested' } as const)[decision.event];
    await recordAudit(trx, deps, actor, action, { type: 'application', id: applicationId }, { before: { status: application.status }, after: { status, note } });

    if (decision.event === 'approve') {
      await publishProfile(trx, application, now);
      await grantRole(trx, application.user_id, 'expert', now);
      await notify(trx, deps, { recipientId: application.user_id, kind: 'expertApplicationApproved', link: `/experts/${application.user_id}` });
    } else if (decision.event === 'reject') {
      await notify(trx, deps, { recipientId: application.user_id, kind: 'expertApplicationRejected', params: { reason: decision.note }, link: '/become-expert' });
    } else {
      await notify(trx, deps, { recipientId: application.user_id, kind: 'expertApplicationNeedsInfo', params: { message: decision.note }, link: '/become-expert' });
    }
  });
}

async function publishProfile(trx: Executor, application: ApplicationWithFields, now: string): Promise<void> {
  const organisationId =
    application.registry_code && application.organisation_name
      ? await ensureOrganisation(trx, { name: application.organisation_name, registryCode: application.registry_code, now })
      : null;
  const displayName = displayNameOf({ kind: application.applicant_kind, fullName: application.full_name, organisationName: application.organisation_name });
  const profile = {
    display_name: displayName,
    organisation_id: organisationId,
    qualifications: application.qualifications,
    bio: application.bio,
    price_level: application.price_level,
    photo_file_id: application.photo_file_id,
    is_active: 1,
    search_text: searchTextOf([displayName, application.organisation_name, application.qualifications, application.bio]),
    updated_at: now,
  };
  const existing = await findProfile(trx, application.user_id);
  if (existing) {
    await updateProfile(trx, application.user_id, profile);
  } else {
    await insertProfile(trx, { user_id: application.user_id, ...profile, is_on_leave: 0, leave_until: null, approved_at: now });
  }
  await replaceExpertFields(trx, application.user_id, application.fieldIds);
  await replaceExpertLanguages(trx, application.user_id, application.languages.split(',').filter(Boolean));
}

/** The actor's own newest application (for "Become an expert"), if any. */
export async function myLatestApplication(deps: Deps, actor: Actor): Promise<ApplicationWithFields | undefined> {
  return findLatestApplicationOf(deps.db, actor.id);
}

/** One application with its applicant, for a reviewer. */
export async function getApplicationForReview(
  deps: Deps,
  actor: Actor,
  applicationId: number,
): Promise<{ application: ApplicationWithFields; applicant: { id: number; name: string; email: string; phone: string | null; createdAt: string }; reviewerName: string | undefined }> {
  if (!isStaff(actor)) throw new DomainError('FORBIDDEN', { entity: 'application' });
  const application = await findApplication(deps.db, applicationId);
  if (!application) throw new DomainError('NOT_FOUND', { entity: 'application' });
  const user = await getUserById(deps.db, application.user_id);
  const reviewer = application.reviewed_by ? await getUserById(deps.db, application.reviewed_by) : undefined;
  return {
    application,
    applicant: { id: user.id, name: user.name, email: user.email, phone: user.phone, createdAt: user.created_at },
    reviewerName: reviewer?.name,
  };
}

/** The review queue for staff. */
export async function listApplicationsForReview(
  deps: Deps,
  actor: Actor,
  options: { status: ApplicationStatus; page: number; pageSize: number },
): Promise<{ items: ApplicationListItem[]; total: number }> {
  if (!isStaff(actor)) throw new DomainError('FORBIDDEN', { entity: 'application' });
  return listApplications(deps.db, { status: options.status, limit: options.pageSize, offset: (options.page - 1) * options.pageSize });
}

/** An application's photo, for its applicant and for reviewers; NOT_FOUND for everyone else. */
export async function getApplicationPhoto(deps: Deps, actor: Actor, applicationId: number): Promise<FileRow> {
  const application = await findApplication(deps.db, applicationId);
  if (!application || (application.user_id !== actor.id && !isStaff(actor)) || !application.photo_file_id) {
    throw new DomainError('NOT_FOUND', { entity: 'photo' });
  }
  const file = await findFileById(deps.db, application.photo_file_id);
  if (!file) throw new DomainError('NOT_FOUND', { entity: 'photo' });
  return file;
}
