import { iso } from '../adapters/clock.js';
import { findDocumentType, listDocumentTypes } from '../db/repositories/document-type-repository.js';
import { findField } from '../db/repositories/field-repository.js';
import {
  attachInquiryFile,
  findInquiry,
  findInquiryForPage,
  findInquiryFile,
  insertInquiry,
  insertInvitations,
  listAvailableExperts,
  listCustomerInquiries,
  listInvitationsOfInquiry,
  listInvitationsWithOffers,
  listOffersOfInquiry,
  listOpenInvitations,
  listTriageQueue,
  lockInquiry,
  markInvitationSeen,
  updateInquiry,
  updateInvitations,
  updateOffers,
  type AvailableExpert,
  type CustomerInquiryItem,
  type InquiryFile,
  type InvitationWithExpert,
  type OfferOnPage,
  type TriageItem,
} from '../db/repositories/inquiry-repository.js';
import { listThreads, type MessageWithFiles } from '../db/repositories/mailbox-repository.js';
import { getUserById, listUserIdsWithRoles, type Executor } from '../db/repositories/user-repository.js';
import type { FileRow, InquiryRow, OfferRow, OrderRow } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { ratingAverage } from '../domain/experts.js';
import {
  deadlineDayOf,
  deadlineProblem,
  endOfTallinnDay,
  inquiryLimits,
  inquiryProblems,
  inquiryRoleOf,
  nextInquiryStatus,
  nextInvitationStatus,
  nextOfferStatus,
  pickRandomly,
  type InquiryInput,
  type InquiryRole,
} from '../domain/inquiries.js';
import { isStaff, type Actor, type Locale } from '../domain/roles.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';
import { documentTypeById } from './document-types.js';
import { fieldById, fieldView, type FieldView } from './fields.js';
import { moveInvitations } from './invitations.js';
import { notify, notifyAll, type NoticeInput } from './notify.js';
import { countAttempt, requireUnderLimit } from './rate-limits.js';
import { recordFiles, withUploads, type UploadedPart } from './uploads.js';

export type { InquiryInput } from '../domain/inquiries.js';

/** A document type as pages show it, in the reader's language. */
export type DocumentTypeView = { id: number; name: string };

/** Active document types in display order. */
export async function activeDocumentTypes(deps: Pick<Deps, 'db'>, locale: Locale): Promise<DocumentTypeView[]> {
  return (await listDocumentTypes(deps.db)).map((d) => ({ id: d.id, name: locale === 'en' ? d.name_en : d.name_et }));
}

/** How many experts the order form lists at most: more than anyone can be sent an inquiry, so "all" means all shown. */
const availableListLimit = 200;

/** The experts of a field a customer can send an inquiry to now (not on leave, listed, not themselves). */
export async function availableExperts(deps: Deps, actor: Actor | undefined, fieldId: number): Promise<AvailableExpert[]> {
  return listAvailableExperts(deps.db, fieldId, { now: iso(deps.clock.now()), excludeUserId: actor?.id ?? 0, limit: availableListLimit });
}

async function assertActiveField(db: Executor, fieldId: number): Promise<void> {
  const field = Number.isInteger(fieldId) ? await findField(db, fieldId) : undefined;
  if (!field || field.is_active !== 1) throw new DomainError('VALIDATION', { fields: { fieldId: 'choiceInvalid' } });
}

/** The notices that tell moderators and admins of a general inquiry to triage. */
async function staffNoticesOfGeneralInquiry(trx: Executor, inquiryId: number, customerId: number, title: string): Promise<NoticeInput[]> {
  const staffIds = (await listUserIdsWithRoles(trx, ['moderator', 'admin'])).filter((staffId) => staffId !== customerId);
  return staffIds.map((staffId) => ({ recipientId: staffId, kind: 'generalInquirySubmitted' as const, params: { title }, link: `/inquiries/${inquiryId}` }));
}

/**
 * Invites experts to an inquiry (one invitation each). Returns the notices that tell each of them,
 * for the caller to send with its own (one `notifyAll`, the same few statements for all).
 */
