import { iso } from '../adapters/clock.js';
import { isUniqueViolation } from '../db/errors.js';
import {
  findInvitationForAction,
  insertOffer,
  listExpertAgenda,
  listExpertInvitations,
  lockInquiry,
  updateInvitation,
  updateInvitations,
  updateOffer,
  type ExpertInvitationItem,
} from '../db/repositories/inquiry-repository.js';
import type { Executor } from '../db/repositories/user-repository.js';
import type { InquiryRow, InvitationRow, OfferRow } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import {
  declineReasons,
  endOfTallinnDay,
  nextInvitationStatus,
  nextOfferStatus,
  offerProblems,
  type DeclineReason,
  type InquiryKind,
  type InvitationEvent,
  type InvitationFilter,
  type InvitationStatus,
  type OfferInput,
} from '../domain/inquiries.js';
import type { Actor } from '../domain/roles.js';
import type { Deps } from './deps.js';
import { notify } from './notify.js';

export type { OfferInput } from '../domain/inquiries.js';

/** The expert's invitations by filter ("E-consultations"), newest first. */
export async function listMyInvitations(
  deps: Deps,
  actor: Actor,
  options: { filter: InvitationFilter; kind: InquiryKind | undefined; page: number; pageSize: number },
): Promise<{ items: ExpertInvitationItem[]; total: number }> {
  return listExpertInvitations(deps.db, actor.id, { filter: options.filter, kind: options.kind, limit: options.pageSize, offset: (options.page - 1) * options.pageSize });
}

/** My menu for an expert: new invitations first, then those waiting for their action. */
export async function myAgenda(deps: Deps, actor: Actor, limit = 10): Promise<Awaited<ReturnType<typeof listExpertAgenda>>> {
  return listExpertAgenda(deps.db, actor.id, limit);
}

export type ExpertAction = {
  trx: Executor;
  inquiry: InquiryRow;
  invitation: InvitationRow;
  /** The name the customer knows the expert by (their profile's). */
  expertName: string;
  /** The offer the expert made on this invitation, whatever became of it. */
  offer: Pick<OfferRow, 'id' | 'status'> | undefined;
  now: Date;
  at: string;
};

/**
 * Runs an expert's action on their invitation in one transaction: the inquiry is locked, must be
 * open and before its deadline, and the actor must be invited (anyone else: NOT_FOUND). The
 * invitation's lifecycle decides whether the event is allowed.
 */
export async function actOnInvitation<T>(deps: Deps, actor: Actor, inquiryId: number, event: InvitationEvent, act: (action: ExpertAction) => Promise<T>): Promise<T> {
  return deps.db.transaction().execute(async (trx) => {
    const inquiry = await lockInquiry(trx, inquiryId, deps.engine === 'postgres');
    const found = inquiry ? await findInvitationForAction(trx, inquiryId, actor.id) : undefined;
    if (!inquiry || !found) throw new DomainError('NOT_FOUND', { entity: 'inquiry' });
    const { invitation } = found;
    if (inquiry.status !== 'open') throw new DomainError('INVALID_STATE', { entity: 'inquiry', status: inquiry.status, event });
    const now = deps.clock.now();
    if (now.getTime() >= Date.parse(inquiry.deadline_at)) throw new DomainError('DEADLINE_PASSED');
    if (event === 'offer' && invitation.status === 'offered') throw new DomainError('OFFER_EXISTS');
    nextInvitationStatus(invitation.status, event);
    return act({ trx, inquiry, ...found, now, at: iso(now) });
  });
}

/**
 * Moves several invitations by one event of their lifecycle, each group that ends in the same
 * status in one statement (with `changes` besides the status).
 */
export async function moveInvitations(trx: Executor, invitations: readonly InvitationRow[], event: InvitationEvent, changes: { updated_at: string }): Promise<void> {
  const byNextStatus = new Map<InvitationStatus, number[]>();
  for (const invitation of invitations) {
    const next = nextInvitationStatus(invitation.status, event);
    const ids = byNextStatus.get(next) ?? [];
    if (ids.length === 0) byNextStatus.set(next, ids);
    ids.push(invitation.id);
  }
  for (const [status, ids] of byNextStatus) await updateInvitations(trx, ids, { ...changes, status });
}

function offerColumns(input: OfferInput, at: string) {
  return {
    price_cents: input.priceCents,
    delivery_date: input.deliveryDate,
    note: input.note,
    valid_until: input.validUntil,
    expires_at: iso(endOfTallinnDay(input.validUntil)),
    updated_at: at,
  };
}

