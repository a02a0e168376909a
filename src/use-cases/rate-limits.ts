import { iso, isoPlus } from '../adapters/clock.js';
import { clearRateCount, incrementRateCount, readRateCount } from '../db/repositories/rate-limit-repository.js';
import { DomainError } from '../domain/errors.js';
import type { Deps } from './deps.js';

export type RateRule = { key: string; max: number; windowMs: number };

/** Refuses with RATE_LIMITED when any rule's count has reached its maximum. */
export async function requireUnderLimit(deps: Pick<Deps, 'db' | 'clock'>, rules: RateRule[]): Promise<void> {
  const now = deps.clock.now();
  for (const rule of rules) {
    const window = await readRateCount(deps.db, rule.key, iso(now));
    if (window && window.count >= rule.max) {
      const msLeft = new Date(window.windowEndsAt).getTime() - now.getTime();
      throw new DomainError('RATE_LIMITED', { minutes: Math.max(1, Math.ceil(msLeft / 60_000)) });
    }
  }
}

/** Counts one more attempt against every rule. */
export async function countAttempt(deps: Pick<Deps, 'db' | 'clock'>, rules: RateRule[]): Promise<void> {
  const now = deps.clock.now();
  for (const rule of rules) {
    await incrementRateCount(deps.db, rule.key, iso(now), isoPlus(now, rule.windowMs));
  }
}

/** Checks the limit and counts this attempt: for actions limited by volume, not by failure. */
export async function takeAttempt(deps: Pick<Deps, 'db' | 'clock'>, rules: RateRule[]): Promise<void> {
  await requireUnderLimit(deps, rules);
  await countAttempt(deps, rules);
}

export async function resetAttempts(deps: Pick<Deps, 'db'>, key: string): Promise<void> {
  await clearRateCount(deps.db, key);
}

/** Rules for e-mails sent on request (registration, password reset, resent links, e-mail change links), per address. */
export function emailRequestRules(ip: string): RateRule[] {
  return [{ key: `mail-request:ip:${ip}`, max: 10, windowMs: 60 * 60_000 }];
}