async function inviteExperts(trx: Executor, inquiry: { id: number; title: string }, expertIds: readonly number[], isRandom: boolean, now: string): Promise<NoticeInput[]> {
  await insertInvitations(
    trx,
    expertIds.map((expertId) => ({
      inquiry_id: inquiry.id,
      expert_id: expertId,
      status: 'new' as const,
      conversation_id: null,
      is_random: isRandom ? 1 : 0,
      decline_reason: null,
      decline_note: null,
      seen_at: null,
      responded_at: null,
      reminded_at: null,
      created_at: now,
      updated_at: now,
    })),
  );
  return expertIds.map((expertId) => ({ recipientId: expertId, kind: 'inquiryInvitation' as const, params: { title: inquiry.title }, link: `/inquiries/${inquiry.id}` }));
}

/**
 * A customer sends an inquiry: to the experts they chose in a field, or (without a field) to the
 * moderators' triage queue. Creates the inquiry, its files and one invitation per expert; every
 * invited expert is notified (mailbox + e-mail), as are moderators for a general inquiry. A
 * customer sends at most `inquiries.perDay` inquiries in 24 hours (RATE_LIMITED beyond).
 */
export async function createInquiry(deps: Deps, actor: Actor, input: InquiryInput, uploads: UploadedPart[]): Promise<number> {
  const limit = [{ key: `inquiries:user:${actor.id}`, max: deps.settings.current().inquiriesPerDay, windowMs: 24 * 3_600_000 }];
  await requireUnderLimit(deps, limit);
  const now = deps.clock.now();
  const problems = inquiryProblems(input, now, uploads.length);
  if (input.fieldId !== undefined && !problems['expertIds']) {
    // Only the chosen experts are looked up: a big field has thousands.
    const chosen = await listAvailableExperts(deps.db, input.fieldId, {
      now: iso(now),
      excludeUserId: actor.id,
      limit: input.expertIds.length,
      onlyIds: input.expertIds,
    });
    const available = new Set(chosen.map((e) => e.id));
    if (input.expertIds.some((id) => !available.has(id))) problems['expertIds'] = 'expertUnavailable';
  }
  if (input.documentTypeId !== undefined && !problems['documentTypeId']) {
    const type = await findDocumentType(deps.db, input.documentTypeId);
    if (!type || type.is_active !== 1) problems['documentTypeId'] = 'chooseDocumentType';
  }
  if (Object.keys(problems).length > 0) throw new DomainError('VALIDATION', { fields: problems, params: { max: inquiryLimits.maxInvitations, days: inquiryLimits.maxDeadlineDays } });
  if (input.fieldId !== undefined) await assertActiveField(deps.db, input.fieldId);

  return withUploads(deps, uploads, (kept) =>
    deps.db.transaction().execute(async (trx) => {
      const at = iso(now);
      const isGeneral = input.fieldId === undefined;
      const id = await insertInquiry(trx, {
        customer_id: actor.id,
        kind: input.kind,
        is_general: isGeneral ? 1 : 0,
        field_id: input.fieldId ?? null,
        document_type_id: input.kind === 'document' ? (input.documentTypeId ?? null) : null,
        purpose: input.kind === 'document' ? input.purpose : null,
        title: input.title,
        description: input.description,
        language: input.language,
        status: isGeneral ? 'triage' : 'open',
        deadline_at: iso(endOfTallinnDay(input.deadline)),
        wished_by: input.wishedBy,
        triaged_by: null,
        triaged_at: null,
        triage_note: null,
        random_pool_size: null,
        created_at: at,
        updated_at: at,
        closed_at: null,
      });
      for (const fileId of await recordFiles(trx, kept, actor.id, now)) await attachInquiryFile(trx, id, fileId);
      const told = isGeneral
        ? await staffNoticesOfGeneralInquiry(trx, id, actor.id, input.title)
        : await inviteExperts(trx, { id, title: input.title }, [...new Set(input.expertIds)], false, at);
      await notifyAll(trx, deps, [{ recipientId: actor.id, kind: 'inquiryReceived', params: { title: input.title }, link: `/inquiries/${id}` }, ...told]);
      // Counted in the same transaction: a count written after the commit could fail on its own
      // (a full disk) and answer an error for an inquiry that was in fact sent.
      await countAttempt({ db: trx, clock: deps.clock }, limit);
      return id;
    }),
  );
}

