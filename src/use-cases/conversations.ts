import { iso } from '../adapters/clock.js';
import {
  attachFile,
  findConversationOf,
  findConversationWithMembers,
  insertConversation,
  insertMember,
  insertMessage,
  listEmailPreferences,
  listMembers,
  listMessages,
  markConversationRead,
  type MessageWithFiles,
} from '../db/repositories/mailbox-repository.js';
import type { Executor } from '../db/repositories/user-repository.js';
import { DomainError } from '../domain/errors.js';
import { isEmailWanted } from '../domain/notifications.js';
import type { Actor } from '../domain/roles.js';
import { queueAccountEmail } from './account-emails.js';
import type { Deps } from './deps.js';
import { postInQuestionThread } from './inquiry-questions.js';
import { recordFiles, withUploads, type KeptFile, type UploadedPart } from './uploads.js';

/**
 * Opens a conversation between exactly the given users (later flows: a customer and one expert
 * about one inquiry or order). Runs in the caller's transaction.
 */
export async function startConversation(
  db: Executor,
  deps: Pick<Deps, 'clock'>,
  input: { subject: string; memberIds: number[]; context?: { type: string; id: number }; shownAs?: ReadonlyMap<number, string> },
): Promise<number> {
  const now = iso(deps.clock.now());
  const id = await insertConversation(db, {
    subject: input.subject,
    contextType: input.context?.type ?? null,
    contextId: input.context?.id ?? null,
    now,
  });
  for (const userId of new Set(input.memberIds)) await insertMember(db, id, userId, now, input.shownAs?.get(userId) ?? null);
  return id;
}

const pageSize = 50;

export type ConversationView = {
  id: number;
  subject: string;
  members: { id: number; name: string }[];
  messages: MessageWithFiles[];
  /** The id to ask for older messages with, when there are any. */
  olderBeforeId: number | undefined;
  /** It had unread messages for the reader until now (the mailbox badge has changed). */
  wasUnread: boolean;
};

/** A conversation for one of its members, newest messages last; marks it read. Others get NOT_FOUND. */
export async function openConversation(deps: Deps, actor: Actor, conversationId: number, beforeId?: number): Promise<ConversationView> {
  const conversation = await findConversationWithMembers(deps.db, conversationId, actor.id);
  if (!conversation) throw new DomainError('NOT_FOUND', { entity: 'conversation' });
  const messages = await listMessages(deps.db, conversationId, { limit: pageSize + 1, ...(beforeId ? { beforeId } : {}) });
  if (conversation.unreadCount > 0) await markConversationRead(deps.db, conversationId, actor.id);
  const hasOlder = messages.length > pageSize;
  const shown = hasOlder ? messages.slice(1) : messages;
  return {
    id: conversation.id,
    subject: conversation.subject,
    members: conversation.members.map(({ id, name, shown_as }) => ({ id, name: id === actor.id ? name : (shown_as ?? name) })),
    messages: shown,
    olderBeforeId: hasOlder ? shown[0]?.id : undefined,
    wasUnread: conversation.unreadCount > 0,
  };
}

/**
 * Writes a message (text and/or kept files) in the caller's transaction. Every other member's
 * conversation turns unread and they get an e-mail (unless they switched message e-mails off)
 * that says who wrote, not what: the content stays in the portal.
 */
export async function writeMessage(
  trx: Executor,
  deps: Deps,
  actor: Actor,
  conversation: { id: number; subject: string },
  message: { body: string; kept: KeptFile[] },
): Promise<number> {
  const now = deps.clock.now();
  const messageId = await insertMessage(trx, { conversationId: conversation.id, senderId: actor.id, body: message.body, now: iso(now) });
  for (const fileId of await recordFiles(trx, message.kept, actor.id, now)) await attachFile(trx, messageId, fileId);
  const members = await listMembers(trx, conversation.id);
  // A member whose name is private is named as the others see them.
  const sender = members.find((m) => m.id === actor.id)?.shown_as ?? actor.name;
  for (const member of members) {
    if (member.id === actor.id) continue;
    if (!isEmailWanted('messages', await listEmailPreferences(trx, member.id))) continue;
    await queueAccountEmail(trx, deps, member, {
      subjectKey: 'mailbox.newMessageEmailSubject',
      bodyKey: 'mailbox.newMessageEmailBody',
      params: { sender, subject: conversation.subject },
      action: { labelKey: 'email.openInPortal', path: `/mailbox/conversations/${conversation.id}` },
    });
  }
  return messageId;
}

/** The body is not empty or files come with it. */
export function assertMessageNotEmpty(body: string, uploads: readonly UploadedPart[]): void {
  if (body.trim() === '' && uploads.length === 0) throw new DomainError('VALIDATION', { fields: { body: 'messageEmpty' } });
}

/**
 * A member writes in a conversation from the mailbox. A question thread about an inquiry keeps
 * the inquiry's rules (who may still ask or answer), so it goes through those.
 */
export async function postMessage(
  deps: Deps,
  actor: Actor,
  input: { conversationId: number; body: string; uploads: UploadedPart[] },
): Promise<number> {
  const conversation = await findConversationOf(deps.db, input.conversationId, actor.id);
  if (!conversation) throw new DomainError('NOT_FOUND', { entity: 'conversation' });
  if (conversation.context_type === 'invitation' && conversation.context_id !== null) {
    return postInQuestionThread(deps, actor, conversation.context_id, { body: input.body, uploads: input.uploads });
  }
  assertMessageNotEmpty(input.body, input.uploads);
  return withUploads(deps, input.uploads, (kept) =>
    deps.db.transaction().execute((trx) => writeMessage(trx, deps, actor, conversation, { body: input.body, kept })),
  );
}
