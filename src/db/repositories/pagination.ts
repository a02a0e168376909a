import { sql, type RawBuilder } from 'kysely';

/** Where a page of a list starts and how many rows it holds at most. */
export type PageWindow = { limit: number; offset: number };

/**
 * The total of a paginated list. A page with fewer rows than it can hold is the list's last, so
 * its offset plus its rows is the total and nothing needs counting: most people's lists are
 * short, and this spares them a statement (a round trip on PostgreSQL). A full page, or an empty
 * one past the first (the address may point beyond the end), is counted.
 */
export async function totalOfList(page: PageWindow, shown: number, count: () => Promise<number>): Promise<number> {
  const isLastPage = shown < page.limit && (shown > 0 || page.offset === 0);
  return isLastPage ? page.offset + shown : count();
}

/**
 * `limit n` for SQL written by hand, the way the SQLite query compiler writes every query's limit
 * (`CastLimitQueryCompiler`, decision 019): SQLite would prepare a statement with a plain `limit ?`
 * again on every run.
 */
export function limitClause(limit: number): RawBuilder<unknown> {
  return sql`limit cast(${limit} as integer)`;
}