// ---- reading ----

export type OfferView = {
  id: number;
  status: OfferRow['status'];
  priceCents: number;
  deliveryDate: string;
  note: string;
  validUntil: string;
  expiresAt: string;
  updatedAt: string;
};

function offerView(offer: OfferOnPage): OfferView {
  return {
    id: offer.id,
    status: offer.status,
    priceCents: offer.price_cents,
    deliveryDate: offer.delivery_date,
    note: offer.note,
    validUntil: offer.valid_until,
    expiresAt: offer.expires_at,
    updatedAt: offer.updated_at,
  };
}

export type InvitationView = {
  id: number;
  expertId: number;
  expertName: string;
  photoFileId: number | null;
  priceLevel: number;
  rating: { average: number | null; count: number };
  status: InvitationWithExpert['status'];
  questionState: InvitationWithExpert['question_state'];
  isRandom: boolean;
  declineReason: string | null;
  declineNote: string | null;
  seenAt: string | null;
  conversationId: number | null;
  /** The question thread with the customer, newest last (the last 50 messages). */
  messages: MessageWithFiles[];
  offer: OfferView | undefined;
};

export type InquiryView = {
  id: number;
  kind: InquiryRow['kind'];
  isGeneral: boolean;
  status: InquiryRow['status'];
  title: string;
  description: string;
  purpose: string | null;
  documentType: string | undefined;
  field: FieldView | undefined;
  language: string;
  deadlineAt: string;
  /** The last day offers are taken (for forms and defaults). */
  deadlineDay: string;
  wishedBy: string | null;
  createdAt: string;
  closedAt: string | null;
  triageNote: string | null;
};

/** The record of a general inquiry's triage: who picked the field and when, from how many experts. Staff only. */
export type TriageRecord = { moderatorName: string | undefined; at: string | null; poolSize: number | null };

export type InquiryDetail = {
  role: InquiryRole;
  /** The inquiry's order (being paid or paid), for its customer, its expert and staff. */
  order: { id: number; status: OrderRow['status'] } | undefined;
  inquiry: InquiryView;
  files: InquiryFile[];
  /** The customer and staff see every invitation; an invited expert only their own. */
  invitations: InvitationView[];
  triage: TriageRecord | undefined;
};

async function inquiryView(deps: Deps, inquiry: InquiryRow, locale: Locale): Promise<InquiryView> {
  const [field, documentType] = await Promise.all([
    inquiry.field_id ? fieldById(deps, inquiry.field_id) : undefined,
    inquiry.document_type_id ? documentTypeById(deps, inquiry.document_type_id) : undefined,
  ]);
  return {
    id: inquiry.id,
    kind: inquiry.kind,
    isGeneral: inquiry.is_general === 1,
    status: inquiry.status,
    title: inquiry.title,
    description: inquiry.description,
    purpose: inquiry.purpose,
    documentType: documentType ? (locale === 'en' ? documentType.name_en : documentType.name_et) : undefined,
    field: field ? fieldView(field, locale) : undefined,
    language: inquiry.language,
    deadlineAt: inquiry.deadline_at,
    deadlineDay: deadlineDayOf(inquiry.deadline_at),
    wishedBy: inquiry.wished_by,
    createdAt: inquiry.created_at,
    closedAt: inquiry.closed_at,
    triageNote: inquiry.triage_note,
  };
}

const threadLength = 50;

