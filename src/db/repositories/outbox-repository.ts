import { PostgresAdapter } from 'kysely';
import type { OutboxEmailRow } from '../schema.js';
import type { Executor } from './user-repository.js';
import { preparedInsert } from '../prepared.js';

export const insertOutboxEmails = preparedInsert('outbox_emails');

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
 * Claims up to `limit` due e-mails for one worker by setting a lease (`locked_until`), in one
 * statement, so each row goes to exactly one worker. On PostgreSQL the candidates are picked
 * with FOR UPDATE SKIP LOCKED: concurrent workers skip each other's rows instead of queueing
 * on them, and a row claimed meanwhile is re-checked against the WHERE (READ COMMITTED) and
 * dropped. SQLite runs one writing statement at a time, which gives the same guarantee.
 */
export async function claimDueEmails(db: Executor, now: string, leaseUntil: string, limit: number): Promise<OutboxEmailRow[]> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  let candidates = db
    .selectFrom('outbox_emails')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(limit);
  if (isPostgres) candidates = candidates.forUpdate().skipLocked();
  const claimed = await db
    .updateTable('outbox_emails')
    .set({ locked_until: leaseUntil })
    .where('id', 'in', candidates)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .returningAll()
    .execute();
  // RETURNING has no order of its own: oldest due first, as selected.
  return claimed.sort((a, b) => a.next_attempt_at.localeCompare(b.next_attempt_at) || a.id - b.id);
}

/** Gives back a claimed e-mail not tried (a stopping worker, a lease about to run out); only while the lease is still ours. */
export async function releaseEmailLease(db: Executor, id: number, leaseUntil: string): Promise<void> {
  await db.updateTable('outbox_emails').set({ locked_until: null }).where('id', '=', id).where('locked_until', '=', leaseUntil).execute();
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
