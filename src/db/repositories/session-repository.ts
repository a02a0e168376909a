import { PostgresAdapter, sql } from 'kysely';
import type { GrantableRole } from '../../domain/roles.js';
import type { SessionRow } from '../schema.js';
import { CoalescedLookups } from '../coalesced-lookups.js';
import { currentDataVersion, dataVersion } from '../data-version.js';
import { preparedInList } from '../prepared.js';
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

/** Sessions with what every request needs of their user (see `findSessionWithUser`), to be narrowed by a WHERE. */
const selectSessionsWithUser = (db: Executor) =>
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
    });

type Row = Awaited<ReturnType<ReturnType<typeof selectSessionsWithUser>['execute']>>[number];

/**
 * Sessions by their id hashes, `id_hash in (…)` with a list of 1, 2, 4, … parameters (the ids,
 * the last repeated to fill it): one session alone, or on PostgreSQL up to `maxSessionsAtOnce`
 * looked up together. A list of fixed length gets a generic plan of index probes that
 * PostgreSQL keeps; an array (`= any($1)`, `unnest`) has no length a plan can count on, so it
 * was planned anew on every run or hashed every user.
 */
const maxSessionsAtOnce = 64;
const sessionsWithUser = preparedInList((db, idHashes: string[]) => selectSessionsWithUser(db).where('sessions.id_hash', 'in', idHashes));

/** The row with the roles and the unread count added (every signed-in request reads one: no copy of it). */
function withRolesAndUnread(row: Row): SessionWithUser {
  // SQLite answers EXISTS with 0/1, PostgreSQL with true/false. Roles in name order, as listRoles gives them.
  const held: [GrantableRole, unknown][] = [
    ['admin', row.is_admin],
    ['expert', row.is_expert],
    ['moderator', row.is_moderator],
  ];
  return Object.assign(row, {
    roles: held.filter(([, flag]) => Boolean(Number(flag))).map(([role]) => role),
    unread: Number(row.unread_notices ?? 0) + Number(row.unread_conversations ?? 0),
  });
}

/** PostgreSQL: the lookups of each database, coalesced (decision 025). */
const coalescedByDb = new WeakMap<object, CoalescedLookups<SessionWithUser>>();

/**
 * SQLite: each session's last lookup, with the data version read from the connection just
 * before it, used again while that version holds (decision 025). The version is read before the
 * query, so the row is at least as new as it: when anything is committed in between, the next
 * lookup only queries once more.
 */
const lastReadByDb = new WeakMap<object, Map<string, { version: string; session: SessionWithUser }>>();
const lastReadKept = 1_000;

/**
 * A session together with everything every request needs of its user, in one query: name,
 * e-mail, language, whether blocked, the roles (one EXISTS each) and the mailbox's unread count
 * (the same two counts as `countUnread`), and the database's data version, which tells whether a
 * page kept for this user is still what the database holds (decision 024). One statement instead
 * of five on every signed-in page.
 *
 * What a request waits for (decision 025): on PostgreSQL, the lookups asked at the same time go in
 * one statement (`CoalescedLookups`); on SQLite, a session read before is answered again as read
 * while the data version (read from the connection, no query) is the one it was read at: nothing
 * has been committed since, by any connection, so the session, its user and their counts are as
 * they were. The caller must not change the row it gets.
 */
export async function findSessionWithUser(db: Executor, idHash: string): Promise<SessionWithUser | undefined> {
  const versionNow = currentDataVersion(db);
  if (versionNow) return findOnSqlite(db, idHash, versionNow());
  if (db.getExecutor().adapter instanceof PostgresAdapter && !db.isTransaction) {
    let lookups = coalescedByDb.get(db);
    if (!lookups) coalescedByDb.set(db, (lookups = new CoalescedLookups((idHashes) => findSessionsWithUser(db, idHashes), maxSessionsAtOnce)));
    return lookups.lookup(idHash);
  }
  const [row] = await sessionsWithUser(db, [idHash]);
  return row && withRolesAndUnread(row);
}

async function findOnSqlite(db: Executor, idHash: string, version: string): Promise<SessionWithUser | undefined> {
  let lastRead = lastReadByDb.get(db);
  if (!lastRead) lastReadByDb.set(db, (lastRead = new Map()));
  const kept = lastRead.get(idHash);
  if (kept?.version === version) return kept.session;
  lastRead.delete(idHash);
  const [row] = await sessionsWithUser(db, [idHash]);
  if (!row) return undefined;
  if (lastRead.size >= lastReadKept) lastRead.delete(lastRead.keys().next().value!);
  const session = withRolesAndUnread(row);
  lastRead.set(idHash, { version, session });
  return session;
}

async function findSessionsWithUser(db: Executor, idHashes: string[]): Promise<Map<string, SessionWithUser>> {
  const rows = await sessionsWithUser(db, idHashes);
  return new Map(rows.map((row) => [row.id_hash, withRolesAndUnread(row)]));
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