function invitationViews(invitations: (InvitationWithExpert & { offer: OfferOnPage | undefined })[], threads: Map<number, MessageWithFiles[]>): InvitationView[] {
  return invitations.map((i) => {
    const { offer } = i;
    return {
      id: i.id,
      expertId: i.expert_id,
      expertName: i.display_name,
      photoFileId: i.photo_file_id,
      priceLevel: i.price_level,
      rating: { average: ratingAverage(i.rating_count, i.rating_sum), count: i.rating_count },
      status: i.status,
      questionState: i.question_state,
      isRandom: i.is_random === 1,
      declineReason: i.decline_reason,
      declineNote: i.decline_note,
      seenAt: i.seen_at,
      conversationId: i.conversation_id,
      messages: (i.conversation_id ? threads.get(i.conversation_id) : undefined) ?? [],
      offer: offer ? offerView(offer) : undefined,
    };
  });
}

/**
 * An inquiry as the actor may see it: its customer and staff see every invitation and offer; an
 * invited expert sees only their own (and opening it marks it seen); anyone else gets NOT_FOUND.
 * The customer's contact data is in none of it.
 */
export async function getInquiry(deps: Deps, actor: Actor, inquiryId: number, locale: Locale): Promise<InquiryDetail> {
  const found = await findInquiryForPage(deps.db, inquiryId);
  if (!found) throw new DomainError('NOT_FOUND', { entity: 'inquiry' });
  const { inquiry, liveOrder, files } = found;
  const all = await listInvitationsWithOffers(deps.db, inquiryId);
  const role = inquiryRoleOf(actor, { customerId: inquiry.customer_id, invitedExpertIds: all.map((i) => i.expert_id) });
  const visible = role === 'expert' ? all.filter((i) => i.expert_id === actor.id) : all;
  if (role === 'expert') await markSeen(deps, visible[0]!);
  // Everything else at once: who may see what is settled above.
  const conversationIds = visible.flatMap((i) => (i.conversation_id ? [i.conversation_id] : []));
  const [view, threads, moderator] = await Promise.all([
    inquiryView(deps, inquiry, locale),
    listThreads(deps.db, conversationIds, { limit: threadLength }),
    isStaff(actor) && inquiry.is_general === 1 && inquiry.triaged_by ? getUserById(deps.db, inquiry.triaged_by) : undefined,
  ]);
  const invitations = invitationViews(visible, threads);
  const triage: TriageRecord | undefined =
    isStaff(actor) && view.isGeneral ? { moderatorName: moderator?.name, at: inquiry.triaged_at, poolSize: inquiry.random_pool_size } : undefined;
  const order = liveOrder && (role !== 'expert' || liveOrder.expertId === actor.id) ? { id: liveOrder.id, status: liveOrder.status } : undefined;
  return { role, order, inquiry: view, files, invitations, triage };
}

/** Opening an invitation for the first time marks it seen; the customer sees that. */
async function markSeen(deps: Deps, invitation: InvitationWithExpert): Promise<void> {
  if (invitation.status !== 'new') return;
  const now = iso(deps.clock.now());
  await markInvitationSeen(deps.db, invitation.id, nextInvitationStatus('new', 'open'), now);
  invitation.status = 'seen';
  invitation.seen_at = now;
}

/** A file of an inquiry, for those who may see the inquiry; NOT_FOUND for everyone else. */
export async function getInquiryFile(deps: Deps, actor: Actor, inquiryId: number, fileId: number): Promise<FileRow> {
  const inquiry = await findInquiry(deps.db, inquiryId);
  if (!inquiry) throw new DomainError('NOT_FOUND', { entity: 'file' });
  const invited = (await listInvitationsOfInquiry(deps.db, inquiryId)).map((i) => i.expert_id);
  inquiryRoleOf(actor, { customerId: inquiry.customer_id, invitedExpertIds: invited });
  const file = await findInquiryFile(deps.db, inquiryId, fileId);
  if (!file) throw new DomainError('NOT_FOUND', { entity: 'file' });
  return file;
}

/** The customer's own inquiries, newest first. */
export async function listMyInquiries(deps: Deps, actor: Actor, page: { page: number; pageSize: number }): Promise<{ items: CustomerInquiryItem[]; total: number }> {
  return listCustomerInquiries(deps.db, actor.id, { limit: page.pageSize, offset: (page.page - 1) * page.pageSize });
}

