import { iso } from '../adapters/clock.js';
import {
  claimReminder,
  findOfferOfInvitation,
  findInvitationById,
  listInquiriesPastDeadline,
  listInvitationsToRemind,
  listLapsedOffers,
  lockInquiry,
  updateInquiry,
  updateInvitation,
  updateOffer,
} from '../db/repositories/inquiry-repository.js';
import { deadlineDayOf, nextInquiryStatus, nextInvitationStatus, nextOfferStatus, reminderBeforeMs } from '../domain/inquiries.js';
import type { Deps } from './deps.js';
import { closeInvitations } from './inquiries.js';
import { notify } from './notify.js';

const batchSize = 100;

export type DeadlineSweepResult = { expired: number; reminded: number; lapsed: number };

/**
 * The deadlines of inquiries and offers, run by the worker every minute:
 * - an inquiry whose offer deadline has passed without an order expires; its open invitations
 *   and active offers expire; the customer and those experts are told;
 * - experts who have neither offered nor declined are reminded once, a day before the deadline;
 * - an offer whose validity has ended lapses (it cannot be ordered); its expert is told and may offer again.
 * Each change is conditional on the state it found, so two workers never do one twice.
 */
export async function sweepInquiryDeadlines(deps: Deps): Promise<DeadlineSweepResult> {
  const result: DeadlineSweepResult = { expired: 0, reminded: 0, lapsed: 0 };
  const now = deps.clock.now();
  const at = iso(now);

  for (const inquiryId of await listInquiriesPastDeadline(deps.db, at, batchSize)) {
    const didExpire = await deps.db.transaction().execute(async (trx) => {
      const inquiry = await lockInquiry(trx, inquiryId, deps.engine === 'postgres');
      if (!inquiry || (inquiry.status !== 'open' && inquiry.status !== 'triage') || inquiry.deadline_at > at) return false;
      await updateInquiry(trx, inquiryId, { status: nextInquiryStatus(inquiry.status, 'expire'), updated_at: at, closed_at: at });
      await closeInvitations(trx, deps, inquiry, 'expire', at);
      await notify(trx, deps, { recipientId: inquiry.customer_id, kind: 'inquiryExpired', params: { title: inquiry.title }, link: `/inquiries/${inquiryId}` });
      return true;
    });
    if (didExpire) result.expired += 1;
  }

  for (const invitation of await listInvitationsToRemind(deps.db, { now: at, until: iso(new Date(now.getTime() + reminderBeforeMs)) }, batchSize)) {
    const didRemind = await deps.db.transaction().execute(async (trx) => {
      if (!(await claimReminder(trx, invitation.id, at))) return false;
      await notify(trx, deps, {
        recipientId: invitation.expert_id,
        kind: 'inquiryDeadlineReminder',
        params: { title: invitation.title, date: deadlineDayOf(invitation.deadline_at) },
        link: `/inquiries/${invitation.inquiry_id}`,
      });
      return true;
    });
    if (didRemind) result.reminded += 1;
  }

  for (const offer of await listLapsedOffers(deps.db, at, batchSize)) {
    const didLapse = await deps.db.transaction().execute(async (trx) => {
      const inquiry = await lockInquiry(trx, offer.inquiry_id, deps.engine === 'postgres');
      const current = await findOfferOfInvitation(trx, offer.invitation_id);
      const invitation = await findInvitationById(trx, offer.invitation_id);
      if (!inquiry || inquiry.status !== 'open' || !current || !invitation || current.status !== 'active' || current.expires_at > at) return false;
      await updateOffer(trx, current.id, { status: nextOfferStatus(current.status, 'expire'), updated_at: at });
      await updateInvitation(trx, invitation.id, { status: nextInvitationStatus(invitation.status, 'offerLapsed'), updated_at: at });
      await notify(trx, deps, { recipientId: offer.expert_id, kind: 'offerLapsed', params: { title: inquiry.title }, link: `/inquiries/${inquiry.id}` });
      return true;
    });
    if (didLapse) result.lapsed += 1;
  }
  return result;
}
