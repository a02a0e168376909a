import { iso } from '../adapters/clock.js';
import { deleteUserSessions } from '../db/repositories/session-repository.js';
import { findUserByEmail, getUserById, updateUser } from '../db/repositories/user-repository.js';
import { normaliseEmail } from '../domain/email-address.js';
import { DomainError } from '../domain/errors.js';
import { checkNewPassword } from '../domain/password-policy.js';
import { issueAccountToken, peekAccountToken, redeemAccountToken } from './account-tokens.js';
import { queueAccountEmail } from './account-emails.js';
import { notify } from './notify.js';
import type { Deps } from './deps.js';
import { emailRequestRules, takeAttempt } from './rate-limits.js';

/** Sends a password link if an active account uses the address; says nothing either way. */
export async function requestPasswordReset(deps: Deps, input: { email: string; ip: string }): Promise<void> {
  await takeAttempt(deps, emailRequestRules(input.ip));
  const email = normaliseEmail(input.email);
  await deps.db.transaction().execute(async (trx) => {
    const user = await findUserByEmail(trx, email);
    if (!user || user.blocked_at !== null) return;
    const token = await issueAccountToken(trx, deps, user.id, 'reset_password');
    await queueAccountEmail(trx, deps, user, {
      subjectKey: 'email.resetSubject',
      bodyKey: 'email.resetBody',
      action: { labelKey: 'email.resetAction', path: `/password/reset?token=${token}` },
    });
  });
}

/** Throws TOKEN_INVALID or TOKEN_EXPIRED when a reset link cannot be used (for the form page). */
export async function checkPasswordResetToken(deps: Deps, token: string): Promise<void> {
  await peekAccountToken(deps.db, deps, token, 'reset_password');
}

/**
 * Sets a new password through a reset link: the link is used up, every session of the account
 * ends, and the address counts as verified (the link proved the person reads that mailbox).
 */
export async function resetPassword(deps: Deps, input: { token: string; password: string }): Promise<void> {
  const peeked = await peekAccountToken(deps.db, deps, input.token, 'reset_password');
  const owner = await getUserById(deps.db, peeked.user_id);
  const problem = checkNewPassword(input.password, { email: owner.email, isCommon: deps.isCommonPassword });
  if (problem) throw new DomainError('VALIDATION', { fields: { password: problem } });
  const passwordHash = await deps.hasher.hash(input.password);

  await deps.db.transaction().execute(async (trx) => {
    const row = await redeemAccountToken(trx, deps, input.token, 'reset_password');
    const user = await getUserById(trx, row.user_id);
    const now = iso(deps.clock.now());
    await updateUser(trx, user.id, {
      password_hash: passwordHash,
      email_verified_at: user.email_verified_at ?? now,
      updated_at: now,
    });
    await deleteUserSessions(trx, user.id);
    await notify(trx, deps, { recipientId: user.id, kind: 'passwordChanged', link: '/login' });
  });
}