// ---- the customer's changes ----

async function lockOwnInquiry(trx: Executor, deps: Deps, actor: Actor, inquiryId: number): Promise<InquiryRow> {
  const inquiry = await lockInquiry(trx, inquiryId, deps.engine === 'postgres');
  // Someone else's inquiry does not exist for this actor.
  if (!inquiry || inquiry.customer_id !== actor.id) throw new DomainError('NOT_FOUND', { entity: 'inquiry' });
  return inquiry;
}

/**
 * The customer cancels an inquiry that has not been ordered. Open invitations and active offers
 * close; every expert who still had a say is told.
 */
export async function cancelInquiry(deps: Deps, actor: Actor, inquiryId: number): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const inquiry = await lockOwnInquiry(trx, deps, actor, inquiryId);
    const status = nextInquiryStatus(inquiry.status, 'cancel');
    const now = iso(deps.clock.now());
    await updateInquiry(trx, inquiryId, { status, updated_at: now, closed_at: now });
    await closeInvitations(trx, deps, inquiry, 'cancel', now);
  });
}

/**
 * Closes every open invitation of an inquiry (and its active offer) on `cancel` or `expire`,
 * and tells each of those experts. Invitations that end in the same status are written in one
 * statement, the offers in one, the notices together: a few statements however many experts.
 */
export async function closeInvitations(trx: Executor, deps: Deps, inquiry: InquiryRow, event: 'cancel' | 'expire', now: string): Promise<number[]> {
  const open = await listOpenInvitations(trx, inquiry.id);
  await moveInvitations(trx, open, event, { updated_at: now });
  const openIds = new Set(open.map((i) => i.id));
  const offers = (await listOffersOfInquiry(trx, inquiry.id, ['active'])).filter((offer) => openIds.has(offer.invitation_id));
  if (offers.length > 0) await updateOffers(trx, offers.map((offer) => offer.id), { status: nextOfferStatus('active', event), updated_at: now });
  await notifyAll(
    trx,
    deps,
    open.map((invitation) => ({
      recipientId: invitation.expert_id,
      kind: event === 'cancel' ? ('inquiryCancelled' as const) : ('invitationExpired' as const),
      params: { title: inquiry.title },
      link: `/inquiries/${inquiry.id}`,
    })),
  );
  return open.map((i) => i.expert_id);
}

/**
 * The customer moves the offer deadline later. Experts who have not answered will be reminded
 * again before the new deadline, and every expert who still has a say is told.
 */
export async function extendDeadline(deps: Deps, actor: Actor, inquiryId: number, day: string): Promise<void> {
  const now = deps.clock.now();
  const problem = deadlineProblem(day, now);
  if (problem) throw new DomainError('VALIDATION', { fields: { deadline: problem }, params: { days: inquiryLimits.maxDeadlineDays } });
  await deps.db.transaction().execute(async (trx) => {
    const inquiry = await lockOwnInquiry(trx, deps, actor, inquiryId);
    const status = nextInquiryStatus(inquiry.status, 'extendDeadline');
    if (day <= deadlineDayOf(inquiry.deadline_at)) throw new DomainError('VALIDATION', { fields: { deadline: 'deadlineNotLater' } });
    const at = iso(now);
    await updateInquiry(trx, inquiryId, { status, deadline_at: iso(endOfTallinnDay(day)), updated_at: at });
    const open = await listOpenInvitations(trx, inquiryId);
    await updateInvitations(trx, open.map((invitation) => invitation.id), { reminded_at: null, updated_at: at });
    await notifyAll(
      trx,
      deps,
      open.map((invitation) => ({ recipientId: invitation.expert_id, kind: 'inquiryDeadlineExtended' as const, params: { title: inquiry.title, date: day }, link: `/inquiries/${inquiryId}` })),
    );
  });
}

// ---- triage ----

