import { iso } from '../adapters/clock.js';
import { findUserByEmail, getUserById, updateUser, type Executor } from '../db/repositories/user-repository.js';
import { normaliseEmail } from '../domain/email-address.js';
import type { Locale } from '../domain/roles.js';
import { issueAccountToken, redeemAccountToken } from './account-tokens.js';
import { queueAccountEmail } from './account-emails.js';
import type { Deps } from './deps.js';
import { emailRequestRules, takeAttempt } from './rate-limits.js';

/** Uses a verification link: the account's address counts as confirmed from now on. */
export async function verifyEmail(deps: Deps, token: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const row = await redeemAccountToken(trx, deps, token, 'verify_email');
    const user = await getUserById(trx, row.user_id);
    if (user.email_verified_at === null) {
      const now = iso(deps.clock.now());
      await updateUser(trx, user.id, { email_verified_at: now, updated_at: now });
    }
  });
}

/** Sends a fresh verification link to an unverified account; silent otherwise (no enumeration). */
export async function resendVerification(deps: Deps, input: { email: string; ip: string }): Promise<void> {
  await takeAttempt(deps, emailRequestRules(input.ip));
  const email = normaliseEmail(input.email);
  await deps.db.transaction().execute(async (trx) => {
    const user = await findUserByEmail(trx, email);
    if (!user || user.email_verified_at !== null || user.blocked_at !== null) return;
    await sendVerificationLink(trx, deps, user);
  });
}

/** Issues a new verification token for the account and queues the e-mail with its link (in the caller's transaction). */
export async function sendVerificationLink(
  trx: Executor,
  deps: Pick<Deps, 'clock' | 'publicUrl' | 'mail' | 'settings'>,
  user: { id: number; email: string; name: string; locale: Locale },
): Promise<void> {
  const token = await issueAccountToken(trx, deps, user.id, 'verify_email');
  await queueAccountEmail(trx, deps, user, {
    subjectKey: 'email.verifySubject',
    bodyKey: 'email.verifyBody',
    action: { labelKey: 'email.verifyAction', path: `/verify-email?token=${token}` },
  });
}
