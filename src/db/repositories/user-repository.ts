import type { GrantableRole, Locale } from '../../domain/roles.js';
import { DomainError } from '../../domain/errors.js';
import type { Db } from '../database.js';
import { containsPattern } from './like-pattern.js';
import { sql, type Transaction } from 'kysely';
import type { Database, NewUserRow, UserRow, UserUpdate } from '../schema.js';

export type Executor = Db | Transaction<Database>;

export type UserWithRoles = UserRow & { roles: GrantableRole[] };

export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findUserById(db: Executor, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The users with these ids, by id; NOT_FOUND when any of them does not exist. */
export async function getUsersByIds(db: Executor, ids: readonly number[]): Promise<Map<number, UserRow>> {
  const unique = [...new Set(ids)];
  const rows = unique.length > 0 ? await db.selectFrom('users').selectAll().where('id', 'in', unique).execute() : [];
  const users = new Map(rows.map((row) => [row.id, row]));
  const missing = unique.find((id) => !users.has(id));
  if (missing !== undefined) throw new DomainError('NOT_FOUND', { entity: 'user', id: missing });
  return users;
}

export async function getUserById(db: Executor, id: number): Promise<UserRow> {
  return (await getUsersByIds(db, [id])).get(id)!;
}

export async function listRoles(db: Executor, userId: number): Promise<GrantableRole[]> {
  const rows = await db.selectFrom('user_roles').select('role').where('user_id', '=', userId).orderBy('role').execute();
  return rows.map((r) => r.role);
}

export async function insertUser(db: Executor, user: NewUserRow): Promise<UserRow> {
  return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
}

export async function updateUser(db: Executor, id: number, changes: UserUpdate): Promise<void> {
  await db.updateTable('users').set(changes).where('id', '=', id).execute();
}

export async function grantRole(db: Executor, userId: number, role: GrantableRole, now: string): Promise<void> {
  await db
    .insertInto('user_roles')
    .values({ user_id: userId, role, granted_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'role']).doNothing())
    .execute();
}

export async function revokeRole(db: Executor, userId: number, role: GrantableRole): Promise<void> {
  await db.deleteFrom('user_roles').where('user_id', '=', userId).where('role', '=', role).execute();
}

export async function setLocale(db: Executor, userId: number, locale: Locale, now: string): Promise<void> {
  await db.updateTable('users').set({ locale, updated_at: now }).where('id', '=', userId).execute();
}

export async function countUsers(db: Executor): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The back office's user list filters. */
export const userListFilters = ['all', 'staff', 'experts', 'blocked', 'deleted'] as const;
export type UserListFilter = (typeof userListFilters)[number];

export type UserListItem = Pick<UserRow, 'id' | 'name' | 'email' | 'created_at' | 'email_verified_at' | 'blocked_at' | 'deleted_at'> & {
  roles: GrantableRole[];
};

/** A page of users, newest first, optionally filtered by a name or e-mail fragment. */
export async function listUsers(
  db: Executor,
  options: { search?: string; filter?: UserListFilter; limit: number; offset: number },
): Promise<{ items: UserListItem[]; total: number }> {
  let query = db.selectFrom('users');
  if (options.filter === 'blocked') query = query.where('blocked_at', 'is not', null).where('deleted_at', 'is', null);
  if (options.filter === 'deleted') query = query.where('deleted_at', 'is not', null);
  if (options.filter === 'staff' || options.filter === 'experts') {
    const roles = options.filter === 'staff' ? (['moderator', 'admin'] as const) : (['expert'] as const);
    query = query.where('id', 'in', db.selectFrom('user_roles').select('user_id').where('role', 'in', roles));
  }
  if (options.search) {
    const pattern = containsPattern(options.search.toLowerCase());
    // ESCAPE is explicit: PostgreSQL defaults to backslash, SQLite has no default at all.
    query = query.where((eb) =>
      eb.or([
        sql<boolean>`lower(${eb.ref('name')}) like ${pattern} escape '\\'`,
        sql<boolean>`${eb.ref('email')} like ${pattern} escape '\\'`,
      ]),
    );
  }
  const [rows, count] = await Promise.all([
    query
      .select(['id', 'name', 'email', 'created_at', 'email_verified_at', 'blocked_at', 'deleted_at'])
      .orderBy('id', 'desc')
      .limit(options.limit)
      .offset(options.offset)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const ids = rows.map((r) => r.id);
  const roleRows = ids.length
    ? await db.selectFrom('user_roles').select(['user_id', 'role']).where('user_id', 'in', ids).execute()
    : [];
  const items = rows.map((row) => ({
    ...row,
    roles: roleRows.filter((r) => r.user_id === row.id).map((r) => r.role),
  }));
  return { items, total: Number(count.n) };
}

/** Users holding any of the roles (to tell reviewers about a new application). */
export async function listUserIdsWithRoles(db: Executor, roles: readonly ('moderator' | 'admin')[]): Promise<number[]> {
  const rows = await db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select('user_roles.user_id')
    .distinct()
    .where('user_roles.role', 'in', [...roles])
    .where('users.blocked_at', 'is', null)
    .orderBy('user_roles.user_id')
    .execute();
  return rows.map((r) => r.user_id);
}
