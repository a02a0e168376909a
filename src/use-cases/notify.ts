import { iso } from '../adapters/clock.js';
import { insertNotice, listEmailPreferences } from '../db/repositories/mailbox-repository.js';
import { getUserById, type Executor } from '../db/repositories/user-repository.js';
import { isEmailWanted, noticeKinds, type NoticeKind } from '../domain/notifications.js';
import type { MessageKey, TranslateParams } from '../i18n/index.js';
import { queueAccountEmail } from './account-emails.js';
import type { Deps } from './deps.js';

export type NoticeInput = {
  recipientId: number;
  kind: NoticeKind;
  /** Catalog parameters for the notice's title and body (plain values, escaped when shown). */
  params?: TranslateParams;
  /** The portal page the notice is about (a path such as /orders/12). */
  link?: string;
  /** Send the e-mail copy here instead of the account's address (a changed address warns the old one). */
  emailAddress?: string;
};

/**
 * The one way to tell a user something: a notice in their mailbox and, unless they switched
 * that category off, the same notice by e-mail in their language. Both are written with the
 * caller's transaction, so they exist exactly when the change that caused them does.
 */
export async function notify(
  db: Executor,
  deps: Pick<Deps, 'clock' | 'publicUrl' | 'mail' | 'settings'>,
  notice: NoticeInput,
): Promise<void> {
  const recipient = await getUserById(db, notice.recipientId);
  const params = notice.params ?? {};
  const noticeId = await insertNotice(db, {
    user_id: recipient.id,
    kind: notice.kind,
    params: JSON.stringify(params),
    link: notice.link ?? null,
    created_at: iso(deps.clock.now()),
    read_at: null,
  });
  const preferences = await listEmailPreferences(db, recipient.id);
  if (!isEmailWanted(noticeKinds[notice.kind], preferences)) return;
  await queueAccountEmail(db, deps, { ...recipient, email: notice.emailAddress ?? recipient.email }, {
    subjectKey: `notices.${notice.kind}.title` as MessageKey,
    bodyKey: `notices.${notice.kind}.body` as MessageKey,
    params,
    action: { labelKey: 'email.openInPortal', path: notice.link ?? `/mailbox/notices/${noticeId}` },
  });
}
