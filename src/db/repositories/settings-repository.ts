import type { Executor } from './user-repository.js';

/** Every stored setting (a handful of rows). */
export async function listSettingRows(db: Executor): Promise<{ key: string; value: string }[]> {
  return db.selectFrom('settings').select(['key', 'value']).execute();
}

/** Stores one setting's value (JSON), replacing what was there. */
export async function saveSetting(db: Executor, key: string, value: string, at: string, by: number): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value, updated_at: at, updated_by: by })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at, updated_by: by }))
    .execute();
}
