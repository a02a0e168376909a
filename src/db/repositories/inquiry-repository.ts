import { sql, type Insertable, type RawBuilder, type Updateable } from 'kysely';
import type { InquiryKind, InquiryStatus, InvitationFilter, InvitationStatus, OfferStatus } from '../../domain/inquiries.js';
import type { OrderStatus } from '../../domain/orders.js';
import type { FileRow, InquiryRow, InvitationRow, InvitationsTable, OfferRow, OffersTable } from '../schema.js';
import { preparedInList, preparedInsert, preparedInsertReturningId, preparedQuery, preparedShapes, preparedUpdateById } from '../prepared.js';
import { orderIsLive } from './order-repository.js';
import { totalOfList } from './pagination.js';
import type { Executor } from './user-repository.js';

// ---- inquiries ----

export const insertInquiry = preparedInsertReturningId('inquiries');

const inquiryById = preparedQuery((db, p: { id: number }) => db.selectFrom('inquiries').selectAll().where('id', '=', p.id));

export async function findInquiry(db: Executor, id: number): Promise<InquiryRow | undefined> {
  return inquiryById.first(db, { id });
}

/** The order of an inquiry that is not cancelled, as its page needs it. */
export type LiveOrder = { id: number; status: OrderStatus; expertId: number };

export type InquiryFile = Pick<FileRow, 'id' | 'original_name' | 'content_type' | 'size_bytes'>;

const inquiryForPage = preparedQuery((db, p: { id: number }) =>
  db
    .selectFrom('inquiries as q')
    .leftJoin('orders as o', (join) => join.onRef('o.inquiry_id', '=', 'q.id').on(orderIsLive('o.status')))
    .leftJoin('inquiry_files as qf', 'qf.inquiry_id', 'q.id')
    .leftJoin('files as f', 'f.id', 'qf.file_id')
    .selectAll('q')
    .select(['o.id as live_order_id', 'o.status as live_order_status', 'o.expert_id as live_order_expert_id'])
    .select(['f.id as file_id', 'f.original_name as file_original_name', 'f.content_type as file_content_type', 'f.size_bytes as file_size_bytes'])
    .where('q.id', '=', p.id)
    .orderBy('f.id'),
);

/**
 * An inquiry with its live order, if any, and its files, in one statement (an inquiry's page
 * needs all three): a row per file, the inquiry's on each (one row when it has none).
 */
export async function findInquiryForPage(
  db: Executor,
  id: number,
): Promise<{ inquiry: InquiryRow; liveOrder: LiveOrder | undefined; files: InquiryFile[] } | undefined> {
  const rows = await inquiryForPage.all(db, { id });
  const first = rows[0];
  if (!first) return undefined;
  // The first row is the inquiry as it is, its order's and file's columns left on it: a copy
  // without them would cost more than the statement (decision 017).
  const inquiry: InquiryRow = first;
  const { live_order_id, live_order_status, live_order_expert_id } = first;
  const liveOrder = live_order_id !== null && live_order_status !== null && live_order_expert_id !== null ? { id: live_order_id, status: live_order_status, expertId: live_order_expert_id } : undefined;
  const files: InquiryFile[] = [];
  for (const row of rows) {
    if (row.file_id !== null && row.file_original_name !== null && row.file_content_type !== null && row.file_size_bytes !== null) {
      files.push({ id: row.file_id, original_name: row.file_original_name, content_type: row.file_content_type, size_bytes: row.file_size_bytes });
    }
  }
  return { inquiry, liveOrder, files };
}

const inquiryForUpdate = preparedQuery((db, p: { id: number }) => db.selectFrom('inquiries').selectAll().where('id', '=', p.id).forUpdate());

/** Locks an inquiry row for the rest of the transaction (PostgreSQL; SQLite's write lock already covers it). */
export async function lockInquiry(db: Executor, id: number, isPostgres: boolean): Promise<InquiryRow | undefined> {
  return (isPostgres ? inquiryForUpdate : inquiryById).first(db, { id });
}

