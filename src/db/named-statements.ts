import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

export type NamedStatementOptions = {
  /** Runs of the same SQL (with parameters) before it is kept as a named statement. */
  threshold: number;
  /** Named statements at most, per process and so per connection; later SQL runs unnamed. */
  limit: number;
};

/** pgjdbc's default threshold; a limit far above the portal's few hundred distinct queries. */
export const defaultNamedStatementOptions: NamedStatementOptions = { threshold: 5, limit: 1_000 };

/** SQL texts counted towards the threshold before the count starts over (bounds the memory it takes). */
const countedTextsLimit = 10_000;

/**
 * PostgreSQL errors after which a named statement cannot be used on that connection any more:
 * its result type changed (a column added to a `select *` table by a migration while this process
 * runs: "cached plan must not change result type"), or it no longer exists (DEALLOCATE by someone
 * else). The query is run again unnamed; inside a transaction the first error has already aborted
 * it, so the retry fails too and the transaction rolls back as for any other error.
 */
const staleStatementCodes = new Set(['0A000', '26000']);

/**
 * The pool as Kysely sees it, with the SQL the portal runs often sent as named statements, as
 * pgjdbc does by default: PostgreSQL parses and plans such a statement once per connection and
 * afterwards only binds it (decision 017). On this project's machines that halves what a
 * signed-in page costs on PostgreSQL. Queries without parameters (BEGIN, COMMIT, DDL) go as
 * before, in the simple protocol.
 */
export function withNamedStatements(pool: pg.Pool, options: NamedStatementOptions = defaultNamedStatementOptions): PostgresPool {
  const names = new Map<string, string>();
  const counts = new Map<string, number>();

  const nameFor = (text: string): string | undefined => {
    const name = names.get(text);
    if (name !== undefined || names.size >= options.limit) return name;
    const count = (counts.get(text) ?? 0) + 1;
    if (count < options.threshold) {
      if (counts.size >= countedTextsLimit) counts.clear();
      counts.set(text, count);
      return undefined;
    }
    counts.delete(text);
    const created = `konsult_${names.size + 1}`;
    names.set(text, created);
    return created;
  };

  // One wrapper per pg client, so Kysely keeps one connection object per client as it would.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    /** Names this connection must not use again (see staleStatementCodes). */
    const stale = new Set<string>();
    function query<R>(sqlText: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>;
    function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
    function query(text: string | PostgresCursor<unknown>, parameters?: readonly unknown[]): unknown {
      if (typeof text !== 'string') return client.query(text as unknown as pg.Submittable);
      // Kysely hands over a fresh array already; pg only reads it.
      const values = (parameters ?? []) as unknown[];
      const name = values.length > 0 ? nameFor(text) : undefined;
      if (name === undefined || stale.has(name)) return client.query(text, values);
      return client.query({ name, text, values }).catch((error: unknown) => {
        if (!staleStatementCodes.has((error as { code?: string }).code ?? '')) throw error;
        stale.add(name);
        return client.query(text, values);
      });
    }
    return { query, release: (destroy?: boolean) => client.release(destroy) };
  };

  return {
    connect: async () => {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) wrappers.set(client, (wrapper = wrap(client)));
      return wrapper;
    },
    end: () => pool.end(),
  };
}
