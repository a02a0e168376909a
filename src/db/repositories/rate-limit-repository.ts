import { preparedQuery } from '../prepared.js';
import type { Executor } from './user-repository.js';

const rateCountOf = preparedQuery((db, p: { key: string }) => db.selectFrom('rate_limits').select(['count', 'window_ends_at']).where('key', '=', p.key));

/** Current count for a key and when its window ends; undefined when no window is open. */
export async function readRateCount(
  db: Executor,
  key: string,
  now: string,
): Promise<{ count: number; windowEndsAt: string } | undefined> {
  const row = await rateCountOf.first(db, { key });
  return row && row.window_ends_at > now ? { count: row.count, windowEndsAt: row.window_ends_at } : undefined;
}

const countOneMore = preparedQuery((db, p: { key: string; now: string; windowEndsAt: string }) =>
  db
    .insertInto('rate_limits')
    .values({ key: p.key, count: 1, window_ends_at: p.windowEndsAt })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        count: eb
          .case()
          .when('rate_limits.window_ends_at', '<=', p.now)
          .then(1)
          .else(eb('rate_limits.count', '+', 1))
          .end(),
        window_ends_at: eb
          .case()
          .when('rate_limits.window_ends_at', '<=', p.now)
          .then(p.windowEndsAt)
          .else(eb.ref('rate_limits.window_ends_at'))
          .end(),
      })),
    ),
);

/** Adds one to a key's count, starting a new window when the old one has ended. */
export async function incrementRateCount(db: Executor, key: string, now: string, windowEndsAt: string): Promise<void> {
  await countOneMore.all(db, { key, now, windowEndsAt });
}

export async function clearRateCount(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}

export async function deleteEndedRateWindows(db: Executor, now: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('window_ends_at', '<=', now).execute();
}
