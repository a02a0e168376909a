import type { Insertable } from 'kysely';
import type { OutboxEmailRow, OutboxEmailsTable } from '../schema.js';
import type { Executor } from './user-repository.js';

export async function insertOutboxEmail(db: Executor, email: Insertable<OutboxEmailsTable>): Promise<void> {
  await db.insertInto('outbox_emails').values(email).execute();
}

export async function findOutboxEmail(db: Executor, id: number): Promise<OutboxEmailRow | undefined> {
  return db.selectFrom('outbox_emails').selectAll().where('id', '=', id).executeTakeFirst();
}

export type OutboxListItem = Pick<
  OutboxEmailRow,
  'id' | 'to_address' | 'subject' | 'status' | 'attempts' | 'created_at' | 'sent_at' | 'last_error'
>;

/** A page of e-mails, newest first. */
export async function listOutboxEmails(
  db: Executor,
  options: { limit: number; offset: number },
): Promise<{ items: OutboxListItem[]; total: number }> {
  const [items, count] = await Promise.all([
    db
      .selectFrom('outbox_emails')
      .select(['id', 'to_address', 'subject', 'status', 'attempts', 'created_at', 'sent_at', 'last_error'])
      .orderBy('id', 'desc')
      .limit(options.limit)
      .offset(options.offset)
      .execute(),
    db.selectFrom('outbox_emails').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.n) };
}

/**
 * Claims up to `limit` due e-mails for one worker by setting a lease (`locked_until`).
 * The conditional update means two workers never hold the same row at once.
 */
export async function claimDueEmails(db: Executor, now: string, leaseUntil: string, limit: number): Promise<OutboxEmailRow[]> {
  const candidates = await db
    .selectFrom('outbox_emails')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
  const claimed: OutboxEmailRow[] = [];
  for (const { id } of candidates) {
    const row = await db
      .updateTable('outbox_emails')
      .set({ locked_until: leaseUntil })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .returningAll()
      .executeTakeFirst();
    if (row) claimed.push(row);
  }
  return claimed;
}

export async function markEmailSent(db: Executor, id: number, now: string): Promise<void> {
  await db
    .updateTable('outbox_emails')
    .set((eb) => ({ status: 'sent', sent_at: now, locked_until: null, last_error: null, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

export async function markEmailRetry(db: Executor, id: number, nextAttemptAt: string, error: string): Promise<void> {
  await db
    .updateTable('outbox_emails')
    .set((eb) => ({ next_attempt_at: nextAttemptAt, locked_until: null, last_error: error, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

export async function markEmailFailed(db: Executor, id: number, error: string): Promise<void> {
  await db
    .updateTable('outbox_emails')
    .set((eb) => ({ status: 'failed', locked_until: null, last_error: error, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .execute();
}
