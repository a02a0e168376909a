import { sql } from 'kysely';
import { containsPattern } from './like-pattern.js';
import type { Executor } from './user-repository.js';

/** What still ties a person to others and must end before their account can be deleted. */
export type DeletionBlockers = { liveOrders: number; openInquiries: number; activeOffers: number; pendingInvitations: number };

export async function countDeletionBlockers(db: Executor, userId: number): Promise<DeletionBlockers> {
  const count = (n: { n: number | string | bigint } | undefined) => Number(n?.n ?? 0);
  const [orders, inquiries, offers, invitations] = await Promise.all([
    db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => eb.or([eb('customer_id', '=', userId), eb('expert_id', '=', userId)]))
      .where('status', 'in', ['awaiting_payment', 'in_progress', 'delivered', 'disputed'])
      .executeTakeFirst(),
    db
      .selectFrom('inquiries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('customer_id', '=', userId)
      .where('status', 'in', ['triage', 'open'])
      .executeTakeFirst(),
    db.selectFrom('offers').select((eb) => eb.fn.countAll<number>().as('n')).where('expert_id', '=', userId).where('status', '=', 'active').executeTakeFirst(),
    db
      .selectFrom('invitations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('expert_id', '=', userId)
      .where('status', 'in', ['new', 'seen'])
      .executeTakeFirst(),
  ]);
  return { liveOrders: count(orders), openInquiries: count(inquiries), activeOffers: count(offers), pendingInvitations: count(invitations) };
}

/**
 * Everything the portal holds about one person, for their data export (GDPR art. 15 and 20):
 * what they gave, what they wrote, and what happened to it. Other people's private data (a
 * counterpart's contact data, other experts' offers) is not part of it.
 */
export async function collectPersonalData(db: Executor, userId: number) {
  const [
    account,
    roles,
    emailPreferences,
    sessions,
    expertProfile,
    expertFields,
    expertLanguages,
    applications,
    inquiries,
    invitations,
    offers,
    orders,
    deliveries,
    reviewsWritten,
    reviewsReceived,
    disputes,
    messages,
    notices,
    files,
  ] = await Promise.all([
    db
      .selectFrom('users')
      .select(['id', 'name', 'email', 'phone', 'locale', 'email_verified_at', 'created_at', 'updated_at', 'blocked_at'])
      .where('id', '=', userId)
      .executeTakeFirstOrThrow(),
    db.selectFrom('user_roles').select(['role', 'granted_at']).where('user_id', '=', userId).execute(),
    db.selectFrom('email_preferences').select(['category', 'is_enabled']).where('user_id', '=', userId).execute(),
    db.selectFrom('sessions').select(['created_at', 'last_seen_at', 'expires_at', 'ip', 'user_agent']).where('user_id', '=', userId).execute(),
    db
      .selectFrom('expert_profiles')
      .select(['display_name', 'qualifications', 'bio', 'price_level', 'is_on_leave', 'leave_until', 'is_active', 'rating_count', 'rating_sum', 'approved_at', 'updated_at'])
      .where('user_id', '=', userId)
      .executeTakeFirst(),
    db.selectFrom('expert_fields').select('field_id').where('expert_id', '=', userId).execute(),
    db.selectFrom('expert_languages').select('language').where('expert_id', '=', userId).execute(),
    db
      .selectFrom('expert_applications')
      .select([
        'id',
        'status',
        'applicant_kind',
        'full_name',
        'personal_id_code',
        'organisation_name',
        'registry_code',
        'contact_person',
        'qualifications',
        'bio',
        'languages',
        'price_level',
        'applicant_note',
        'review_note',
        'reviewed_at',
        'submitted_at',
        'created_at',
      ])
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('inquiries')
      .select(['id', 'kind', 'is_general', 'field_id', 'document_type_id', 'purpose', 'title', 'description', 'language', 'status', 'deadline_at', 'wished_by', 'created_at', 'closed_at'])
      .where('customer_id', '=', userId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('invitations')
      .select(['id', 'inquiry_id', 'status', 'decline_reason', 'decline_note', 'seen_at', 'responded_at', 'created_at'])
      .where('expert_id', '=', userId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('offers')
      .select(['id', 'inquiry_id', 'status', 'price_cents', 'delivery_date', 'note', 'valid_until', 'created_at', 'updated_at'])
      .where('expert_id', '=', userId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('orders')
      .select(['id', 'inquiry_id', 'customer_id', 'expert_id', 'amount_cents', 'status', 'paid_at', 'delivered_at', 'accepted_at', 'cancelled_at', 'created_at'])
      .where((eb) => eb.or([eb('customer_id', '=', userId), eb('expert_id', '=', userId)]))
      .orderBy('id')
      .execute(),
    db.selectFrom('deliveries').select(['id', 'order_id', 'body', 'created_at']).where('expert_id', '=', userId).orderBy('id').execute(),
    db.selectFrom('reviews').select(['order_id', 'stars', 'comment', 'reply', 'created_at']).where('customer_id', '=', userId).orderBy('id').execute(),
    db.selectFrom('reviews').select(['order_id', 'stars', 'comment', 'reply', 'created_at']).where('expert_id', '=', userId).orderBy('id').execute(),
    db.selectFrom('disputes').select(['id', 'order_id', 'reason', 'status', 'resolution', 'created_at', 'resolved_at']).where('opened_by', '=', userId).orderBy('id').execute(),
    db
      .selectFrom('messages as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .select(['m.id', 'm.conversation_id', 'c.subject', 'm.body', 'm.created_at'])
      .where('m.sender_id', '=', userId)
      .orderBy('m.id')
      .execute(),
    db.selectFrom('notices').select(['kind', 'params', 'link', 'created_at', 'read_at']).where('user_id', '=', userId).orderBy('id').execute(),
    db.selectFrom('files').select(['id', 'original_name', 'content_type', 'size_bytes', 'created_at']).where('uploaded_by', '=', userId).orderBy('id').execute(),
  ]);
  return {
    account,
    roles,
    emailPreferences,
    sessions,
    expertProfile: expertProfile ? { ...expertProfile, fieldIds: expertFields.map((f) => f.field_id), languages: expertLanguages.map((l) => l.language) } : null,
    expertApplications: applications,
    inquiries,
    invitations,
    offers,
    orders,
    deliveries,
    reviewsWritten,
    reviewsReceived,
    disputesOpened: disputes,
    messagesSent: messages,
    notices: notices.map((n) => ({ ...n, params: withoutOthersNames(n.kind, JSON.parse(n.params) as Record<string, unknown>) })),
    filesUploaded: files,
  };
}

export type PersonalData = Awaited<ReturnType<typeof collectPersonalData>>;

/**
 * Notice parameters that name another private person, by notice kind: an export holds nothing
 * private of anyone else (decision 013), and staff's "new expert application" notices name the
 * applicant. Experts' display names (offers, declines) are public and stay.
 */
const othersNamesInNotices: Readonly<Record<string, readonly string[]>> = { expertApplicationSubmitted: ['name'] };

function withoutOthersNames(kind: string, params: Record<string, unknown>): Record<string, unknown> {
  const names = othersNamesInNotices[kind];
  return names ? Object.fromEntries(Object.entries(params).filter(([key]) => !names.includes(key))) : params;
}

/** Files only this person's own records use (their inquiries and profile photos), to remove with the account. */
export async function listPrivateFileKeys(db: Executor, userId: number): Promise<{ id: number; storage_key: string }[]> {
  return db
    .selectFrom('files')
    .select(['id', 'storage_key'])
    .where('uploaded_by', '=', userId)
    .where((eb) =>
      eb.or([
        eb('id', 'in', eb.selectFrom('inquiry_files').innerJoin('inquiries', 'inquiries.id', 'inquiry_files.inquiry_id').select('inquiry_files.file_id').where('inquiries.customer_id', '=', userId)),
        eb('id', 'in', eb.selectFrom('expert_profiles').select('photo_file_id').where('user_id', '=', userId).where('photo_file_id', 'is not', null)),
        eb('id', 'in', eb.selectFrom('expert_applications').select('photo_file_id').where('user_id', '=', userId).where('photo_file_id', 'is not', null)),
      ]),
    )
    .execute();
}

/**
 * Removes a person's identity and private texts while keeping the rows others' records and the
 * ledger point at (decision 013): the account row stays with a placeholder name and an address
 * that can never receive mail or log in; messages and deliveries exchanged with others stay.
 */
export async function anonymiseUser(
  trx: Executor,
  userId: number,
  input: { at: string; placeholderName: string; redactedEmail: string; fileIds: number[] },
): Promise<boolean> {
  const { at, placeholderName, fileIds } = input;
  // Claims the deletion first: a second request at the same moment finds it done and does nothing.
  const claimed = await trx.updateTable('users').set({ deleted_at: at }).where('id', '=', userId).where('deleted_at', 'is', null).executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) return false;
  const user = await trx.selectFrom('users').select(['email', 'name']).where('id', '=', userId).executeTakeFirstOrThrow();
  const profile = await trx.selectFrom('expert_profiles').select('display_name').where('user_id', '=', userId).executeTakeFirst();
  const inquiries = await trx.selectFrom('inquiries').select(['id', 'title']).where('customer_id', '=', userId).execute();
  const needles = [...new Set([user.name, profile?.display_name ?? '', ...inquiries.map((i) => i.title)])].filter((n) => n.trim().length >= 3);
  await forgetInOthersRecords(trx, userId, { email: user.email, needles, inquiryIds: inquiries.map((i) => i.id), placeholderName, redactedEmail: input.redactedEmail });
  await trx
    .updateTable('users')
    .set({
      name: placeholderName,
      email: `deleted-${userId}@deleted.invalid`,
      email_verified_at: null,
      phone: null,
      password_hash: '!deleted',
      blocked_at: at,
      deleted_at: at,
      updated_at: at,
    })
    .where('id', '=', userId)
    .execute();
  await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
  await trx.deleteFrom('account_tokens').where('user_id', '=', userId).execute();
  await trx.deleteFrom('email_preferences').where('user_id', '=', userId).execute();
  await trx.deleteFrom('notices').where('user_id', '=', userId).execute();
  await trx.deleteFrom('user_roles').where('user_id', '=', userId).where('role', 'in', ['moderator', 'admin']).execute();
  await trx
    .updateTable('expert_profiles')
    .set({ display_name: placeholderName, organisation_id: null, qualifications: '', bio: '', photo_file_id: null, is_active: 0, search_text: '', updated_at: at })
    .where('user_id', '=', userId)
    .execute();
  await trx
    .updateTable('expert_applications')
    .set({
      full_name: null,
      personal_id_code: null,
      organisation_name: null,
      registry_code: null,
      contact_person: null,
      qualifications: '',
      bio: '',
      photo_file_id: null,
      applicant_note: null,
      updated_at: at,
    })
    .where('user_id', '=', userId)
    .execute();
  // The inquiries' stories are the most sensitive thing a person leaves here: only the
  // bare facts (kind, dates, status) stay for the experts' and the accounts' records.
  await trx
    .updateTable('inquiries')
    .set({ title: placeholderName, description: '', purpose: null, wished_by: null, updated_at: at })
    .where('customer_id', '=', userId)
    .execute();
  if (fileIds.length > 0) {
    await trx.deleteFrom('inquiry_files').where('file_id', 'in', fileIds).execute();
    await trx.deleteFrom('files').where('id', 'in', fileIds).execute();
  }
  await trx.updateTable('reviews').set({ comment: null, updated_at: at }).where('customer_id', '=', userId).execute();
  return true;
}

/**
 * Others keep their rows but lose the person's name and inquiry titles: the threads about the
 * person's inquiries are renamed, others' notices have every parameter that is exactly such a
 * name or title replaced (never a part of a longer word), and e-mails that mention one are
 * redacted (one pass over the outbox for all names at once). E-mails to the person go.
 */
async function forgetInOthersRecords(
  trx: Executor,
  userId: number,
  input: { email: string; needles: string[]; inquiryIds: number[]; placeholderName: string; redactedEmail: string },
): Promise<void> {
  const { needles, placeholderName } = input;
  await trx.deleteFrom('outbox_emails').where('to_address', '=', input.email).execute();
  if (input.inquiryIds.length > 0) {
    await trx
      .updateTable('conversations')
      .set({ subject: placeholderName })
      .where('context_type', '=', 'invitation')
      .where('context_id', 'in', trx.selectFrom('invitations').select('id').where('inquiry_id', 'in', input.inquiryIds))
      .execute();
  }
  if (needles.length === 0) return;
  const exact = new Set(needles);
  const notices = await trx
    .selectFrom('notices')
    .select(['id', 'params'])
    .where('user_id', '!=', userId)
    .where((eb) => eb.or(needles.map((n) => sql<boolean>`${eb.ref('params')} like ${containsPattern(JSON.stringify(n).slice(1, -1))} escape '\\'`)))
    .execute();
  for (const notice of notices) {
    const params = JSON.parse(notice.params) as Record<string, unknown>;
    let isChanged = false;
    for (const [key, value] of Object.entries(params)) {
      if (typeof value === 'string' && exact.has(value)) {
        params[key] = placeholderName;
        isChanged = true;
      }
    }
    if (isChanged) await trx.updateTable('notices').set({ params: JSON.stringify(params) }).where('id', '=', notice.id).execute();
  }
  await trx
    .updateTable('outbox_emails')
    .set({ subject: input.redactedEmail, text_body: input.redactedEmail, html_body: `<p>${input.redactedEmail}</p>` })
    .where((eb) => eb.or(needles.flatMap((n) => [sql<boolean>`${eb.ref('subject')} like ${containsPattern(n)} escape '\\'`, sql<boolean>`${eb.ref('text_body')} like ${containsPattern(n)} escape '\\'`])))
    .execute();
}
