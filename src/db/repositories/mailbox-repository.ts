import { sql, type Insertable, type RawBuilder } from 'kysely';
import { DomainError } from '../../domain/errors.js';
import type { FileRow, FilesTable, MessageRow, NoticeRow, UserRow } from '../schema.js';
import { preparedInList, preparedInsert, preparedInsertReturningId, preparedQuery, preparedShapes } from '../prepared.js';
import { limitClause, totalOfList } from './pagination.js';
import type { Executor } from './user-repository.js';

export type MailboxFilter = 'all' | 'unread' | 'notices' | 'conversations';

export type MailboxItem =
  | { type: 'notice'; id: number; at: string; isUnread: boolean; kind: string; params: string; link: string | null }
  | { type: 'conversation'; id: number; at: string; isUnread: boolean; subject: string; unreadCount: number };

// ---- notices ----

export const insertNotice = preparedInsertReturningId('notices');

/** Several notices in one statement (their ids are not needed). */
export const insertNotices = preparedInsert('notices');

/** A notice, only if it belongs to the user (anyone else gets undefined, as for a missing one). */
export async function findNoticeOf(db: Executor, id: number, userId: number): Promise<NoticeRow | undefined> {
  return db.selectFrom('notices').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
}

export async function markNoticeRead(db: Executor, id: number, userId: number, now: string): Promise<void> {
  await db.updateTable('notices').set({ read_at: now }).where('id', '=', id).where('user_id', '=', userId).where('read_at', 'is', null).execute();
}

// ---- counts and the list ----

/** What a filter reads: notices, conversations, and whether only unread ones. */
const partsOf = (filter: MailboxFilter) => ({ notices: filter !== 'conversations', conversations: filter !== 'notices', onlyUnread: filter === 'unread' });

/** A filter's two index counts, as SQL: the notices and the conversations it shows (0 for a kind it leaves out). */
function totalsOf(which: ReturnType<typeof partsOf>, userId: number): { notices: RawBuilder<number>; conversations: RawBuilder<number> } {
  return {
    notices: which.notices ? sql<number>`(select count(*) from notices where user_id = ${userId}${which.onlyUnread ? sql` and read_at is null` : sql``})` : sql<number>`0`,
    conversations: which.conversations
      ? sql<number>`(select count(*) from conversation_members where user_id = ${userId}${which.onlyUnread ? sql` and unread_count > 0` : sql``})`
      : sql<number>`0`,
  };
}

/** The two counts alone, in one statement, prepared per filter (`preparedShapes`). */
const countQueries = preparedShapes((filter: MailboxFilter) => {
  const which = partsOf(filter);
  return (db: Executor, p: { userId: number }) => {
    const totals = totalsOf(which, p.userId);
    const query = sql<{ notices: number | string; conversations: number | string }>`select ${totals.notices} as notices, ${totals.conversations} as conversations`;
    return { compile: () => query.compile(db) };
  };
});

/** How many notices and conversations a user has under a filter (only the unread ones under 'unread'). */
async function countMailbox(db: Executor, userId: number, filter: MailboxFilter): Promise<number> {
  const row = await countQueries(filter).first(db, { userId });
  return Number(row?.notices ?? 0) + Number(row?.conversations ?? 0);
}

/** Unread items: unread notices plus conversations with unread messages. */
export async function countUnread(db: Executor, userId: number): Promise<number> {
  return countMailbox(db, userId, 'unread');
}

type RawItem = {
  /** The filter's totals of each kind, on every row (`totalsOf`). */
  notices_total: number | string;
  conversations_total: number | string;
  type: string;
  id: number;
  at: string;
  is_unread: number;
  kind: string | null;
  params: string | null;
  link: string | null;
  subject: string | null;
  unread_count: number | null;
};

type MailboxListParams = { userId: number; window: number; limit: number; offset: number };

/**
 * The mailbox's page as one statement, prepared per filter: each part reads at most the first
 * `window` (offset + limit) of its own kind, newest first by its index, and only those are merged.
 */
