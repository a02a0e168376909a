import type { AccountTokenRow, AccountTokensTable } from '../schema.js';
import type { Insertable } from 'kysely';
import type { Executor } from './user-repository.js';

export async function insertAccountToken(db: Executor, token: Insertable<AccountTokensTable>): Promise<void> {
  await db.insertInto('account_tokens').values(token).execute();
}

export async function findAccountToken(db: Executor, tokenHash: string): Promise<AccountTokenRow | undefined> {
  return db.selectFrom('account_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/**
 * Marks a token used, only if it still is unused: returns false when another request
 * consumed it first, which makes every single-use link safe under double clicks.
 */
export async function consumeAccountToken(db: Executor, id: number, now: string): Promise<boolean> {
  const result = await db
    .updateTable('account_tokens')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Retires a user's open tokens of one purpose (a new link replaces the old ones). */
export async function retireAccountTokens(
  db: Executor,
  userId: number,
  purpose: AccountTokenRow['purpose'],
  now: string,
): Promise<void> {
  await db
    .updateTable('account_tokens')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .execute();
}
