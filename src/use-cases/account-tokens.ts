import { iso, isoPlus } from '../adapters/clock.js';
import { hashToken, randomToken } from '../adapters/tokens.js';
import {
  consumeAccountToken,
  findAccountToken,
  insertAccountToken,
  retireAccountTokens,
} from '../db/repositories/account-token-repository.js';
import type { Executor } from '../db/repositories/user-repository.js';
import type { AccountTokenRow } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { tokenLifetimeMs, type Deps } from './deps.js';

type Purpose = AccountTokenRow['purpose'];

/**
 * Issues a single-use link token for a user and retires their older ones of the same purpose.
 * Only the token's hash is stored; the raw token travels in the e-mail alone.
 */
export async function issueAccountToken(
  db: Executor,
  deps: Pick<Deps, 'clock'>,
  userId: number,
  purpose: Purpose,
  newEmail: string | null = null,
): Promise<string> {
  const now = deps.clock.now();
  await retireAccountTokens(db, userId, purpose, iso(now));
  const token = randomToken(32);
  await insertAccountToken(db, {
    user_id: userId,
    purpose,
    token_hash: hashToken(token),
    new_email: newEmail,
    created_at: iso(now),
    expires_at: isoPlus(now, tokenLifetimeMs[purpose]),
    used_at: null,
  });
  return token;
}

/** Looks a token up without using it (for the confirmation page a link opens). */
export async function peekAccountToken(
  db: Executor,
  deps: Pick<Deps, 'clock'>,
  token: string,
  purpose: Purpose,
): Promise<AccountTokenRow> {
  const row = await findAccountToken(db, hashToken(token));
  if (!row || row.purpose !== purpose || row.used_at !== null) throw new DomainError('TOKEN_INVALID');
  if (row.expires_at <= iso(deps.clock.now())) throw new DomainError('TOKEN_EXPIRED');
  return row;
}

/** Checks and uses a token in one step; a second use (even a concurrent one) is refused. */
export async function redeemAccountToken(
  db: Executor,
  deps: Pick<Deps, 'clock'>,
  token: string,
  purpose: Purpose,
): Promise<AccountTokenRow> {
  const row = await peekAccountToken(db, deps, token, purpose);
  const isMine = await consumeAccountToken(db, row.id, iso(deps.clock.now()));
  if (!isMine) throw new DomainError('TOKEN_INVALID');
  return row;
}