/** The general inquiries waiting for a moderator, oldest first. */
export async function listTriage(deps: Deps, actor: Actor, page: { page: number; pageSize: number }): Promise<{ items: TriageItem[]; total: number }> {
  if (!isStaff(actor)) throw new DomainError('FORBIDDEN', { entity: 'inquiry' });
  return listTriageQueue(deps.db, { limit: page.pageSize, offset: (page.page - 1) * page.pageSize });
}

/**
 * A moderator picks the field of a general inquiry. The portal then invites N experts of it
 * chosen uniformly at random (crypto source) among those who can take inquiries now, or all of
 * them when there are fewer; the pick is recorded with the moderator and the time.
 */
export async function assignField(deps: Deps, actor: Actor, inquiryId: number, fieldId: number): Promise<{ invited: number }> {
  if (!isStaff(actor)) throw new DomainError('FORBIDDEN', { entity: 'inquiry' });
  return deps.db.transaction().execute(async (trx) => {
    const inquiry = await lockInquiry(trx, inquiryId, deps.engine === 'postgres');
    if (!inquiry) throw new DomainError('NOT_FOUND', { entity: 'inquiry' });
    const status = nextInquiryStatus(inquiry.status, 'assignField');
    const now = deps.clock.now();
    if (now.getTime() >= Date.parse(inquiry.deadline_at)) throw new DomainError('DEADLINE_PASSED');
    await assertActiveField(trx, fieldId);
    const pool = await listAvailableExperts(trx, fieldId, { now: iso(now), excludeUserId: inquiry.customer_id, limit: 100_000 });
    if (pool.length === 0) throw new DomainError('NO_EXPERTS_AVAILABLE');
    const picked = pickRandomly(
      pool.map((e) => e.id),
      deps.settings.current().randomInvitations,
      deps.random,
    );
    const at = iso(now);
    await updateInquiry(trx, inquiryId, { status, field_id: fieldId, triaged_by: actor.id, triaged_at: at, random_pool_size: pool.length, updated_at: at });
    const invitationNotices = await inviteExperts(trx, inquiry, picked, true, at);
    await recordAudit(trx, deps, actor, 'inquiry_triaged', { type: 'inquiry', id: inquiryId }, {
      before: { status: inquiry.status, fieldId: inquiry.field_id },
      after: { status, fieldId, poolSize: pool.length, invitedExpertIds: picked },
    });
    const field = await findField(trx, fieldId);
    const customer = await getUserById(trx, inquiry.customer_id);
    await notifyAll(trx, deps, [
      ...invitationNotices,
      {
        recipientId: inquiry.customer_id,
        kind: 'inquiryTriaged',
        params: { title: inquiry.title, count: picked.length, field: field ? fieldView(field, customer.locale).name : '' },
        link: `/inquiries/${inquiryId}`,
      },
    ]);
    return { invited: picked.length };
  });
}

/** A moderator rejects a general inquiry (spam, out of scope) with a message the customer receives. */
export async function rejectInquiry(deps: Deps, actor: Actor, inquiryId: number, message: string): Promise<void> {
  if (!isStaff(actor)) throw new DomainError('FORBIDDEN', { entity: 'inquiry' });
  if (message.trim() === '') throw new DomainError('VALIDATION', { fields: { message: 'required' } });
  await deps.db.transaction().execute(async (trx) => {
    const inquiry = await lockInquiry(trx, inquiryId, deps.engine === 'postgres');
    if (!inquiry) throw new DomainError('NOT_FOUND', { entity: 'inquiry' });
    const status = nextInquiryStatus(inquiry.status, 'reject');
    const at = iso(deps.clock.now());
    await updateInquiry(trx, inquiryId, { status, triaged_by: actor.id, triaged_at: at, triage_note: message, updated_at: at, closed_at: at });
    await recordAudit(trx, deps, actor, 'inquiry_rejected', { type: 'inquiry', id: inquiryId }, { before: { status: inquiry.status }, after: { status, message } });
    await notify(trx, deps, { recipientId: inquiry.customer_id, kind: 'inquiryRejected', params: { title: inquiry.title, message }, link: `/inquiries/${inquiryId}` });
  });
}
