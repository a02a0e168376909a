import { iso, isoPlus } from '../adapters/clock.js';
import { hashToken, randomToken } from '../adapters/tokens.js';
import { deleteSession, findSessionWithUser, insertSession, touchSession } from '../db/repositories/session-repository.js';
import type { Executor } from '../db/repositories/user-repository.js';
import type { Actor } from '../domain/roles.js';
import type { Deps } from './deps.js';

/** How stale `last_seen_at` may get before a request refreshes it (saves a write per request). */
const touchIntervalMs = 60_000;

/**
 * A live session: who is signed in, their mailbox's unread count for the page header, and the
 * database's data version read with them (a page kept at the same version is still current).
 */
export type SessionInfo = { idHash: string; actor: Actor; unreadCount: number; dataVersion: string };

/** Starts a session: a new 128-bit random id, of which the database keeps only the hash. */
export async function createSession(
  db: Executor,
  deps: Pick<Deps, 'clock' | 'session'>,
  input: { userId: number; ip: string | null; userAgent: string | null },
): Promise<string> {
  const now = deps.clock.now();
  const id = randomToken(16);
  await insertSession(db, {
    id_hash: hashToken(id),
    user_id: input.userId,
    created_at: iso(now),
    last_seen_at: iso(now),
    expires_at: isoPlus(now, deps.session.absoluteMs),
    ip: input.ip?.slice(0, 64) ?? null,
    user_agent: input.userAgent?.slice(0, 300) ?? null,
  });
  return id;
}

/**
 * The signed-in actor behind a session cookie, or undefined when the session is unknown,
 * idle too long, past its absolute expiry, or its user is blocked (then it is also ended).
 */
export async function resolveSession(deps: Pick<Deps, 'db' | 'clock' | 'session'>, sessionId: string): Promise<SessionInfo | undefined> {
  const idHash = hashToken(sessionId);
  const session = await findSessionWithUser(deps.db, idHash);
  if (!session) return undefined;
  const now = deps.clock.now();
  // Compared as instants: the stored times are ISO strings, and parsing two is cheaper than
  // writing two new ones for every request.
  const nowMs = now.getTime();
  const lastSeenMs = Date.parse(session.last_seen_at);
  if (session.blocked_at !== null || Date.parse(session.expires_at) <= nowMs || lastSeenMs <= nowMs - deps.session.idleMs) {
    await deleteSession(deps.db, idHash);
    return undefined;
  }
  if (nowMs - lastSeenMs > touchIntervalMs) {
    // Bookkeeping only: when it cannot be written (a full disk answers SQLITE_FULL) the page is
    // still shown, and the next request tries again. Otherwise every signed-in page would fail.
    await touchSession(deps.db, idHash, iso(now)).catch(() => undefined);
  }
  return {
    idHash,
    actor: { id: session.user_id, name: session.name, email: session.email, locale: session.locale, roles: session.roles },
    unreadCount: session.unread,
    dataVersion: session.data_version,
  };
}

/** Ends a session on the server: the cookie is worthless afterwards. */
export async function endSession(deps: Pick<Deps, 'db'>, idHash: string): Promise<void> {
  await deleteSession(deps.db, idHash);
}
