import { findInquiry, findInvitationById, lockInquiry, recordQuestionState, updateInvitation } from '../db/repositories/inquiry-repository.js';
import { findLiveOrderOfInquiry } from '../db/repositories/order-repository.js';
import { getUserById } from '../db/repositories/user-repository.js';
import { DomainError } from '../domain/errors.js';
import { nextInvitationStatus, openInvitationStatuses } from '../domain/inquiries.js';
import type { Actor } from '../domain/roles.js';
import { translator } from '../i18n/index.js';
import { assertMessageNotEmpty, startConversation, writeMessage } from './conversations.js';
import type { Deps } from './deps.js';
import { postOrderMessage } from './fulfilment.js';
import { actOnInvitation } from './invitations.js';
import { withUploads, type UploadedPart } from './uploads.js';

export type QuestionInput = { body: string; uploads: UploadedPart[] };

/**
 * An invited expert asks the customer a question. The first one opens a thread between the two
 * in both mailboxes; the customer is shown there as "the customer", never by name, until an
 * order is paid. The question waits for an answer until the customer writes back.
 */
export async function askQuestion(deps: Deps, actor: Actor, inquiryId: number, input: QuestionInput): Promise<number> {
  assertMessageNotEmpty(input.body, input.uploads);
  return withUploads(deps, input.uploads, (kept) =>
    actOnInvitation(deps, actor, inquiryId, 'ask', async ({ trx, inquiry, invitation, at }) => {
      let conversationId = invitation.conversation_id;
      if (conversationId === null) {
        const expert = await getUserById(trx, actor.id);
        conversationId = await startConversation(trx, deps, {
          subject: inquiry.title,
          memberIds: [actor.id, inquiry.customer_id],
          context: { type: 'invitation', id: invitation.id },
          shownAs: new Map([[inquiry.customer_id, translator(expert.locale)('inquiries.customerAlias')]]),
        });
      }
      await updateInvitation(trx, invitation.id, {
        status: nextInvitationStatus(invitation.status, 'ask'),
        conversation_id: conversationId,
        seen_at: invitation.seen_at ?? at,
        updated_at: at,
      });
      const messageId = await writeMessage(trx, deps, actor, { id: conversationId, subject: inquiry.title }, { body: input.body, kept });
      await recordQuestionState(trx, invitation.id, 'waiting', at);
      return messageId;
    }),
  );
}

/**
 * The customer answers an expert's question (in the inquiry's page or the mailbox thread). Only
 * while the inquiry is open and that expert can still offer; the expert's mailbox gets it.
 */
export async function answerQuestion(deps: Deps, actor: Actor, inquiryId: number, invitationId: number, input: QuestionInput): Promise<number> {
  assertMessageNotEmpty(input.body, input.uploads);
  return withUploads(deps, input.uploads, (kept) =>
    deps.db.transaction().execute(async (trx) => {
      const inquiry = await lockInquiry(trx, inquiryId, deps.engine === 'postgres');
      const invitation = await findInvitationById(trx, invitationId);
      if (!inquiry || inquiry.customer_id !== actor.id || !invitation || invitation.inquiry_id !== inquiryId || invitation.conversation_id === null) {
        throw new DomainError('NOT_FOUND', { entity: 'inquiry' });
      }
      if (inquiry.status !== 'open') throw new DomainError('INVALID_STATE', { entity: 'inquiry', status: inquiry.status, event: 'answer' });
      if (!openInvitationStatuses.includes(invitation.status)) throw new DomainError('INVALID_STATE', { entity: 'invitation', status: invitation.status, event: 'answer' });
      const at = deps.clock.now().toISOString();
      const messageId = await writeMessage(trx, deps, actor, { id: invitation.conversation_id, subject: inquiry.title }, { body: input.body, kept });
      await recordQuestionState(trx, invitation.id, 'answered', at);
      return messageId;
    }),
  );
}

/** A message written in a question thread from the mailbox: the expert asks, the customer answers, by the same rules. */
export async function postInQuestionThread(deps: Deps, actor: Actor, invitationId: number, input: QuestionInput): Promise<number> {
  const invitation = await findInvitationById(deps.db, invitationId);
  const inquiry = invitation ? await findInquiry(deps.db, invitation.inquiry_id) : undefined;
  if (!invitation || !inquiry) throw new DomainError('NOT_FOUND', { entity: 'conversation' });
  // After the order the thread is the order's: its two parties write by the order's rules.
  if (invitation.status === 'won') {
    const order = await findLiveOrderOfInquiry(deps.db, inquiry.id);
    if (order && (actor.id === order.customer_id || actor.id === order.expert_id)) return postOrderMessage(deps, actor, order.id, input);
  }
  if (actor.id === invitation.expert_id) return askQuestion(deps, actor, inquiry.id, input);
  if (actor.id === inquiry.customer_id) return answerQuestion(deps, actor, inquiry.id, invitation.id, input);
  throw new DomainError('NOT_FOUND', { entity: 'conversation' });
}