const listQueries = preparedShapes((filter: MailboxFilter) => {
  const which = partsOf(filter);
  return (db: Executor, p: MailboxListParams) => {
    // Typed nulls: PostgreSQL gives an untyped null in a subquery the type text.
    const noticePart = sql`select * from (select 'notice' as type, n.id as id, n.created_at as at,
        case when n.read_at is null then 1 else 0 end as is_unread,
        n.kind as kind, n.params as params, n.link as link, cast(null as text) as subject, cast(null as integer) as unread_count
      from notices n where n.user_id = ${p.userId}${which.onlyUnread ? sql` and n.read_at is null` : sql``}
      order by n.created_at desc, n.id desc ${limitClause(p.window)}) as notice_items`;
    const conversationPart = sql`select * from (select 'conversation' as type, c.id as id, m.last_activity_at as at,
        case when m.unread_count > 0 then 1 else 0 end as is_unread,
        cast(null as text) as kind, cast(null as text) as params, cast(null as text) as link, c.subject as subject, m.unread_count as unread_count
      from conversation_members m join conversations c on c.id = m.conversation_id
      where m.user_id = ${p.userId}${which.onlyUnread ? sql` and m.unread_count > 0` : sql``}
      order by m.last_activity_at desc, c.id desc ${limitClause(p.window)}) as conversation_items`;
    const parts = [...(which.notices ? [noticePart] : []), ...(which.conversations ? [conversationPart] : [])];
    // The totals come with the page (one statement, not two, when the page is full); uncorrelated,
    // each is counted once per statement on both engines.
    const totals = totalsOf(which, p.userId);
    const query = sql<RawItem>`select items.*, ${totals.notices} as notices_total, ${totals.conversations} as conversations_total
      from (${sql.join(parts, sql` union all `)}) items order by at desc, type, id desc ${limitClause(p.limit)} offset ${p.offset}`;
    return { compile: () => query.compile(db) };
  };
});

/**
 * The mailbox, newest first: notices and conversations in one list, paginated and filtered.
 * Each kind reads at most the first `offset + limit` of its own, newest first by its index,
 * and only those are merged, so a page costs the same however long the mailbox grows; the total
 * is two index counts.
 */
export async function listMailbox(
  db: Executor,
  userId: number,
  options: { filter: MailboxFilter; limit: number; offset: number },
): Promise<{ items: MailboxItem[]; total: number }> {
  const { filter } = options;
  const rows = await listQueries(filter).all(db, { userId, window: options.offset + options.limit, limit: options.limit, offset: options.offset });
  const first = rows[0];
  const total = first ? Number(first.notices_total) + Number(first.conversations_total) : await totalOfList(options, 0, () => countMailbox(db, userId, filter));
  const items = rows.map((row): MailboxItem =>
    row.type === 'notice'
      ? { type: 'notice', id: row.id, at: row.at, isUnread: Number(row.is_unread) === 1, kind: row.kind ?? '', params: row.params ?? '{}', link: row.link }
      : { type: 'conversation', id: row.id, at: row.at, isUnread: Number(row.is_unread) === 1, subject: row.subject ?? '', unreadCount: Number(row.unread_count ?? 0) },
  );
  return { items, total };
}

// ---- conversations ----