function assertValidOffer(input: OfferInput, inquiry: InquiryRow, now: Date): void {
  const problems = offerProblems(input, inquiry.deadline_at, now);
  if (Object.keys(problems).length > 0) throw new DomainError('VALIDATION', { fields: problems });
}

/**
 * An invited expert makes their offer. One per expert: a second is refused (OFFER_EXISTS; they
 * change the first); after a withdrawal or lapse the same offer is made anew. The customer is told.
 */
export async function makeOffer(deps: Deps, actor: Actor, inquiryId: number, input: OfferInput): Promise<void> {
  try {
    await actOnInvitation(deps, actor, inquiryId, 'offer', async ({ trx, inquiry, invitation, expertName, offer: previous, now, at }) => {
      assertValidOffer(input, inquiry, now);
      if (previous) {
        await updateOffer(trx, previous.id, { status: 'active', ...offerColumns(input, at) });
      } else {
        await insertOffer(trx, { inquiry_id: inquiryId, invitation_id: invitation.id, expert_id: actor.id, status: 'active', ...offerColumns(input, at), created_at: at });
      }
      await updateInvitation(trx, invitation.id, { status: nextInvitationStatus(invitation.status, 'offer'), responded_at: at, seen_at: invitation.seen_at ?? at, updated_at: at });
      await notify(trx, deps, { recipientId: inquiry.customer_id, kind: 'offerReceived', params: { title: inquiry.title, expert: expertName }, link: `/inquiries/${inquiryId}#offers` });
    });
  } catch (error) {
    // The same offer sent twice at once: the unique index on the invitation lets one through.
    if (isUniqueViolation(error)) throw new DomainError('OFFER_EXISTS');
    throw error;
  }
}

/** The expert changes their active offer (price, dates, note); the customer is told. */
export async function changeOffer(deps: Deps, actor: Actor, inquiryId: number, input: OfferInput): Promise<void> {
  await actOnInvitation(deps, actor, inquiryId, 'changeOffer', async ({ trx, inquiry, invitation, expertName, offer, now, at }) => {
    if (!offer) throw new DomainError('INVALID_STATE', { entity: 'invitation', status: invitation.status, event: 'changeOffer' });
    assertValidOffer(input, inquiry, now);
    await updateOffer(trx, offer.id, { status: nextOfferStatus(offer.status, 'change'), ...offerColumns(input, at) });
    await notify(trx, deps, { recipientId: inquiry.customer_id, kind: 'offerChanged', params: { title: inquiry.title, expert: expertName }, link: `/inquiries/${inquiryId}#offers` });
  });
}

/** The expert withdraws their active offer; they may offer again while the inquiry is open. The customer is told. */
export async function withdrawOffer(deps: Deps, actor: Actor, inquiryId: number): Promise<void> {
  await actOnInvitation(deps, actor, inquiryId, 'withdrawOffer', async ({ trx, inquiry, invitation, expertName, offer, at }) => {
    if (!offer) throw new DomainError('INVALID_STATE', { entity: 'invitation', status: invitation.status, event: 'withdrawOffer' });
    await updateOffer(trx, offer.id, { status: nextOfferStatus(offer.status, 'withdraw'), updated_at: at });
    await updateInvitation(trx, invitation.id, { status: nextInvitationStatus(invitation.status, 'withdrawOffer'), updated_at: at });
    await notify(trx, deps, { recipientId: inquiry.customer_id, kind: 'offerWithdrawn', params: { title: inquiry.title, expert: expertName }, link: `/inquiries/${inquiryId}#offers` });
  });
}

/** The expert declines to offer, with a reason from the list (`other` needs words); the customer sees it. */
export async function declineInvitation(deps: Deps, actor: Actor, inquiryId: number, input: { reason: string; note: string }): Promise<void> {
  if (!(declineReasons as readonly string[]).includes(input.reason)) throw new DomainError('VALIDATION', { fields: { reason: 'chooseReason' } });
  if ((input.reason as DeclineReason) === 'other' && input.note.trim() === '') throw new DomainError('VALIDATION', { fields: { declineNote: 'declineNoteRequired' } });
  await actOnInvitation(deps, actor, inquiryId, 'decline', async ({ trx, inquiry, invitation, expertName, at }) => {
    await updateInvitation(trx, invitation.id, {
      status: nextInvitationStatus(invitation.status, 'decline'),
      decline_reason: input.reason,
      decline_note: input.note || null,
      responded_at: at,
      seen_at: invitation.seen_at ?? at,
      updated_at: at,
    });
    await notify(trx, deps, { recipientId: inquiry.customer_id, kind: 'invitationDeclined', params: { title: inquiry.title, expert: expertName }, link: `/inquiries/${inquiryId}` });
  });
}
