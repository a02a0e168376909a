import { iso } from '../adapters/clock.js';
import { retireAccountTokens } from '../db/repositories/account-token-repository.js';
import { deleteUserSessions } from '../db/repositories/session-repository.js';
import { findUserByEmail, getUserById, setLocale, updateUser } from '../db/repositories/user-repository.js';
import { normaliseEmail } from '../domain/email-address.js';
import { DomainError } from '../domain/errors.js';
import { checkNewPassword } from '../domain/password-policy.js';
import type { Actor, Locale } from '../domain/roles.js';
import { issueAccountToken, peekAccountToken, redeemAccountToken } from './account-tokens.js';
import { queueAccountEmail } from './account-emails.js';
import { notify } from './notify.js';
import type { Deps } from './deps.js';
import { countAttempt, emailRequestRules, requireUnderLimit, resetAttempts, takeAttempt, type RateRule } from './rate-limits.js';
import { isUniqueViolation } from '../db/errors.js';

/** Changes the name and phone the account shows (contact data stays private until an order is paid). */
export async function updateProfile(deps: Deps, actor: Actor, input: { name: string; phone: string | null }): Promise<void> {
  await updateUser(deps.db, actor.id, { name: input.name, phone: input.phone, updated_at: iso(deps.clock.now()) });
}

/** Remembers the language the user chose for pages and e-mails. */
export async function changeLocale(deps: Deps, actor: Actor, locale: Locale): Promise<void> {
  await setLocale(deps.db, actor.id, locale, iso(deps.clock.now()));
}

function reauthRule(deps: Pick<Deps, 'login'>, actor: Actor): RateRule {
  return { key: `reauth:${actor.id}`, max: deps.login.maxFailuresPerAccount, windowMs: deps.login.windowMs };
}

/** Re-authentication before a sensitive change: the current password, rate-limited like login. */
export async function requireCurrentPassword(deps: Deps, actor: Actor, password: string): Promise<void> {
  const rule = reauthRule(deps, actor);
  await requireUnderLimit(deps, [rule]);
  const user = await getUserById(deps.db, actor.id);
  if (!(await deps.hasher.verify(password, user.password_hash))) {
    await countAttempt(deps, [rule]);
    throw new DomainError('REAUTH_FAILED');
  }
  await resetAttempts(deps, rule.key);
}

/** Changes the password after re-authentication and ends every other session of the account. */
export async function changePassword(
  deps: Deps,
  actor: Actor,
  input: { currentPassword: string; newPassword: string; keepSessionIdHash: string },
): Promise<void> {
  await requireCurrentPassword(deps, actor, input.currentPassword);
  const problem = checkNewPassword(input.newPassword, { email: actor.email, isCommon: deps.isCommonPassword });
  if (problem) throw new DomainError('VALIDATION', { fields: { newPassword: problem } });
  const passwordHash = await deps.hasher.hash(input.newPassword);
  await deps.db.transaction().execute(async (trx) => {
    await updateUser(trx, actor.id, { password_hash: passwordHash, updated_at: iso(deps.clock.now()) });
    await deleteUserSessions(trx, actor.id, input.keepSessionIdHash);
    // A reset link sent before the change must not undo it.
    await retireAccountTokens(trx, actor.id, 'reset_password', iso(deps.clock.now()));
    await notify(trx, deps, { recipientId: actor.id, kind: 'passwordChanged', link: '/account' });
  });
}

/**
 * Starts an e-mail change after re-authentication: a link goes to the new address, and the
 * address changes only when it is used. A taken address gets no link, and the answer is the same.
 */
export async function requestEmailChange(
  deps: Deps,
  actor: Actor,
  input: { currentPassword: string; newEmail: string; ip: string },
): Promise<{ newEmail: string }> {
  await requireCurrentPassword(deps, actor, input.currentPassword);
  const newEmail = normaliseEmail(input.newEmail);
  if (newEmail === actor.email) throw new DomainError('VALIDATION', { fields: { newEmail: 'sameEmail' } });
  // The link goes to any address the user types: limited like every e-mail sent on request.
  await takeAttempt(deps, emailRequestRules(input.ip));
  await deps.db.transaction().execute(async (trx) => {
    if (await findUserByEmail(trx, newEmail)) return;
    const token = await issueAccountToken(trx, deps, actor.id, 'change_email', newEmail);
    await queueAccountEmail(
      trx,
      deps,
      { email: newEmail, name: actor.name, locale: actor.locale },
      {
        subjectKey: 'email.changeEmailSubject',
        bodyKey: 'email.changeEmailBody',
        action: { labelKey: 'email.changeEmailAction', path: `/account/email/confirm?token=${token}` },
      },
    );
  });
  return { newEmail };
}

/** The address an e-mail change link would set (for its confirmation page). */
export async function peekEmailChange(deps: Deps, token: string): Promise<{ newEmail: string }> {
  const row = await peekAccountToken(deps.db, deps, token, 'change_email');
  return { newEmail: row.new_email ?? '' };
}

/** Uses an e-mail change link: the account's address becomes the new one; the old one is told. */
export async function confirmEmailChange(deps: Deps, token: string): Promise<void> {
  try {
    await deps.db.transaction().execute(async (trx) => {
      const row = await redeemAccountToken(trx, deps, token, 'change_email');
      const user = await getUserById(trx, row.user_id);
      const newEmail = row.new_email;
      if (!newEmail) throw new DomainError('TOKEN_INVALID');
      if (await findUserByEmail(trx, newEmail)) throw new DomainError('EMAIL_TAKEN');
      const now = iso(deps.clock.now());
      await updateUser(trx, user.id, { email: newEmail, email_verified_at: now, updated_at: now });
      // Links sent to the old address stop working with it.
      await retireAccountTokens(trx, user.id, 'reset_password', now);
      // The e-mail copy goes to the old address: its owner is the one to warn.
      await notify(trx, deps, { recipientId: user.id, kind: 'emailChanged', params: { email: newEmail }, link: '/account', emailAddress: user.email });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('EMAIL_TAKEN');
    throw error;
  }
}
