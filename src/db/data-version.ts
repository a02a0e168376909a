import { PostgresAdapter, sql, type RawBuilder, type SqliteStatement } from 'kysely';
import type { Executor } from './repositories/user-repository.js';

/**
 * The database's data version (decision 024): a value that stays the same exactly as long as no
 * change is committed, by any process, so a page drawn from the database may be sent again while
 * it does.
 * - PostgreSQL: the current snapshot (`xmin:xmax:xip`). Every commit of a transaction that
 *   changed anything moves it: the transaction either leaves the in-progress list or moves xmax.
 *   A statement that changes nothing takes no transaction id and leaves it as it is.
 * - SQLite: `PRAGMA data_version`, which moves when another connection (another process, a test's
 *   own connection) commits, and this connection's own count of statements that changed rows
 *   (`countingChanges`), which the pragma does not see.
 *
 * Written into a statement, so it costs no round trip of its own: the session query reads it for
 * every signed-in request. Read before a page's own reads, it is at most as new as their data.
 */
export function dataVersion(db: Executor): RawBuilder<string> {
  return db.getExecutor().adapter instanceof PostgresAdapter
    ? sql<string>`pg_current_snapshot()::text`
    : sql<string>`(select data_version from pragma_data_version) || ':' || ${sql.raw(localChangesFunction)}()`;
}

const currentVersions = new WeakMap<object, () => string>();

/**
 * SQLite only: registers how to read `db`'s data version at once from the connection, without a
 * statement through Kysely (the pragma and the count of changing statements, the parts of
 * `dataVersion`'s SQL; the two texts are never compared with each other). A process can then
 * tell in a microsecond or two whether what it last read is still what the database holds
 * (`session-repository.ts`, decision 025). Not for PostgreSQL, where asking is a round trip like
 * any query.
 */
export function registerCurrentDataVersion(db: Executor, read: () => string): void {
  currentVersions.set(db, read);
}

/**
 * How to read `db`'s data version at once: SQLite's own database object only (not a transaction
 * on it, whose own reads are its business), undefined otherwise.
 */
export function currentDataVersion(db: Executor): (() => string) | undefined {
  return currentVersions.get(db);
}

/** The SQLite function that answers this connection's count of changing statements. */
export const localChangesFunction = 'konsult_local_changes';

/**
 * `statement` as Kysely's SQLite driver runs it, calling `onChange` after every run that changed
 * a row (INSERT, UPDATE, DELETE, also with RETURNING); statements that cannot write go as they are.
 * A statement that matched no row (marking read what was read) changes nothing and counts nothing.
 */
export function countingChanges(statement: SqliteStatement & { readonly readonly: boolean }, onChange: () => void): SqliteStatement {
  if (statement.readonly) return statement;
  return {
    reader: statement.reader,
    all(parameters) {
      const rows = statement.all(parameters);
      if (rows.length > 0) onChange();
      return rows;
    },
    run(parameters) {
      const result = statement.run(parameters);
      if (Number(result.changes) > 0) onChange();
      return result;
    },
    iterate(parameters) {
      onChange();
      return statement.iterate(parameters);
    },
  };
}
