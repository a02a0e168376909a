import { afterEach, describe, expect, it } from 'vitest';
import { iso } from '../../src/adapters/clock.js';
import type { Db } from '../../src/db/database.js';
import { insertNotice } from '../../src/db/repositories/mailbox-repository.js';
import { grantRole, insertUser } from '../../src/db/repositories/user-repository.js';
import { createSession, endSession, resolveSession, type SessionInfo } from '../../src/use-cases/sessions.js';
import { hashToken } from '../../src/adapters/tokens.js';
import { createSharedTestDatabase, type SharedTestDatabase } from '../support/test-db.js';

// Every signed-in request looks its session up (decision 025): on PostgreSQL the lookups asked at
// the same time go in one statement, on SQLite a session read before is answered again while the
// data version has not moved. Either way each request must get its own session and user, and
// every change committed before it asked, by this process or another, must show.

let shared: SharedTestDatabase | undefined;

afterEach(async () => {
  await shared?.destroy();
  shared = undefined;
});

const clock = { now: () => new Date() };
const deps = (db: Db) => ({ db, clock, session: { absoluteMs: 30 * 86_400_000, idleMs: 86_400_000 } });

/** Two handles to one fresh database, like two processes (or a process and a test's own connection). */
async function twoHandles(): Promise<[Db, Db]> {
  shared = await createSharedTestDatabase(2);
  return [shared.handles[0]!.db, shared.handles[1]!.db];
}

let sequence = 0;
async function userWithSession(db: Db, name: string, roles: ('expert' | 'moderator' | 'admin')[] = []) {
  sequence += 1;
  const now = iso(clock.now());
  const user = await insertUser(db, {
    email: `lookup${sequence}@example.ee`,
    email_verified_at: now,
    name,
    phone: null,
    password_hash: 'not used',
    locale: 'et',
    created_at: now,
    updated_at: now,
    blocked_at: null,
  });
  for (const role of roles) await grantRole(db, user.id, role, now);
  const sessionId = await createSession(db, deps(db), { userId: user.id, ip: null, userAgent: null });
  return { user, sessionId };
}

const addNotice = (db: Db, userId: number) => insertNotice(db, { user_id: userId, kind: 'test', params: '{}', link: null, created_at: iso(clock.now()), read_at: null });

const who = (session: SessionInfo | undefined) => session && { name: session.actor.name, roles: session.actor.roles, unread: session.unreadCount };

describe('session lookups', () => {
  it('answer requests asked at the same time each with their own session, user, roles and unread count', async () => {
    const [db] = await twoHandles();
    const mari = await userWithSession(db, 'Mari Maasikas');
    const jaan = await userWithSession(db, 'Jaan Tamm', ['expert']);
    const liis = await userWithSession(db, 'Liis Kask', ['expert', 'moderator']);
    const ended = await userWithSession(db, 'Ended Session');
    await endSession(deps(db), hashToken(ended.sessionId));
    await addNotice(db, jaan.user.id);
    await addNotice(db, jaan.user.id);

    // Three known sessions, one ended, one never issued, one asked twice: a list of 1, 2, 4 and 8
    // on PostgreSQL as they are split, and whatever order the answers come in.
    const asked = [jaan.sessionId, mari.sessionId, 'no-such-session', liis.sessionId, ended.sessionId, jaan.sessionId, mari.sessionId];
    const answers = await Promise.all(asked.map((id) => resolveSession(deps(db), id)));

    expect(answers.map(who)).toEqual([
      { name: 'Jaan Tamm', roles: ['expert'], unread: 2 },
      { name: 'Mari Maasikas', roles: [], unread: 0 },
      undefined,
      { name: 'Liis Kask', roles: ['expert', 'moderator'], unread: 0 },
      undefined,
      { name: 'Jaan Tamm', roles: ['expert'], unread: 2 },
      { name: 'Mari Maasikas', roles: [], unread: 0 },
    ]);
    const alone = await resolveSession(deps(db), liis.sessionId);
    expect(who(alone)).toEqual({ name: 'Liis Kask', roles: ['expert', 'moderator'], unread: 0 });
  });

  it('show at once what this process changed since the last lookup', async () => {
    const [db] = await twoHandles();
    const mari = await userWithSession(db, 'Mari Maasikas');
    expect(who(await resolveSession(deps(db), mari.sessionId))).toEqual({ name: 'Mari Maasikas', roles: [], unread: 0 });

    await addNotice(db, mari.user.id);
    expect(who(await resolveSession(deps(db), mari.sessionId))).toEqual({ name: 'Mari Maasikas', roles: [], unread: 1 });

    await grantRole(db, mari.user.id, 'expert', iso(clock.now()));
    expect((await resolveSession(deps(db), mari.sessionId))?.actor.roles).toEqual(['expert']);

    await endSession(deps(db), hashToken(mari.sessionId));
    expect(await resolveSession(deps(db), mari.sessionId)).toBeUndefined();
  });

  it('show at once what another process committed since the last lookup: a notice, a new name, a block, an ended session', async () => {
    const [mine, theirs] = await twoHandles();
    const mari = await userWithSession(mine, 'Mari Maasikas');
    const jaan = await userWithSession(mine, 'Jaan Tamm');
    const lookUp = (sessionId: string) => resolveSession(deps(mine), sessionId);
    expect(who(await lookUp(mari.sessionId))).toEqual({ name: 'Mari Maasikas', roles: [], unread: 0 });
    expect(who(await lookUp(mari.sessionId))).toEqual({ name: 'Mari Maasikas', roles: [], unread: 0 });

    await addNotice(theirs, mari.user.id);
    expect(who(await lookUp(mari.sessionId))).toEqual({ name: 'Mari Maasikas', roles: [], unread: 1 });

    await theirs.updateTable('users').set({ name: 'Mari Kask' }).where('id', '=', mari.user.id).execute();
    expect((await lookUp(mari.sessionId))?.actor.name).toBe('Mari Kask');

    await theirs.updateTable('users').set({ blocked_at: iso(clock.now()) }).where('id', '=', mari.user.id).execute();
    expect(await lookUp(mari.sessionId)).toBeUndefined();

    expect((await lookUp(jaan.sessionId))?.actor.name).toBe('Jaan Tamm');
    await endSession(deps(theirs), hashToken(jaan.sessionId));
    expect(await lookUp(jaan.sessionId)).toBeUndefined();
  });

  it('fail together when the database cannot answer, and work again once it can', async () => {
    shared = await createSharedTestDatabase(1);
    const handle = shared.handles[0]!;
    const mari = await userWithSession(handle.db, 'Mari Maasikas');
    const jaan = await userWithSession(handle.db, 'Jaan Tamm');
    await handle.db.schema.alterTable('sessions').renameTo('sessions_away').execute();

    const failed = await Promise.allSettled([mari.sessionId, jaan.sessionId].map((id) => resolveSession(deps(handle.db), id)));
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);

    await handle.db.schema.alterTable('sessions_away').renameTo('sessions').execute();
    const answers = await Promise.all([mari.sessionId, jaan.sessionId].map((id) => resolveSession(deps(handle.db), id)));
    expect(answers.map((session) => session?.actor.name)).toEqual(['Mari Maasikas', 'Jaan Tamm']);
  });
});