export const updateInquiry = preparedUpdateById('inquiries');

export async function attachInquiryFile(db: Executor, inquiryId: number, fileId: number): Promise<void> {
  await db.insertInto('inquiry_files').values({ inquiry_id: inquiryId, file_id: fileId }).execute();
}

/** A file attached to this inquiry; undefined when the file belongs elsewhere. */
export async function findInquiryFile(db: Executor, inquiryId: number, fileId: number): Promise<FileRow | undefined> {
  return db
    .selectFrom('inquiry_files')
    .innerJoin('files', 'files.id', 'inquiry_files.file_id')
    .selectAll('files')
    .where('inquiry_files.inquiry_id', '=', inquiryId)
    .where('inquiry_files.file_id', '=', fileId)
    .executeTakeFirst();
}

export type CustomerInquiryItem = {
  id: number;
  kind: InquiryKind;
  title: string;
  status: InquiryStatus;
  deadlineAt: string;
  createdAt: string;
  fieldId: number | null;
  invitationCount: number;
  offerCount: number;
  waitingQuestionCount: number;
};

/** A customer's inquiries, newest first, with how many experts were invited, offered and asked. */
type CustomerInquiryParams = { customerId: number; limit: number; offset: number };

const customerInquiryQueries = {
  page: preparedQuery((db, p: CustomerInquiryParams) =>
    db
      .selectFrom('inquiries as q')
      .select((eb) => [
        'q.id',
        'q.kind',
        'q.title',
        'q.status',
        'q.deadline_at',
        'q.created_at',
        'q.field_id',
        eb.selectFrom('invitations as i').select(eb.fn.countAll<number>().as('n')).whereRef('i.inquiry_id', '=', 'q.id').as('invitation_count'),
        eb
          .selectFrom('offers as o')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('o.inquiry_id', '=', 'q.id')
          .where('o.status', 'in', ['active', 'ordered'])
          .as('offer_count'),
        eb
          .selectFrom('invitations as i')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('i.inquiry_id', '=', 'q.id')
          .where('i.question_state', '=', 'waiting')
          .as('waiting_count'),
      ])
      .where('q.customer_id', '=', p.customerId)
      .orderBy('q.id', 'desc')
      .limit(p.limit)
      .offset(p.offset),
  ),
  count: preparedQuery((db, p: CustomerInquiryParams) =>
    db.selectFrom('inquiries').select((eb) => eb.fn.countAll<number>().as('n')).where('customer_id', '=', p.customerId),
  ),
};

export async function listCustomerInquiries(
  db: Executor,
  customerId: number,
  page: { limit: number; offset: number },
): Promise<{ items: CustomerInquiryItem[]; total: number }> {
  const params = { customerId, limit: page.limit, offset: page.offset };
  const rows = await customerInquiryQueries.page.all(db, params);
  return {
    total: await totalOfList(page, rows.length, async () => Number((await customerInquiryQueries.count.first(db, params))?.n ?? 0)),
    items: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      title: r.title,
      status: r.status,
      deadlineAt: r.deadline_at,
      createdAt: r.created_at,
      fieldId: r.field_id,
      invitationCount: Number(r.invitation_count ?? 0),
      offerCount: Number(r.offer_count ?? 0),
      waitingQuestionCount: Number(r.waiting_count ?? 0),
    })),
  };
}

export type TriageItem = Pick<InquiryRow, 'id' | 'kind' | 'title' | 'created_at' | 'deadline_at' | 'language'>;

