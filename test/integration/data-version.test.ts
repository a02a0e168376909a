import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { dataVersion } from '../../src/db/data-version.js';
import type { Db } from '../../src/db/database.js';
import { createSharedTestDatabase, type SharedTestDatabase } from '../support/test-db.js';

// The database's data version (decision 024) decides whether a signed-in visitor's kept page may
// be sent again: it must move with every committed change, by this process or another, and stay
// put while nothing changes, or a stale page would be shown (the first) or none kept (the second).

let shared: SharedTestDatabase | undefined;

afterEach(async () => {
  await shared?.destroy();
  shared = undefined;
});

/** Two handles to one fresh database, like two processes (or a process and a test's own connection). */
async function twoHandles(): Promise<[Db, Db]> {
  shared = await createSharedTestDatabase(2);
  return [shared.handles[0]!.db, shared.handles[1]!.db];
}

const versionOf = async (db: Db) => (await sql<{ v: string }>`select ${dataVersion(db)} as v`.execute(db)).rows[0]!.v;

const now = new Date().toISOString();
const addField = (db: Db, nameEt: string) => db.insertInto('fields').values({ name_et: nameEt, name_en: nameEt, description_et: '', description_en: '', position: 1, is_active: 1, created_at: now, updated_at: now }).execute();

describe('the data version', () => {
  it('stays the same while nothing is written, and moves with a change this connection makes', async () => {
    const [db] = await twoHandles();
    const before = await versionOf(db);
    await db.selectFrom('fields').selectAll().execute();
    expect(await versionOf(db)).toBe(before);

    await addField(db, 'Perekonnaõigus');
    const afterInsert = await versionOf(db);
    expect(afterInsert).not.toBe(before);

    await db.updateTable('fields').set({ name_en: 'Family law' }).where('name_et', '=', 'Perekonnaõigus').execute();
    expect(await versionOf(db)).not.toBe(afterInsert);
  });

  it('stays the same after a write that matched nothing (opening what was already read)', async () => {
    const [db] = await twoHandles();
    await addField(db, 'Perekonnaõigus');
    const before = await versionOf(db);
    await db.updateTable('fields').set({ is_active: 0 }).where('name_et', '=', 'no such field').execute();
    await db.deleteFrom('fields').where('name_et', '=', 'no such field').returningAll().execute();
    expect(await versionOf(db)).toBe(before);
  });

  it('moves when another connection or process commits, and not before', async () => {
    const [mine, theirs] = await twoHandles();
    const before = await versionOf(mine);
    let inTransaction = '';
    await theirs.transaction().execute(async (trx) => {
      await addField(trx, 'Kriminaalõigus');
      await addField(trx, 'Tööõigus');
      // Not yet committed: what `mine` reads is unchanged, and so is its version (PostgreSQL; a
      // SQLite writer holds the file's write lock, and readers see the last commit).
      inTransaction = await versionOf(mine);
      expect(await mine.selectFrom('fields').selectAll().execute()).toHaveLength(0);
    });
    const after = await versionOf(mine);
    expect(after).not.toBe(inTransaction);
    expect(after).not.toBe(before);
    expect(await mine.selectFrom('fields').selectAll().execute()).toHaveLength(2);
    expect(await versionOf(mine)).toBe(after);
  });
});
