import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, SqliteDriver, sql, type DatabaseConnection } from 'kysely';
import { CompiledQuery } from 'kysely';
import { LlmopsError, UsageError, errorMessage } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import type { DatabaseTarget } from './database-url.js';
import { migrations } from './migrations/index.js';
import { WAL_AUTOCHECKPOINT_PAGES } from './sqlite-pragmas.js';
import { openSqliteFile } from './sqlite-file.js';
import type { Database } from './types.js';

export type Engine = 'sqlite' | 'postgres';

export type Db = {
  db: Kysely<Database>;
  engine: Engine;
  display: string;
  close(): Promise<void>;
};

/**
 * SQLite transactions start IMMEDIATE: the write lock is taken up front, so two workers
 * claiming work never both read and then fail to upgrade to a writer (SQLITE_BUSY mid-way).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly cfg: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(cfg);
  }
  override createDriver() {
    return new ImmediateSqliteDriver(this.cfg);
  }
}

type SqliteHandle = import('better-sqlite3').Database;
type SqliteStatement = ReturnType<SqliteHandle['prepare']>;

/**
 * better-sqlite3 behind kysely, with prepared statements kept by SQL text: kysely prepares
 * every query afresh, and parsing a batch INSERT of a few thousand parameters cost more than
 * running it (analyse writes one every few hundred milliseconds). A statement still iterating
 * (a streamed query) is busy; a second user of the same SQL then gets a fresh one.
 */
function withStatementCache(sqlite: SqliteHandle, size = 64) {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql);
      if (hit && !hit.busy) {
        cache.delete(sql); // re-insert: the map's order is the eviction order
        cache.set(sql, hit);
        return hit;
      }
      const stmt = sqlite.prepare(sql);
      if (!hit) {
        cache.set(sql, stmt);
        if (cache.size > size) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
  };
}

/** What a command needs of the database: a reader never creates one. */
export type OpenOptions = {
  /** Read-only commands (inspect, ledger count): a missing database is an error, not a new file. */
  mustExist?: boolean;
  /**
   * The command only reads (inspect): a SQLite file in a folder it may not write is opened
   * as it is (sqlite-file.ts) instead of failing; an older schema there is an error, since
   * bringing it up to date would write.
   */
  reader?: boolean;
};

/** A SQLite file that could not be opened, said so that the user can act on it. */
function openError(path: string, err: unknown, reader: boolean | undefined): UsageError {
  const code = (err as { code?: string }).code ?? '';
  // The first read of the header: any file that is not SQLite fails there.
  if (code === 'SQLITE_NOTADB') return new UsageError(`--db: ${path} is not a SQLite database`);
  const why = !/^SQLITE_(READONLY|CANTOPEN)/.test(code) || !existsSync(path)
    ? ''
    : reader && existsSync(`${path}-wal`)
      ? ` (its folder is read-only here, and ${basename(path)}-wal beside it says a writer has it open: read it once that writer has closed it)`
      : reader
        ? ' (the file or its folder is read-only here)'
        : ' (this command writes to it, and the file or its folder is read-only here)';
  return new UsageError(`--db: cannot open SQLite database ${path}: ${errorMessage(err)}${why}`);
}

const noDatabase = (display: string) => new UsageError(`no llmops database at ${display} (nothing to read: run ingest, crawl or monitor first, or pass --db)`);

/**
 * The Kysely instance opens the file on its first query (kysely calls the factory then), so a
 * command can set everything up, find a config problem and stop without creating a file.
 */
async function openSqlite(path: string, opts: OpenOptions): Promise<Kysely<Database>> {
  const memory = path === ':memory:';
  if (!memory && opts.mustExist && !existsSync(path)) throw noDatabase(path);
  if (!memory && existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`--db: ${path} is a folder, not a SQLite database file (name a file in it, such as ${join(path, 'llmops.db')})`);
  const connect = async () => {
    if (!memory) mkdirSync(dirname(path), { recursive: true });
    let sqlite;
    let immutable;
    try {
      ({ sqlite, immutable } = await openSqliteFile(path, { mustExist: Boolean(opts.mustExist) && !memory, reader: opts.reader }));
    } catch (err) {
      throw openError(path, err, opts.reader);
    }
    try {
      sqlite.pragma('busy_timeout = 15000');
      if (!immutable) {
        sqlite.pragma('journal_mode = WAL');
        sqlite.pragma('synchronous = NORMAL'); // with WAL: durable across process crashes
        // Bulk writers (featurize, split) commit several MB per batch: see sqlite-pragmas.ts.
        sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      }
      sqlite.pragma('foreign_keys = ON');
    } catch (err) {
      sqlite.close();
      throw openError(path, err, opts.reader);
    }
    // Vector collections have sqlite-vec (vec0) index tables in this file, and a connection
    // without the extension cannot introspect them (kysely's migrator does). Where no prebuilt
    // extension exists, everything but vector search still works: see migrate().
    try {
      (await import('sqlite-vec')).load(sqlite);
    } catch {
      // the vector store reports it when it is needed
    }
    return withStatementCache(sqlite);
  };
  return new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: connect }) });
}

let pgTypesConfigured = false;

