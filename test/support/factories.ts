import { iso } from '../../src/adapters/clock.js';
import { grantRole, insertUser } from '../../src/db/repositories/user-repository.js';
import type { UserRow } from '../../src/db/schema.js';
import type { GrantableRole, Locale } from '../../src/domain/roles.js';
import type { Browser } from './browser.js';
import type { TestApp } from './test-app.js';

export const defaultPassword = 'a calm and long passphrase';

let sequence = 0;

export type UserOptions = {
  name?: string;
  email?: string;
  password?: string;
  phone?: string | null;
  locale?: Locale;
  isVerified?: boolean;
  roles?: GrantableRole[];
};

/** Creates a user directly in the database (verified unless told otherwise). */
export async function createUser(t: TestApp, options: UserOptions = {}): Promise<UserRow & { password: string }> {
  sequence += 1;
  const password = options.password ?? defaultPassword;
  const now = iso(t.clock.now());
  const user = await insertUser(t.deps.db, {
    email: options.email ?? `user${sequence}-${Math.random().toString(36).slice(2, 8)}@example.ee`,
    email_verified_at: options.isVerified === false ? null : now,
    name: options.name ?? `Test User ${sequence}`,
    phone: options.phone ?? null,
    password_hash: await t.deps.hasher.hash(password),
    locale: options.locale ?? 'et',
    created_at: now,
    updated_at: now,
    blocked_at: null,
  });
  for (const role of options.roles ?? []) await grantRole(t.deps.db, user.id, role, now);
  return { ...user, password };
}

/** Signs a browser in through the real login form; returns the page after the redirect. */
export async function loginAs(browser: Browser, user: { email: string; password: string }) {
  const response = await browser.post('/login', { email: user.email, password: user.password }, { formPage: '/login' });
  if (response.status !== 303) throw new Error(`login failed with ${response.status}`);
  return browser.follow(response);
}