/** General inquiries waiting for a moderator, oldest first. */
export async function listTriageQueue(db: Executor, page: { limit: number; offset: number }): Promise<{ items: TriageItem[]; total: number }> {
  const [items, count] = await Promise.all([
    db
      .selectFrom('inquiries')
      .select(['id', 'kind', 'title', 'created_at', 'deadline_at', 'language'])
      .where('status', '=', 'triage')
      .orderBy('id')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    db.selectFrom('inquiries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'triage').executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.n) };
}

/** Live inquiries whose offer deadline has passed, a batch at a time. */
export async function listInquiriesPastDeadline(db: Executor, now: string, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('inquiries')
    .select('id')
    .where('status', 'in', ['triage', 'open'])
    .where('deadline_at', '<=', now)
    .orderBy('deadline_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

// ---- invitations ----

export async function insertInvitation(db: Executor, invitation: Insertable<InvitationsTable>): Promise<number> {
  const row = await db.insertInto('invitations').values(invitation).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Several invitations in one statement (their ids are not needed). */
export const insertInvitations = preparedInsert('invitations');

export async function findInvitation(db: Executor, inquiryId: number, expertId: number): Promise<InvitationRow | undefined> {
  return db.selectFrom('invitations').selectAll().where('inquiry_id', '=', inquiryId).where('expert_id', '=', expertId).executeTakeFirst();
}

const invitationForAction = preparedQuery((db, p: { inquiryId: number; expertId: number }) =>
  db
    .selectFrom('invitations')
    .leftJoin('expert_profiles as p', 'p.user_id', 'invitations.expert_id')
    .leftJoin('offers as o', 'o.invitation_id', 'invitations.id')
    .selectAll('invitations')
    .select(['p.display_name as action_expert_name', 'o.id as action_offer_id', 'o.status as action_offer_status'])
    .where('invitations.inquiry_id', '=', p.inquiryId)
    .where('invitations.expert_id', '=', p.expertId),
);

/**
 * An expert's invitation to an inquiry as their actions need it, in one statement: with the name
 * the customer knows them by and the offer they made on it, if any (one per invitation).
 */
export async function findInvitationForAction(
  db: Executor,
  inquiryId: number,
  expertId: number,
): Promise<{ invitation: InvitationRow; expertName: string; offer: Pick<OfferRow, 'id' | 'status'> | undefined } | undefined> {
  const row = await invitationForAction.first(db, { inquiryId, expertId });
  if (!row) return undefined;
  const offer = row.action_offer_id !== null && row.action_offer_status !== null ? { id: row.action_offer_id, status: row.action_offer_status } : undefined;
  return { invitation: row, expertName: row.action_expert_name ?? '', offer };
}

export async function findInvitationById(db: Executor, id: number): Promise<InvitationRow | undefined> {
  return db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
}

export const updateInvitation = preparedUpdateById('invitations');

/** The same change to several invitations, in one statement. */
export async function updateInvitations(db: Executor, ids: readonly number[], changes: Updateable<InvitationsTable>): Promise<void> {
  if (ids.length > 0) await db.updateTable('invitations').set(changes).where('id', 'in', ids).execute();
}

/** Marks a new invitation seen (a no-op when it has moved on meanwhile). */
export async function markInvitationSeen(db: Executor, id: number, status: InvitationStatus, now: string): Promise<void> {
  await db.updateTable('invitations').set({ status, seen_at: now, updated_at: now }).where('id', '=', id).where('status', '=', 'new').execute();
}

/** Claims an invitation's deadline reminder: true once, for the first caller, while it is unanswered. */
export async function claimReminder(db: Executor, id: number, now: string): Promise<boolean> {
  const result = await db
    .updateTable('invitations')
    .set({ reminded_at: now })
    .where('id', '=', id)
    .where('reminded_at', 'is', null)
    .where('status', 'in', ['new', 'seen'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export type InvitationWithExpert = InvitationRow & {
  display_name: string;
  photo_file_id: number | null;
  price_level: number;
  rating_count: number;
  rating_sum: number;
};

/** Every invitation of an inquiry with the expert's public card data, in the order they were sent. */
const invitationsOfInquiry = preparedQuery((db, params: { inquiryId: number }) =>
  db
    .selectFrom('invitations as i')
    .innerJoin('expert_profiles as p', 'p.user_id', 'i.expert_id')
    .selectAll('i')
    .select(['p.display_name', 'p.photo_file_id', 'p.price_level', 'p.rating_count', 'p.rating_sum'])
    .where('i.inquiry_id', '=', params.inquiryId)
    .orderBy('i.id'),
);

export async function listInvitationsOfInquiry(db: Executor, inquiryId: number): Promise<InvitationWithExpert[]> {
  return invitationsOfInquiry.all(db, { inquiryId });
}

/** What an inquiry's page shows of an offer. */
export type OfferOnPage = Pick<OfferRow, 'id' | 'status' | 'price_cents' | 'delivery_date' | 'note' | 'valid_until' | 'expires_at' | 'updated_at'>;

/** Every invitation of an inquiry as `listInvitationsOfInquiry`, each with its offer if one was made (one per invitation). */
const invitationsWithOffersOfInquiry = preparedQuery((db, params: { inquiryId: number }) =>
  db
    .selectFrom('invitations as i')
    .innerJoin('expert_profiles as p', 'p.user_id', 'i.expert_id')
    .leftJoin('offers as o', 'o.invitation_id', 'i.id')
    .selectAll('i')
    .select(['p.display_name', 'p.photo_file_id', 'p.price_level', 'p.rating_count', 'p.rating_sum'])
    .select([
      'o.id as offer_id',
      'o.status as offer_status',
      'o.price_cents as offer_price_cents',
      'o.delivery_date as offer_delivery_date',
      'o.note as offer_note',
      'o.valid_until as offer_valid_until',
      'o.expires_at as offer_expires_at',
      'o.updated_at as offer_updated_at',
    ])
    .where('i.inquiry_id', '=', params.inquiryId)
    .orderBy('i.id'),
);

/** An inquiry's invitations with their offers, in one statement (its page needs both). */
export async function listInvitationsWithOffers(db: Executor, inquiryId: number): Promise<(InvitationWithExpert & { offer: OfferOnPage | undefined })[]> {
  const rows = await invitationsWithOffersOfInquiry.all(db, { inquiryId });
  // The offer is added to each row as it is: a copy without the offer's columns (object rest)
  // would cost more than the statement it saves.
  return rows.map((row) =>
    Object.assign(row, {
      offer:
        row.offer_id === null
          ? undefined
          : {
              id: row.offer_id,
              status: row.offer_status!,
              price_cents: row.offer_price_cents!,
              delivery_date: row.offer_delivery_date!,
              note: row.offer_note!,
              valid_until: row.offer_valid_until!,
              expires_at: row.offer_expires_at!,
              updated_at: row.offer_updated_at!,
            },
    }),
  );
}

export type ExpertInvitationItem = {
  id: number;
  inquiryId: number;
  status: InvitationStatus;
  questionState: string;
  isRandom: boolean;
  createdAt: string;
  kind: InquiryKind;
  title: string;
  inquiryStatus: InquiryStatus;
  deadlineAt: string;
  fieldId: number | null;
};

function invitationItems(db: Executor, expertId: number) {
  return db
    .selectFrom('invitations as i')
    .innerJoin('inquiries as q', 'q.id', 'i.inquiry_id')
    .select(['i.id', 'i.inquiry_id', 'i.status', 'i.question_state', 'i.is_random', 'i.created_at', 'q.kind', 'q.title', 'q.status as inquiry_status', 'q.deadline_at', 'q.field_id'])
    .where('i.expert_id', '=', expertId);
}

type InvitationItemRow = Awaited<ReturnType<ReturnType<typeof invitationItems>['execute']>>[number];

function toItem(r: InvitationItemRow): ExpertInvitationItem {
  return {
    id: r.id,
    inquiryId: r.inquiry_id,
    status: r.status,
    questionState: r.question_state,
    isRandom: r.is_random === 1,
    createdAt: r.created_at,
    kind: r.kind,
    title: r.title,
    inquiryStatus: r.inquiry_status,
    deadlineAt: r.deadline_at,
    fieldId: r.field_id,
  };
}

/**
 * An expert's invitations, newest first, by filter and kind. Each filter is a prefix of an index
 * on (expert_id, status | question_state, id), so a page reads only the expert's own rows.
 */
export async function listExpertInvitations(
  db: Executor,
  expertId: number,
  options: { filter: InvitationFilter; kind: InquiryKind | undefined; limit: number; offset: number },
): Promise<{ items: ExpertInvitationItem[]; total: number }> {
  const narrow = <Q extends ReturnType<typeof invitationItems>>(query: Q): Q => {
    let q = query;
    if (options.filter === 'asked') q = q.where('i.question_state', '=', 'waiting') as Q;
    else if (options.filter !== 'all') q = q.where('i.status', '=', options.filter) as Q;
    if (options.kind) q = q.where('q.kind', '=', options.kind) as Q;
    return q;
  };
  // The count reads the expert's index entries alone; the inquiry is joined only to filter by kind.
  let counted = db.selectFrom('invitations as i').where('i.expert_id', '=', expertId);
  if (options.filter === 'asked') counted = counted.where('i.question_state', '=', 'waiting');
  else if (options.filter !== 'all') counted = counted.where('i.status', '=', options.filter);
  if (options.kind) {
    const kind = options.kind;
    counted = counted.where((eb) => eb.exists(eb.selectFrom('inquiries as q').select('q.id').whereRef('q.id', '=', 'i.inquiry_id').where('q.kind', '=', kind)));
  }
  const rows = await narrow(invitationItems(db, expertId)).orderBy('i.id', 'desc').limit(options.limit).offset(options.offset).execute();
  const total = await totalOfList(options, rows.length, async () => Number((await counted.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n));
  return { items: rows.map(toItem), total };
}

type AgendaParams = { expertId: number; limit: number };

type AgendaPart = 'fresh' | 'seen' | 'answered';

/**
 * The three lists in one statement (one round trip on PostgreSQL instead of three), each its own
 * range of an index on (expert_id, status | question_state, id) with its own limit. "Waiting" is
 * two ranges merged here: as one OR condition SQLite walks every invitation the expert ever had
 * (4.9 ms vs 0.04 ms for the busiest expert in bench/main.ts).
 */
const agendaQuery = preparedQuery((db, p: AgendaParams) => {
  const part = (name: AgendaPart, narrow: (query: ReturnType<typeof invitationItems>) => ReturnType<typeof invitationItems>, freshTotal: RawBuilder<number | null>) =>
    db
      .selectFrom(
        narrow(invitationItems(db, p.expertId))
          .select([sql.lit(name).as('part'), freshTotal.as('fresh_total')])
          .orderBy('i.id', 'desc')
          .limit(p.limit)
          .as(name),
      )
      .selectAll();
  // How many new ones there are in all, with the new ones (counted once, on the index): the menu
  // says so when it shows only the newest.
  const freshCount = sql<number>`(${db
    .selectFrom('invitations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('expert_id', '=', p.expertId)
    .where('status', '=', 'new')})`;
  // Typed: PostgreSQL would take a bare null in a subquery for text, which a union with a count refuses.
  const none = sql<null>`cast(null as bigint)`;
  return part('fresh', (q) => q.where('i.status', '=', 'new'), freshCount)
    .unionAll(part('seen', (q) => q.where('i.status', '=', 'seen'), none))
    .unionAll(part('answered', (q) => q.where('i.status', '=', 'offered').where('i.question_state', '=', 'answered'), none));
});

/**
 * What My menu shows an expert: new invitations first, then the open ones waiting for their
 * action (opened but not answered, or with a question the customer has answered). One statement.
 */
export async function listExpertAgenda(db: Executor, expertId: number, limit: number): Promise<{ fresh: ExpertInvitationItem[]; waiting: ExpertInvitationItem[]; freshTotal: number }> {
  const rows = await agendaQuery.all(db, { expertId, limit });
  const fresh = rows.filter((r) => r.part === 'fresh').sort(newestFirst);
  const waiting = rows
    .filter((r) => r.part !== 'fresh')
    .sort(newestFirst)
    .slice(0, limit);
  return { fresh: fresh.map(toItem), waiting: waiting.map(toItem), freshTotal: Number(fresh[0]?.fresh_total ?? 0) };
}

const newestFirst = (a: { id: number }, b: { id: number }) => b.id - a.id;

/**
 * Open invitations of live inquiries whose deadline is within the reminder window and that
 * have not been reminded: the expert has neither offered nor declined.
 */
export async function listInvitationsToRemind(db: Executor, window: { now: string; until: string }, limit: number): Promise<(InvitationRow & { title: string; deadline_at: string })[]> {
  return db
    .selectFrom('invitations as i')
    .innerJoin('inquiries as q', 'q.id', 'i.inquiry_id')
    .selectAll('i')
    .select(['q.title', 'q.deadline_at'])
    .where('q.status', '=', 'open')
    .where('q.deadline_at', '>', window.now)
    .where('q.deadline_at', '<=', window.until)
    .where('i.status', 'in', ['new', 'seen'])
    .where('i.reminded_at', 'is', null)
    .orderBy('i.id')
    .limit(limit)
    .execute();
}

/** The open invitations (and their experts) of an inquiry: who still has a say in it. */
export async function listOpenInvitations(db: Executor, inquiryId: number): Promise<InvitationRow[]> {
  return db.selectFrom('invitations').selectAll().where('inquiry_id', '=', inquiryId).where('status', 'in', ['new', 'seen', 'offered']).orderBy('id').execute();
}

/** Sets the question state of an invitation's thread after a message: the expert asked (`waiting`) or the customer answered. */
export async function recordQuestionState(db: Executor, invitationId: number, state: 'waiting' | 'answered', now: string): Promise<void> {
  let query = db.updateTable('invitations').set({ question_state: state, updated_at: now }).where('id', '=', invitationId);
  // An answer only closes a question that was asked.
  if (state === 'answered') query = query.where('question_state', '=', 'waiting');
  await query.execute();
}

// ---- eligible experts ----

export type AvailableExpert = {
  id: number;
  displayName: string;
  photoFileId: number | null;
  priceLevel: number;
  ratingCount: number;
  ratingSum: number;
};

type AvailableExpertsParams = { fieldId: number; now: string; excludeUserId: number; limit: number };

/** The conditions of `listAvailableExperts`, for the prepared statements below. */
function availableExpertRows(db: Executor, p: AvailableExpertsParams) {
  return (
    db
      .selectFrom('expert_fields as ef')
      .innerJoin('expert_profiles as p', 'p.user_id', 'ef.expert_id')
      .innerJoin('users as u', 'u.id', 'p.user_id')
      .innerJoin('user_roles as r', (join) => join.onRef('r.user_id', '=', 'u.id').on('r.role', '=', 'expert'))
      .select(['p.user_id', 'p.display_name', 'p.photo_file_id', 'p.price_level', 'p.rating_count', 'p.rating_sum'])
      .where('ef.field_id', '=', p.fieldId)
      // `+`: start from the field's index entries, not from a profile index led by is_active (true
      // of nearly every profile), which SQLite would otherwise walk whole (10 ms → 2 ms at 10 000 experts).
      .where(sql<number>`+p.is_active`, '=', 1)
      .where('u.blocked_at', 'is', null)
      .where('u.id', '!=', p.excludeUserId)
      .where((eb) => eb.or([eb('p.is_on_leave', '=', 0), eb.and([eb('p.leave_until', 'is not', null), eb('p.leave_until', '<=', p.now)])]))
  );
}

const bestRatedFirst = <Q extends ReturnType<typeof availableExpertRows>>(query: Q, p: AvailableExpertsParams) =>
  query.orderBy('p.rating_score', 'desc').orderBy('p.rating_count', 'desc').orderBy('p.user_id').limit(p.limit);

const availableExpertsOfField = preparedQuery((db, p: AvailableExpertsParams) => bestRatedFirst(availableExpertRows(db, p), p));

const chosenAvailableExperts = preparedInList((db, ids: number[], p: AvailableExpertsParams) => bestRatedFirst(availableExpertRows(db, p).where('ef.expert_id', 'in', ids), p));

/**
 * Experts of a field who can take a new inquiry now: an active profile, the expert role, an
 * account that is not blocked, not on leave (a leave whose return day has come counts as ended
 * even before the sweep clears it). Best rated first; `excludeUserId` (the customer) left out;
 * `onlyIds`: only those of these experts (the ones a customer chose).
 */
export async function listAvailableExperts(
  db: Executor,
  fieldId: number,
  options: { now: string; excludeUserId: number; limit: number; onlyIds?: readonly number[] },
): Promise<AvailableExpert[]> {
  if (options.onlyIds?.length === 0) return [];
  const params = { fieldId, now: options.now, excludeUserId: options.excludeUserId, limit: options.limit };
  const rows = options.onlyIds ? await chosenAvailableExperts(db, options.onlyIds, params) : await availableExpertsOfField.all(db, params);
  return rows.map((r) => ({
    id: r.user_id,
    displayName: r.display_name,
    photoFileId: r.photo_file_id,
    priceLevel: r.price_level,
    ratingCount: r.rating_count,
    ratingSum: r.rating_sum,
  }));
}

// ---- offers ----

export async function findOfferById(db: Executor, id: number): Promise<OfferRow | undefined> {
  return db.selectFrom('offers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findOfferOfInvitation(db: Executor, invitationId: number): Promise<OfferRow | undefined> {
  return db.selectFrom('offers').selectAll().where('invitation_id', '=', invitationId).executeTakeFirst();
}

export const insertOffer = preparedInsertReturningId('offers');

export const updateOffer = preparedUpdateById('offers');

/** The same change to several offers, in one statement. */
export async function updateOffers(db: Executor, ids: readonly number[], changes: Updateable<OffersTable>): Promise<void> {
  if (ids.length > 0) await db.updateTable('offers').set(changes).where('id', 'in', ids).execute();
}

/** An inquiry's offers of the given statuses, cheapest first; key: the statuses, comma-separated. */
const offersOfInquiry = preparedShapes((statuses: string) => (db: Executor, p: { inquiryId: number }) =>
  db
    .selectFrom('offers')
    .selectAll()
    .where('inquiry_id', '=', p.inquiryId)
    .where('status', 'in', statuses.split(',') as OfferStatus[])
    .orderBy('price_cents')
    .orderBy('id'),
);

export async function listOffersOfInquiry(db: Executor, inquiryId: number, statuses: readonly OfferStatus[]): Promise<OfferRow[]> {
  return offersOfInquiry(statuses.join(',')).all(db, { inquiryId });
}

/**
 * Active offers of open inquiries whose validity has ended, a batch at a time. An inquiry being
 * paid for is `ordered`: its offers are left alone until the payment ends one way or the other.
 */
export async function listLapsedOffers(db: Executor, now: string, limit: number): Promise<OfferRow[]> {
  return db
    .selectFrom('offers as o')
    .innerJoin('inquiries as q', 'q.id', 'o.inquiry_id')
    .selectAll('o')
    .where('o.status', '=', 'active')
    .where('o.expires_at', '<=', now)
    .where('q.status', '=', 'open')
    .orderBy('o.expires_at')
    .limit(limit)
    .execute();
}

/** Every offer of an inquiry that is still active (to close them when one is ordered). */
export async function listActiveOffers(db: Executor, inquiryId: number): Promise<OfferRow[]> {
  return db.selectFrom('offers').selectAll().where('inquiry_id', '=', inquiryId).where('status', '=', 'active').execute();
}
