import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Driver,
  type LimitNode,
  type QueryCompiler,
  type SqliteStatement,
} from 'kysely';
import pg from 'pg';
import { countingChanges, localChangesFunction, registerCurrentDataVersion } from './data-version.js';
import { withNamedStatements, type NamedStatementOptions } from './named-statements.js';
import { startWalCheckpointer, type WalCheckpointer, type WalCheckpointerOptions } from './wal-checkpointer.js';
import type { Database } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

export type Db = Kysely<Database>;

export type DatabaseHandle = {
  db: Db;
  engine: Engine;
  destroy(): Promise<void>;
};

// COUNT(*) and BIGINT come back from pg as strings; every count we keep fits a JS number.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

/**
 * Kysely's SQLite driver opens transactions with a plain BEGIN, which starts as a reader and
 * can fail with SQLITE_BUSY when it later writes while another process holds the file.
 * BEGIN IMMEDIATE takes the write lock up front, and busy_timeout makes the wait graceful.
 *
 * After some errors (SQLITE_FULL on a full disk, SQLITE_IOERR) SQLite has already rolled the
 * transaction back by itself; Kysely's ROLLBACK then fails with "no transaction is active", and
 * that error would replace the one that matters (a full disk would answer 500 instead of 503).
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createQueryCompiler(): QueryCompiler {
    return new CastLimitQueryCompiler();
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    driver.rollbackTransaction = async (connection: DatabaseConnection) => {
      try {
        await connection.executeQuery(CompiledQuery.raw('rollback'));
      } catch (error) {
        if (!(error instanceof Error && /no transaction is active/.test(error.message))) throw error;
      }
    };
    return driver;
  }
}

/**
 * SQLite (3.53, as better-sqlite3 builds it) reads the value bound to a LIMIT's parameter while
 * planning, so binding it again expires the statement and every run prepares it anew: a kept
 * statement with `limit ?` cost 4–5 times one with a literal limit (35 µs more on a bench
 * machine, decision 019). The limit's expression `cast(? as integer)` is not a plain parameter,
 * so the plan stays kept; the value is still bound, and the SQL text stays one per query.
 */
class CastLimitQueryCompiler extends SqliteQueryCompiler {
  protected override visitLimit(node: LimitNode): void {
    this.append('limit cast(');
    this.visitNode(node.limit);
    this.append(' as integer)');
  }
}

/** Statements kept prepared; the portal issues a few hundred distinct ones, so the cap is rarely reached. */
const statementCacheSize = 1_000;

/**
 * What Kysely's SQLite driver needs of a database (`prepare`, `close`), with prepared statements
 * kept by their SQL. Kysely prepares every query anew, and preparing costs about as much as
 * running a typical indexed query (15 % of a page's CPU in `npm run bench`). Reusing a statement
 * is safe: better-sqlite3 runs each to completion synchronously, and the driver's one connection
 * is held by one query (or one streaming iteration) at a time. Least recently used ones go first.
 * A statement that can write tells `onChange` when it changed rows (the data version, decision 024).
 */
function withStatementCache(sqlite: SqliteDatabase.Database, onChange: () => void) {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql);
      } else {
        statement = countingChanges(sqlite.prepare(sql), onChange);
        if (statements.size >= statementCacheSize) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
    close(): void {
      statements.clear();
      sqlite.close();
    },
  };
}

/**
 * The log's limit while a thread copies it (decision 029): about 40 MB of pages. A commit that
 * checkpoints waits for both files' sync however few pages are left to copy, so the fewer such
 * commits the better; the log's file keeps this size on disk after it starts over.
 */
export const commitCheckpointPages = 10_000;

export type OpenOptions = {
  /** PostgreSQL only: the schema to use (tests get one each). */
  schema?: string;
  /** PostgreSQL only: pool size. */
  poolSize?: number;
  /** PostgreSQL only: when SQL is kept as a named statement (tests choose small numbers). */
  namedStatements?: NamedStatementOptions;
  /** SQLite in a file only: checkpoint the write-ahead log on a thread of its own (`wal-checkpointer.ts`), as the portal's processes do. */
  checkpointInBackground?: WalCheckpointerOptions;
};

/** Opens the database named by a URL: `sqlite:<file>`, `sqlite::memory:` or `postgres://…`. */
export function openDatabase(url: string, options: OpenOptions = {}): DatabaseHandle {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withNamedStatements(pool, options.namedStatements) }) });
    return { db, engine: 'postgres', destroy: () => db.destroy() };
  }
  if (!url.startsWith('sqlite:')) {
    throw new Error(`Unsupported DATABASE_URL "${url}": use sqlite:<file> or postgres://…`);
  }
  const file = url.slice('sqlite:'.length);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // NORMAL in WAL mode survives a process crash; only a power cut can lose the last commits.
  sqlite.pragma('synchronous = NORMAL');
  // Temporary files in memory (decision 027): a statement that writes several rows inside a
  // transaction that has already written keeps a journal of its own, to undo just itself; as a
  // file, every such statement opened, wrote page by page and deleted one (85 of the 220 writes
  // to files of sending an inquiry to five experts, 10 % of its time). It holds the pages one
  // statement changes; large sorts without an index also stay in memory.
  sqlite.pragma('temp_store = MEMORY');
  // SQLite's own lower() folds ASCII only, so a search for "õie" would never find "Õie Mäger";
  // fold every letter the way JavaScript (and PostgreSQL) do.
  sqlite.function('lower', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));
  // This connection's changes, for its data version (`data-version.ts`, decision 024).
  let localChanges = 0;
  sqlite.function(localChangesFunction, () => localChanges);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite, () => localChanges++) }) });
  // The data version's parts (`dataVersion`), read without a query through Kysely (decision 025).
  const pragmaDataVersion = sqlite.prepare('pragma data_version').pluck();
  registerCurrentDataVersion(db, () => `${pragmaDataVersion.get() as number}:${localChanges}`);
  let checkpointer: WalCheckpointer | undefined;
  if (options.checkpointInBackground && file !== ':memory:') {
    // With the thread copying, a commit checkpoints only at the log's limit (decision 029);
    // without it, in SQLite's own smaller steps again.
    const handOverPages = options.checkpointInBackground.handOverPages ?? commitCheckpointPages;
    const sqliteOwnPages = sqlite.pragma('wal_autocheckpoint', { simple: true }) as number;
    sqlite.pragma(`wal_autocheckpoint = ${handOverPages}`);
    checkpointer = startWalCheckpointer(file, {
      ...options.checkpointInBackground,
      handOverPages,
      onEnded: () => {
        if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${sqliteOwnPages}`);
      },
    });
  }
  return {
    db,
    engine: 'sqlite',
    destroy: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}