export async function insertConversation(
  db: Executor,
  conversation: { subject: string; contextType: string | null; contextId: number | null; now: string },
): Promise<number> {
  const row = await db
    .insertInto('conversations')
    .values({
      subject: conversation.subject,
      context_type: conversation.contextType,
      context_id: conversation.contextId,
      created_at: conversation.now,
      last_message_at: conversation.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Adds a member; `shownAs` replaces their name for the other members (a customer's, to experts, before an order). */
export async function insertMember(db: Executor, conversationId: number, userId: number, now: string, shownAs: string | null = null): Promise<void> {
  await db
    .insertInto('conversation_members')
    .values({ conversation_id: conversationId, user_id: userId, unread_count: 0, last_activity_at: now, joined_at: now, shown_as: shownAs })
    .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doNothing())
    .execute();
}

/** Shows every member of a conversation by their own name from now on (an order was paid). */
export async function revealMembers(db: Executor, conversationId: number): Promise<void> {
  await db.updateTable('conversation_members').set({ shown_as: null }).where('conversation_id', '=', conversationId).execute();
}

/** The conversation as one member sees it, or undefined when the user is not a member. */
export async function findConversationOf(db: Executor, conversationId: number, userId: number) {
  return db
    .selectFrom('conversations')
    .innerJoin('conversation_members', 'conversation_members.conversation_id', 'conversations.id')
    .select(['conversations.id', 'conversations.subject', 'conversations.context_type', 'conversations.context_id', 'conversations.created_at', 'conversation_members.unread_count'])
    .where('conversations.id', '=', conversationId)
    .where('conversation_members.user_id', '=', userId)
    .executeTakeFirst();
}

/** A member with their account data (for their e-mail) and how the others see them (`shownAs`, when private). */
export type MemberContact = { id: number; name: string; email: string; locale: 'et' | 'en'; shown_as: string | null };

export async function listMembers(db: Executor, conversationId: number): Promise<MemberContact[]> {
  return db
    .selectFrom('conversation_members')
    .innerJoin('users', 'users.id', 'conversation_members.user_id')
    .select(['users.id', 'users.name', 'users.email', 'users.locale', 'conversation_members.shown_as'])
    .where('conversation_members.conversation_id', '=', conversationId)
    .orderBy('users.id')
    .execute();
}

/**
 * A conversation with its members as its page names them, in one statement, or undefined when
 * the user is not one of them; `unreadCount` is that user's own.
 */
export async function findConversationWithMembers(db: Executor, conversationId: number, userId: number) {
  const rows = await conversationWithMembers.all(db, { conversationId, userId });
  const own = rows.find((row) => row.id === userId);
  if (!own) return undefined;
  return {
    id: own.conversation_id,
    subject: own.subject,
    unreadCount: own.unread_count,
    members: rows.map(({ id, name, shown_as }) => ({ id, name, shown_as })),
  };
}

const conversationWithMembers = preparedQuery((db, p: { conversationId: number; userId: number }) =>
  db
    .selectFrom('conversations')
    .innerJoin('conversation_members', 'conversation_members.conversation_id', 'conversations.id')
    .innerJoin('users', 'users.id', 'conversation_members.user_id')
    .select(['conversations.id as conversation_id', 'conversations.subject', 'conversation_members.unread_count'])
    .select(['users.id', 'users.name', 'conversation_members.shown_as'])
    .where('conversations.id', '=', p.conversationId)
    // Nothing of a conversation leaves the database for someone outside it.
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('conversation_members as reader')
          .select(sql`1`.as('one'))
          .whereRef('reader.conversation_id', '=', 'conversations.id')
          .where('reader.user_id', '=', p.userId),
      ),
    )
    .orderBy('users.id'),
);

type FileSummary = Pick<FileRow, 'id' | 'original_name' | 'content_type' | 'size_bytes'>;

export type MessageWithFiles = MessageRow & { sender_name: string; files: FileSummary[] };

/** A conversation's newest `limit` messages (older than `beforeId`), newest first, with a flag for those with files. */
function newestMessages(db: Executor, conversationId: number, options: { limit: number; beforeId: number | undefined }) {
  let query = db
    .selectFrom('messages')
    .innerJoin('users', 'users.id', 'messages.sender_id')
    .leftJoin('conversation_members as sender', (join) =>
      join.onRef('sender.conversation_id', '=', 'messages.conversation_id').onRef('sender.user_id', '=', 'messages.sender_id'),
    )
    .selectAll('messages')
    // A member whose name is private is shown as the others see them.
    .select((eb) => [
      eb.fn.coalesce('sender.shown_as', 'users.name').as('sender_name'),
      eb.exists(eb.selectFrom('message_files').select(sql`1`.as('one')).whereRef('message_files.message_id', '=', 'messages.id')).as('has_files'),
    ])
    .where('messages.conversation_id', '=', conversationId);
  if (options.beforeId !== undefined) query = query.where('messages.id', '<', options.beforeId);
  return query.orderBy('messages.id', 'desc').limit(options.limit);
}

type ThreadParams = Record<string, number>;

/** The threads of `count` conversations as one union (an inquiry has at most 25); key "<count>" or "<count>:before". */
const threadQueries = preparedShapes((key: string) => {
  const [count, before] = key.split(':');
  return (db: Executor, p: ThreadParams) => {
    const options = { limit: p['limit']!, beforeId: before ? p['before'] : undefined };
    const parts = Array.from({ length: Number(count) }, (_, i) => db.selectFrom(newestMessages(db, p[`c${i}`]!, options).as('thread')).selectAll());
    return parts.slice(1).reduce((query, part) => query.unionAll(part), parts[0]!);
  };
});

/**
 * The newest `limit` messages of each conversation (older ones before `beforeId`), oldest first,
 * by conversation: one statement for the messages of them all, and one more for their files
 * only when some have files. An inquiry's page shows a thread per invited expert, and a
 * statement per thread (and per thread's files) would grow with their number.
 */
export async function listThreads(db: Executor, conversationIds: readonly number[], options: { limit: number; beforeId?: number }): Promise<Map<number, MessageWithFiles[]>> {
  const threads = new Map(conversationIds.map((id) => [id, [] as MessageWithFiles[]]));
  const ids = [...threads.keys()];
  if (ids.length === 0) return threads;
  const params: ThreadParams = { limit: options.limit, ...Object.fromEntries(ids.map((id, i) => [`c${i}`, id])) };
  if (options.beforeId !== undefined) params['before'] = options.beforeId;
  const rows = await threadQueries(`${ids.length}${options.beforeId !== undefined ? ':before' : ''}`).all(db, params);
  const withFiles = rows.filter((row) => Boolean(Number(row.has_files))).map((row) => row.id);
  const files = withFiles.length
    ? await db
        .selectFrom('message_files')
        .innerJoin('files', 'files.id', 'message_files.file_id')
        .select(['message_files.message_id', 'files.id', 'files.original_name', 'files.content_type', 'files.size_bytes'])
        .where('message_files.message_id', 'in', withFiles)
        .orderBy('files.id')
        .execute()
    : [];
  const filesOf = new Map<number, FileSummary[]>();
  for (const { message_id, ...file } of files) {
    const list = filesOf.get(message_id);
    if (list) list.push(file);
    else filesOf.set(message_id, [file]);
  }
  // Each row becomes its message as it is (its `has_files` flag stays on it): copying a page of
  // rows without the flag and again with the files cost more than the statement (decision 017).
  for (const row of rows.sort((a, b) => a.id - b.id)) {
    const message: typeof row & { files: FileSummary[] } = Object.assign(row, { files: filesOf.get(row.id) ?? [] });
    threads.get(row.conversation_id)!.push(message);
  }
  return threads;
}

/** The newest `limit` messages of a conversation (older ones before `beforeId`), oldest first. */
export async function listMessages(db: Executor, conversationId: number, options: { limit: number; beforeId?: number }): Promise<MessageWithFiles[]> {
  return (await listThreads(db, [conversationId], options)).get(conversationId)!;
}

export async function insertMessage(db: Executor, message: { conversationId: number; senderId: number; body: string; now: string }): Promise<number> {
  const row = await db
    .insertInto('messages')
    .values({ conversation_id: message.conversationId, sender_id: message.senderId, body: message.body, created_at: message.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.updateTable('conversations').set({ last_message_at: message.now }).where('id', '=', message.conversationId).execute();
  await db
    .updateTable('conversation_members')
    .set((eb) => ({
      last_activity_at: message.now,
      unread_count: eb.case().when('user_id', '=', message.senderId).then(eb.ref('unread_count')).else(eb('unread_count', '+', 1)).end(),
    }))
    .where('conversation_id', '=', message.conversationId)
    .execute();
  return row.id;
}

export async function markConversationRead(db: Executor, conversationId: number, userId: number): Promise<void> {
  await db
    .updateTable('conversation_members')
    .set({ unread_count: 0 })
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .where('unread_count', '>', 0)
    .execute();
}

// ---- files ----

export async function insertFile(db: Executor, file: Insertable<FilesTable>): Promise<number> {
  const row = await db.insertInto('files').values(file).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function findFileById(db: Executor, id: number): Promise<FileRow | undefined> {
  return db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function attachFile(db: Executor, messageId: number, fileId: number): Promise<void> {
  await db.insertInto('message_files').values({ message_id: messageId, file_id: fileId }).execute();
}

/** A file attached to a message of a conversation the user belongs to; undefined otherwise. */
export async function findMessageFileFor(db: Executor, fileId: number, userId: number): Promise<FileRow | undefined> {
  return db
    .selectFrom('files')
    .innerJoin('message_files', 'message_files.file_id', 'files.id')
    .innerJoin('messages', 'messages.id', 'message_files.message_id')
    .innerJoin('conversation_members', (join) =>
      join.onRef('conversation_members.conversation_id', '=', 'messages.conversation_id').on('conversation_members.user_id', '=', userId),
    )
    .selectAll('files')
    .where('files.id', '=', fileId)
    .executeTakeFirst();
}

/** A file of a message in the thread of a paid order (staff read those threads on the order page). */
export async function findOrderThreadFile(db: Executor, fileId: number): Promise<FileRow | undefined> {
  return db
    .selectFrom('files')
    .innerJoin('message_files', 'message_files.file_id', 'files.id')
    .innerJoin('messages', 'messages.id', 'message_files.message_id')
    .innerJoin('invitations', 'invitations.conversation_id', 'messages.conversation_id')
    .innerJoin('orders', (join) => join.onRef('orders.inquiry_id', '=', 'invitations.inquiry_id').onRef('orders.expert_id', '=', 'invitations.expert_id'))
    .selectAll('files')
    .where('files.id', '=', fileId)
    .where('orders.status', 'in', ['in_progress', 'delivered', 'accepted', 'disputed', 'resolved'])
    .executeTakeFirst();
}

// ---- e-mail preferences ----

const recipientsByIds = preparedInList((db, ids: number[]) =>
  db
    .selectFrom('users')
    .leftJoin('email_preferences as e', 'e.user_id', 'users.id')
    .selectAll('users')
    .select(['e.category as preference_category', 'e.is_enabled as preference_enabled'])
    .where('users.id', 'in', ids),
);

/**
 * The users to be told something, each with their e-mail choices, in one statement (a notice's
 * writes run inside the caller's transaction; on PostgreSQL every statement is a round trip).
 * A missing user is NOT_FOUND, as with `getUsersByIds`.
 */
export async function getRecipientsByIds(db: Executor, ids: readonly number[]): Promise<Map<number, { user: UserRow; emailPreferences: Map<string, boolean> }>> {
  const unique = [...new Set(ids)];
  const recipients = new Map<number, { user: UserRow; emailPreferences: Map<string, boolean> }>();
  if (unique.length === 0) return recipients;
  const rows = await recipientsByIds(db, unique);
  for (const row of rows) {
    let recipient = recipients.get(row.id);
    if (!recipient) recipients.set(row.id, (recipient = { user: row, emailPreferences: new Map() }));
    if (row.preference_category !== null) recipient.emailPreferences.set(row.preference_category, row.preference_enabled === 1);
  }
  const missing = unique.find((id) => !recipients.has(id));
  if (missing !== undefined) throw new DomainError('NOT_FOUND', { entity: 'user', id: missing });
  return recipients;
}

/** A user's e-mail choices (category → on or off; a category not stored is on). */
export async function listEmailPreferences(db: Executor, userId: number): Promise<Map<string, boolean>> {
  const rows = await db.selectFrom('email_preferences').select(['category', 'is_enabled']).where('user_id', '=', userId).execute();
  return new Map(rows.map((row) => [row.category, row.is_enabled === 1]));
}

export async function setEmailPreference(db: Executor, userId: number, category: string, isEnabled: boolean): Promise<void> {
  await db
    .insertInto('email_preferences')
    .values({ user_id: userId, category, is_enabled: isEnabled ? 1 : 0 })
    .onConflict((oc) => oc.columns(['user_id', 'category']).doUpdateSet({ is_enabled: isEnabled ? 1 : 0 }))
    .execute();
}
