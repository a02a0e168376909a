import { iso } from '../adapters/clock.js';
import { getRecipientsByIds, insertNotice, insertNotices } from '../db/repositories/mailbox-repository.js';
import type { Executor } from '../db/repositories/user-repository.js';
import { isEmailWanted, noticeKinds, type NoticeKind } from '../domain/notifications.js';
import type { MessageKey, TranslateParams } from '../i18n/index.js';
import { renderAccountEmail } from './account-emails.js';
import type { Deps } from './deps.js';
import { enqueueEmails } from './enqueue-email.js';

type NotifyDeps = Pick<Deps, 'clock' | 'publicUrl' | 'mail' | 'settings'>;

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
 * The one way to tell users something: a notice in each one's mailbox and, unless they switched
 * that category off, the same notice by e-mail in their language. All are written with the
 * caller's transaction, so they exist exactly when the change that caused them does. Several
 * notices cost the same few statements as one (decision 017): the recipients with their e-mail
 * choices, the notices and the e-mails are each read or written at once.
 */
export async function notifyAll(db: Executor, deps: NotifyDeps, notices: readonly NoticeInput[]): Promise<void> {
  if (notices.length === 0) return;
  const recipientIds = notices.map((notice) => notice.recipientId);
  const recipients = await getRecipientsByIds(db, recipientIds);
  const createdAt = iso(deps.clock.now());
  const rows = notices.map((notice) => ({
    user_id: notice.recipientId,
    kind: notice.kind,
    params: JSON.stringify(notice.params ?? {}),
    link: notice.link ?? null,
    created_at: createdAt,
    read_at: null,
  }));
  // A notice without a page of its own links its e-mail to itself, so that one needs its id.
  const noticeIds: (number | undefined)[] = [];
  if (notices.every((notice) => notice.link !== undefined)) await insertNotices(db, rows);
  else for (const row of rows) noticeIds.push(await insertNotice(db, row));

  const emails = notices.flatMap((notice, i) => {
    const { user: recipient, emailPreferences } = recipients.get(notice.recipientId)!;
    if (!isEmailWanted(noticeKinds[notice.kind], emailPreferences)) return [];
    const to = { ...recipient, email: notice.emailAddress ?? recipient.email };
    const email = renderAccountEmail(deps, to, {
      subjectKey: `notices.${notice.kind}.title` as MessageKey,
      bodyKey: `notices.${notice.kind}.body` as MessageKey,
      params: notice.params ?? {},
      action: { labelKey: 'email.openInPortal', path: notice.link ?? `/mailbox/notices/${noticeIds[i]}` },
    });
    return [{ to: { address: to.email, name: to.name }, email }];
  });
  await enqueueEmails(db, deps, emails);
}

/** Tells one user something (see notifyAll). */
export async function notify(db: Executor, deps: NotifyDeps, notice: NoticeInput): Promise<void> {
  await notifyAll(db, deps, [notice]);
}
