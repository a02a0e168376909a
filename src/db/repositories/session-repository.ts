import { sql } from 'kysely';
import type { GrantableRole } from '../../domain/roles.js';
import type { SessionRow } from '../schema.js';
import { dataVersion } from '../data-version.js';
import { preparedQuery } from '../prepared.js';
import type { Executor } from './user-repository.js';

export async function insertSession(db: Executor, session: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

export type SessionWithUser = SessionRow & {
  name: string;
  email: string;
  locale: 'et' | 'en';
  blocked_at: string | null;
  /** The user's roles, in the order of `grantableRoles`. */
  roles: GrantableRole[];
  /** Unread notices plus conversations with unread messages: the mailbox badge. */
  unread: number;
  /** The database's data version as this query read it (`data-version.ts`). */
  data_version: string;
};

const sessionWithUser = preparedQuery((db, p: { idHash: string }) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('sessions')
    .select(['users.name', 'users.email', 'users.locale', 'users.blocked_at'])
    .select((eb) => {
      const holds = (role: GrantableRole) =>
        eb.exists(eb.selectFrom('user_roles').select(sql`1`.as('one')).whereRef('user_roles.user_id', '=', 'users.id').where('user_roles.role', '=', role));
      return [
        holds('admin').as('is_admin'),
        holds('expert').as('is_expert'),
        holds('moderator').as('is_moderator'),
        eb.selectFrom('notices').select(eb.fn.countAll<number>().as('n')).whereRef('notices.user_id', '=', 'users.id').where('notices.read_at', 'is', null).as('unread_notices'),
        eb
          .selectFrom('conversation_members')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('conversation_members.user_id', '=', 'users.id')
          .where('conversation_members.unread_count', '>', 0)
          .as('unread_conversations'),
        dataVersion(db).as('data_version'),
      ];
    })
    .where('sessions.id_hash', '=', p.idHash),
);

/**
 * A session together with everything every request needs of its user, in one query: name,
 * e-mail, language, whether blocked, the roles (one EXISTS each) and the mailbox's unread count
 * (the same two counts as `countUnread`), and the database's data version, which tells whether a
 * page kept for this user is still what the database holds (decision 024). One statement instead
 * of five on every signed-in page.
 */
export async function findSessionWithUser(db: Executor, idHash: string): Promise<SessionWithUser | undefined> {
  const row = await sessionWithUser.first(db, { idHash });
  if (!row) return undefined;
  // SQLite answers EXISTS with 0/1, PostgreSQL with true/false. Roles in name order, as listRoles gives them.
  const held: [GrantableRole, unknown][] = [
    ['admin', row.is_admin],
    ['expert', row.is_expert],
    ['moderator', row.is_moderator],
  ];
  // The row itself, with the two added (every signed-in request reads one: no copy of it).
  return Object.assign(row, {
    roles: held.filter(([, flag]) => Boolean(Number(flag))).map(([role]) => role),
    unread: Number(row.unread_notices ?? 0) + Number(row.unread_conversations ?? 0),
  });
}

export async function touchSession(db: Executor, idHash: string, lastSeenAt: string): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: lastSeenAt }).where('id_hash', '=', idHash).execute();
}

export async function deleteSession(db: Executor, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Ends every session of a user, optionally keeping one (the one making the change). */
export async function deleteUserSessions(db: Executor, userId: number, exceptIdHash?: string): Promise<void> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptIdHash) query = query.where('id_hash', '!=', exceptIdHash);
  await query.execute();
}

/** Removes sessions past their absolute expiry or idle too long; returns how many. */
export async function deleteExpiredSessions(db: Executor, now: string, idleCutoff: string): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleCutoff)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** How many sessions a user has and when one was last used (for the back office). */
export async function sessionSummaryOf(db: Executor, userId: number): Promise<{ count: number; lastSeenAt: string | null }> {
  const row = await db
    .selectFrom('sessions')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('last_seen_at').as('last_seen')])
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), lastSeenAt: row.last_seen ?? null };
}
