import { iso } from '../adapters/clock.js';
import {
  countUnread,
  findMessageFileFor,
  findOrderThreadFile,
  findNoticeOf,
  listEmailPreferences,
  listMailbox,
  markNoticeRead,
  setEmailPreference,
  type MailboxFilter,
  type MailboxItem,
} from '../db/repositories/mailbox-repository.js';
import type { FileRow, NoticeRow } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { emailCategories, emailCategoriesFor, type EmailCategory } from '../domain/notifications.js';
import { isStaff, type Actor } from '../domain/roles.js';
import type { Deps } from './deps.js';

export const mailboxPageSize = 20;

/** One page of the actor's mailbox, newest first; a page past the end shows the last page. */
export async function readMailbox(
  deps: Deps,
  actor: Actor,
  options: { filter: MailboxFilter; page: number },
): Promise<{ items: MailboxItem[]; total: number; pages: number; page: number }> {
  const pageAt = (page: number) =>
    listMailbox(deps.db, actor.id, { filter: options.filter, limit: mailboxPageSize, offset: (page - 1) * mailboxPageSize });
  let page = options.page;
  let { items, total } = await pageAt(page);
  const pages = Math.max(1, Math.ceil(total / mailboxPageSize));
  if (page > pages) {
    page = pages;
    ({ items, total } = await pageAt(page));
  }
  return { items, total, pages, page };
}

/** The number the mailbox icon shows. */
export async function unreadCount(deps: Pick<Deps, 'db'>, actor: Actor): Promise<number> {
  return countUnread(deps.db, actor.id);
}

/** Opens one of the actor's notices and marks it read; anyone else's is NOT_FOUND. */
export async function openNotice(deps: Deps, actor: Actor, noticeId: number): Promise<NoticeRow> {
  const notice = await findNoticeOf(deps.db, noticeId, actor.id);
  if (!notice) throw new DomainError('NOT_FOUND', { entity: 'notice' });
  if (notice.read_at === null) await markNoticeRead(deps.db, notice.id, actor.id, iso(deps.clock.now()));
  return notice;
}

/** A file from one of the actor's conversations; NOT_FOUND for anyone outside them. */
export async function getConversationFile(deps: Deps, actor: Actor, fileId: number): Promise<FileRow> {
  const file = (await findMessageFileFor(deps.db, fileId, actor.id)) ?? (isStaff(actor) ? await findOrderThreadFile(deps.db, fileId) : undefined);
  if (!file) throw new DomainError('NOT_FOUND', { entity: 'file' });
  return file;
}

/** Which e-mail categories the actor receives (all on unless switched off). */
export async function getEmailPreferences(deps: Deps, actor: Actor): Promise<Record<EmailCategory, boolean>> {
  const stored = await listEmailPreferences(deps.db, actor.id);
  return Object.fromEntries(emailCategories.map((c) => [c, stored.get(c) !== false])) as Record<EmailCategory, boolean>;
}

/** Saves the actor's e-mail choices (of the categories offered to them); the mailbox copy of every notice always stays. */
export async function saveEmailPreferences(deps: Deps, actor: Actor, enabled: ReadonlySet<EmailCategory>): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    for (const category of emailCategoriesFor(isStaff(actor))) await setEmailPreference(trx, actor.id, category, enabled.has(category));
  });
}