async function openPostgres(url: string): Promise<Kysely<Database>> {
  const pg = await import('pg');
  const { Pool, types } = pg.default;
  if (!pgTypesConfigured) {
    // Hand timestamps back as ISO strings and counts as numbers, as SQLite does.
    types.setTypeParser(1184, (v: string) => new Date(v).toISOString()); // timestamptz
    types.setTypeParser(20, (v: string) => Number(v)); // int8 (count(*))
    pgTypesConfigured = true;
  }
  const pool = new Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {}); // an idle client's error surfaces on the next query instead
  // The pool listens for errors on idle clients only: one whose connection dies while it is
  // checked out (a server restart, pg_terminate_backend) emits 'error' to no listener, which
  // killed the process with a stack trace. Its query in flight rejects with the same error,
  // and the command reports that.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * PostgreSQL errors that are the user's to fix (a wrong URL, database, user or password):
 * exit 2 with the URL masked, not a failure of ours.
 */
const PG_USAGE_CODES: Record<string, string> = {
  '3D000': 'no such database',
  '28P01': 'password authentication failed',
  '28000': 'the server refused this user',
  '42501': 'permission denied',
};

/** Opens the database and brings its schema up to date. */
export async function openDatabase(target: DatabaseTarget, opts: OpenOptions = {}): Promise<Db> {
  const prepared = await prepareDatabase(target, opts);
  await prepared.ready();
  return prepared;
}

/**
 * A database handle that has touched nothing yet: no file, no connection, until `ready()`
 * (which migrates) or a first query. `close()` before that leaves nothing behind, so a
 * command can hand the handle to everything it sets up and still stop on a config error
 * without creating the database.
 */
export async function prepareDatabase(target: DatabaseTarget, opts: OpenOptions = {}): Promise<Db & { ready(): Promise<void> }> {
  const db = target.engine === 'sqlite' ? await openSqlite(target.path, opts) : await openPostgres(target.url);
  return {
    db,
    engine: target.engine,
    display: target.display,
    close: () => db.destroy(),
    async ready() {
      try {
        if (opts.mustExist && !(await hasLlmopsSchema(db))) throw noDatabase(target.display);
        await migrate(db);
      } catch (err) {
        await db.destroy().catch(() => {});
        if (err instanceof UsageError) throw err;
        const cause = ((err as { cause?: unknown }).cause ?? err) as { code?: string };
        if (cause instanceof UsageError) throw cause;
        const why = redactText(errorMessage(cause));
        if (opts.reader && /^SQLITE_READONLY/.test(cause.code ?? '')) {
          throw new UsageError(`--db: ${target.display} is read-only here and was written by an older llmops: run any llmops command on it where it can be written, to bring its tables up to date`);
        }
        if (cause.code === 'SQLITE_NOTADB') throw new UsageError(`--db: ${target.display} is not a SQLite database`);
        if (cause.code && PG_USAGE_CODES[cause.code]) throw new UsageError(`--db: cannot open database ${target.display}: ${why}`);
        throw new LlmopsError(`cannot open database ${target.display}: ${why}`, { cause: err });
      }
    },
  };
}

/** A database that llmops never wrote to has no migration table. */
async function hasLlmopsSchema(db: Kysely<any>): Promise<boolean> {
  try {
    await db.selectFrom('llmops_migrations').select('name').limit(1).execute();
    return true;
  } catch (err) {
    if (err instanceof UsageError) throw err; // the file could not be opened at all
    // Only a missing table means "not an llmops database": anything else (a refused connection,
    // a bad password, not a SQLite file) is the connection's own failure, reported as such.
    const code = (err as { code?: string }).code;
    if (code === '42P01' || /no such table/.test(errorMessage(err))) return false;
    throw err;
  }
}

/** True when every migration is recorded: the common case, answered with one query. */
async function upToDate(db: Kysely<any>): Promise<boolean> {
  try {
    const rows = await db.selectFrom('llmops_migrations').select('name').execute();
    const done = new Set(rows.map((r) => r.name as string));
    return Object.keys(migrations).every((m) => done.has(m));
  } catch (err) {
    if (err instanceof UsageError) throw err; // the file could not be opened at all
    return false; // a new database: no migration table yet
  }
}

/** Any constant: the PostgreSQL advisory lock that serializes llmops migrations. */
const PG_MIGRATION_LOCK = 4_711_230_001;

/**
 * Brings the schema up to date. Several processes may open a fresh database at once (three
 * monitors started by one cron tick): each takes a lock first — `BEGIN IMMEDIATE` on SQLite,
 * an advisory lock on PostgreSQL — and checks again under it, so only the first one migrates.
 */
export async function migrate(db: Kysely<any>): Promise<void> {
  // The migrator introspects every table first, which costs time on each start and fails on a
  // vec0 table when sqlite-vec could not be loaded; it only runs when there is work for it.
  if (await upToDate(db)) return;
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.connection().execute(async (conn) => {
    if (postgres) await sql`select pg_advisory_lock(${PG_MIGRATION_LOCK})`.execute(conn);
    else await sql`begin immediate`.execute(conn);
    let done = false;
    try {
      if (!(await upToDate(conn))) await runMigrator(conn);
      done = true;
    } finally {
      if (postgres) await sql`select pg_advisory_unlock(${PG_MIGRATION_LOCK})`.execute(conn).catch(() => {});
      else await sql.raw(done ? 'commit' : 'rollback').execute(conn).catch(() => {});
    }
  });
}

async function runMigrator(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'llmops_migrations',
    migrationLockTableName: 'llmops_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new LlmopsError(`migration ${failed ?? ''} failed: ${errorMessage(error)}`.replace('  ', ' '), { cause: error });
  }
}

/** Whether the database answers (serve's /readyz). */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db.db);
}
