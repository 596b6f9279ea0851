import { Logger, type Verbosity } from '../core/logger.js';
import { UsageError, errorMessage } from '../core/errors.js';
import { redactArgs } from '../core/redact.js';
import type { LlmopsConfig } from '../config/llmops-config.js';
import type { Db } from '../store/database.js';
import type { DocumentStore } from '../store/document-store.js';
import type { RunStatus } from '../store/runs-repo.js';

export type GlobalOptions = {
  db?: string;
  warehouse?: string;
  config?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
};

/** What a command needs from the outside world; built once per invocation. */
export type Context = {
  config: LlmopsConfig;
  logger: Logger;
  /** NDJSON on stdout (with --json, or when stdout is not a terminal). */
  json: boolean;
  /** Progress bars only for a person watching. */
  interactive: boolean;
  /** Aborted on the first SIGINT/SIGTERM: stages finish the batch at hand and stop. */
  signal: AbortSignal;
  dbUrl: string | undefined;
  warehouseUrl: string | undefined;
  /** `{ mustExist: true }` for commands that only read: no database is an error, not a new file. */
  openDb(opts?: import('../store/database.js').OpenOptions): Promise<Db>;
  /** The database handle before anything is opened: `ready()` opens and migrates; `close()` first leaves nothing behind. */
  prepareDb(): Promise<Db & { ready(): Promise<void> }>;
  openWarehouse(db: Db): Promise<DocumentStore>;
};

export async function createContext(globals: GlobalOptions): Promise<Context> {
  const verbosity: Verbosity = globals.quiet ? 'quiet' : globals.verbose ? 'verbose' : 'normal';
  const logger = new Logger(verbosity);
  const { loadLlmopsConfig } = await import('../config/llmops-config.js');
  const { config } = await loadLlmopsConfig(globals.config);
  // An empty LLMOPS_DB is unset (as shells use it); an empty --db is refused when opened.
  const dbUrl = globals.db ?? (process.env.LLMOPS_DB || undefined) ?? config.db;
  const warehouseUrl = globals.warehouse ?? process.env.LLMOPS_WAREHOUSE ?? config.warehouse;
  return {
    config,
    logger,
    json: Boolean(globals.json) || !process.stdout.isTTY,
    interactive: Boolean(process.stderr.isTTY) && verbosity !== 'quiet',
    signal: interruptSignal(logger),
    dbUrl,
    warehouseUrl,
    async openDb(opts) {
      const { parseDatabaseUrl } = await import('../store/database-url.js');
      const { openDatabase } = await import('../store/database.js');
      return openDatabase(parseDatabaseUrl(dbUrl), opts);
    },
    async prepareDb() {
      const { parseDatabaseUrl } = await import('../store/database-url.js');
      const { prepareDatabase } = await import('../store/database.js');
      return prepareDatabase(parseDatabaseUrl(dbUrl));
    },
    async openWarehouse(db: Db) {
      if (warehouseUrl && /^mongodb(\+srv)?:\/\//i.test(warehouseUrl)) {
        const { MongoDocumentStore } = await import('../store/mongo-document-store.js');
        return MongoDocumentStore.open(warehouseUrl);
      }
      if (warehouseUrl) throw new UsageError(`--warehouse: expected a mongodb:// URL (the SQL warehouse is the --db database)`);
      const { SqlDocumentStore } = await import('../store/sql-document-store.js');
      return new SqlDocumentStore(db.db);
    },
  };
}

let controller: AbortController | undefined;

function interruptSignal(logger: Logger): AbortSignal {
  if (controller) return controller.signal;
  const ctrl = new AbortController();
  controller = ctrl;
  const onSignal = (sig: NodeJS.Signals) => {
    if (ctrl.signal.aborted) process.exit(130); // a second Ctrl-C: stop now
    logger.warn(`\n${sig}: finishing the current batch, then stopping (again to stop now)`);
    ctrl.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return ctrl.signal;
}

/**
 * Records the command in the runs table around `fn`: started, finished, status, counts and
 * the arguments with secrets masked. The stage's error still propagates to main.
 */
export async function withRun<T extends { counts: Record<string, unknown>; status?: RunStatus }>(
  db: Db,
  command: string,
  fn: () => Promise<T>,
): Promise<T> {
  const { startRun, finishRun } = await import('../store/runs-repo.js');
  const runId = await startRun(db.db, command, redactArgs(process.argv.slice(2)));
  try {
    const result = await fn();
    await finishRun(db.db, runId, { status: result.status ?? 'ok', counts: result.counts });
    return result;
  } catch (err) {
    const status: RunStatus = err instanceof UsageError ? 'input_error' : 'failed';
    await finishRun(db.db, runId, { status, counts: {}, error: errorMessage(err).split('\n')[0] }).catch(() => {});
    throw err;
  }
}
