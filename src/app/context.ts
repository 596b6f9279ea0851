import { Logger, type Verbosity } from '../core/logger.js';
import type { LlmopsConfig } from '../config/llmops-config.js';
import { interruptSignal } from './interrupt.js';

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
};

export async function createContext(globals: GlobalOptions): Promise<Context> {
  const verbosity: Verbosity = globals.quiet ? 'quiet' : globals.verbose ? 'verbose' : 'normal';
  const logger = new Logger(verbosity);
  const { loadLlmopsConfig } = await import('../config/llmops-config.js');
  const { config } = await loadLlmopsConfig(globals.config);
  return {
    config,
    logger,
    json: Boolean(globals.json) || !process.stdout.isTTY,
    interactive: Boolean(process.stderr.isTTY) && verbosity !== 'quiet',
    signal: interruptSignal(logger),
    // An empty LLMOPS_DB is unset (as shells use it); an empty --db is refused when opened.
    dbUrl: globals.db ?? (process.env.LLMOPS_DB || undefined) ?? config.db,
    warehouseUrl: globals.warehouse ?? process.env.LLMOPS_WAREHOUSE ?? config.warehouse,
  };
}
