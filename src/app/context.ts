import { Logger, type Verbosity } from '../core/logger.js';
import type { LlmopsConfig } from '../config/llmops-config.js';
import { interruptSignal } from './interrupt.js';
import { locateDatabase, locateWarehouse, openProject, type Located, type Project } from './locations.js';

export type GlobalOptions = {
  db?: string;
  warehouse?: string;
  config?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
};

/** Where the data lives and why (what `llmops where` prints). */
export type Sources = {
  project: Project;
  /** Always a value: named, found in a parent folder, or the default in this folder. */
  db: Located & { value: string };
  warehouse: Located;
};

/** What a command needs from the outside world; built once per invocation. */
export type Context = {
  config: LlmopsConfig;
  logger: Logger;
  /** NDJSON on stdout (with --json, or when stdout is not a terminal). */
  json: boolean;
  /** Progress bars only for a person watching. */
  interactive: boolean;
  /** False in the library: results are returned, never printed. */
  printing: boolean;
  /** Aborted on the first SIGINT/SIGTERM: stages finish the batch at hand and stop. */
  signal: AbortSignal;
  /** A database named by --db, LLMOPS_DB or llmops.yaml; undefined: the found or default one (`sources.db`). */
  dbUrl: string | undefined;
  warehouseUrl: string | undefined;
  sources: Sources;
};

/** How a command talks to the world: the CLI's terminal, or nothing at all for the library. */
export type ContextIo = Pick<Context, 'logger' | 'json' | 'interactive' | 'printing' | 'signal'>;

/** The CLI's context: stdout, stderr, a progress bar for a person, Ctrl-C handled. */
export async function createContext(globals: GlobalOptions): Promise<Context> {
  const verbosity: Verbosity = globals.quiet ? 'quiet' : globals.verbose ? 'verbose' : 'normal';
  const logger = new Logger(verbosity);
  return locateContext(globals, {
    logger,
    json: Boolean(globals.json) || !process.stdout.isTTY,
    interactive: Boolean(process.stderr.isTTY) && verbosity !== 'quiet',
    printing: true,
    signal: interruptSignal(logger),
  });
}

/** A context over `io`, with the stores found as the CLI finds them (flags, env, llmops.yaml, parents). */
export async function locateContext(globals: Pick<GlobalOptions, 'db' | 'warehouse' | 'config'>, io: ContextIo): Promise<Context> {
  const project = await openProject(globals.config);
  const db = locateDatabase(globals.db, project);
  const warehouse = locateWarehouse(globals.warehouse, project);
  return {
    ...io,
    config: project.config.config,
    // An empty --db is refused when opened, never taken for the default.
    dbUrl: db.origin === 'parent' || db.origin === 'default' ? undefined : db.value,
    warehouseUrl: warehouse.value,
    sources: { project, db, warehouse },
  };
}
