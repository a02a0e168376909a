import { findUserByEmail } from '../db/repositories/user-repository.js';
import { normaliseEmail } from '../domain/email-address.js';
import { DomainError } from '../domain/errors.js';
import type { Deps } from './deps.js';
import { countAttempt, requireUnderLimit, resetAttempts, type RateRule } from './rate-limits.js';
import { createSession } from './sessions.js';

export type LogInInput = { email: string; password: string; ip: string; userAgent: string | null };

function loginRules(deps: Pick<Deps, 'login'>, email: string, ip: string): [RateRule, RateRule] {
  return [
    { key: `login:account:${email}`, max: deps.login.maxFailuresPerAccount, windowMs: deps.login.windowMs },
    { key: `login:ip:${ip}`, max: deps.login.maxFailuresPerAddress, windowMs: deps.login.windowMs },
  ];
}

/**
 * Checks e-mail and password and starts a new session (a fresh id: no session fixation).
 * Failures are counted per account and per address; an unknown address costs the same time
 * and gives the same answer as a wrong password.
 */
export async function logIn(deps: Deps, input: LogInInput): Promise<{ sessionId: string; userId: number }> {
  const email = normaliseEmail(input.email);
  const rules = loginRules(deps, email, input.ip);
  await requireUnderLimit(deps, rules);

  const user = await findUserByEmail(deps.db, email);
  const isMatch = user ? await deps.hasher.verify(input.password, user.password_hash) : (await deps.hasher.burn(input.password), false);
  if (!user || !isMatch) {
    await countAttempt(deps, rules);
    throw new DomainError('INVALID_CREDENTIALS');
  }
  if (user.blocked_at !== null) throw new DomainError('ACCOUNT_BLOCKED');
  if (user.email_verified_at === null) throw new DomainError('EMAIL_NOT_VERIFIED', { email });

  await resetAttempts(deps, rules[0].key);
  const sessionId = await createSession(deps.db, deps, { userId: user.id, ip: input.ip, userAgent: input.userAgent });
  return { sessionId, userId: user.id };
}
