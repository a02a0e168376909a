import { iso } from '../adapters/clock.js';
import { isUniqueViolation } from '../db/errors.js';
import { findUserByEmail, insertUser } from '../db/repositories/user-repository.js';
import { normaliseEmail } from '../domain/email-address.js';
import { DomainError } from '../domain/errors.js';
import { checkNewPassword } from '../domain/password-policy.js';
import type { Locale } from '../domain/roles.js';
import { queueAccountEmail } from './account-emails.js';
import type { Deps } from './deps.js';
import { sendVerificationLink } from './verify-email.js';
import { emailRequestRules, takeAttempt } from './rate-limits.js';

export type RegisterInput = {
  name: string;
  email: string;
  phone: string | null;
  password: string;
  locale: Locale;
  ip: string;
};

/**
 * Registers an account and sends the verification link. The answer is the same whether or
 * not the address was free, so registration cannot be used to find out who has an account:
 * an existing owner gets a notice instead (or a fresh link if they never verified).
 */
export async function registerUser(deps: Deps, input: RegisterInput): Promise<void> {
  const email = normaliseEmail(input.email);
  const problem = checkNewPassword(input.password, { email, isCommon: deps.isCommonPassword });
  if (problem) throw new DomainError('VALIDATION', { fields: { password: problem } });

  await takeAttempt(deps, emailRequestRules(input.ip));
  const passwordHash = await deps.hasher.hash(input.password);

  try {
    await deps.db.transaction().execute(async (trx) => {
      const now = iso(deps.clock.now());
      const existing = await findUserByEmail(trx, email);
      if (existing) {
        if (existing.email_verified_at === null) {
          await sendVerificationLink(trx, deps, existing);
        } else {
          await queueAccountEmail(trx, deps, existing, {
            subjectKey: 'email.alreadyRegisteredSubject',
            bodyKey: 'email.alreadyRegisteredBody',
            action: { labelKey: 'email.alreadyRegisteredAction', path: '/password/forgot' },
          });
        }
        return;
      }
      const user = await insertUser(trx, {
        email,
        email_verified_at: null,
        name: input.name,
        phone: input.phone,
        password_hash: passwordHash,
        locale: input.locale,
        created_at: now,
        updated_at: now,
        blocked_at: null,
      });
      await sendVerificationLink(trx, deps, user);
    });
  } catch (error) {
    // Two registrations of one address at the same moment: the unique index lets one win;
    // the other answers exactly as for a taken address.
    if (isUniqueViolation(error)) return;
    throw error;
  }
}
