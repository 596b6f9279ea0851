import { Logger } from '../core/logger.js';
import type { SearchResult } from '../search/search-results.js';
import type { MonitorRunResult } from '../monitor/run-monitor.js';
import type { SentenceTask } from '../llm/tasks/define-task.js';
import type { Answer } from '../answer/answer-types.js';
import type { AnalyseReport } from './analyse.js';
import { locateContext, type Context } from './context.js';
import type { FeaturizeReport } from './featurize.js';
import type { IngestFlags, IngestReport } from './ingest.js';
import type { SplitReport } from './split.js';

// The library: each stage as one call from a script, on the same app functions the CLI runs.
// A call opens what it needs and closes it before it returns; it prints nothing (the summary
// the CLI prints is the return value), never exits, and installs no signal handler.

/** Where the data lives and how to stop; every function takes these. */
export type StoreOptions = {
  /** A SQLite path or postgres:// URL; else found as the CLI finds it (LLMOPS_DB, llmops.yaml, `.llmops/` here or in a parent). */
  db?: string;
  /** A mongodb:// document warehouse; else the database's own tables. */
  warehouse?: string;
  /** An llmops.yaml to read (its `db` and `warehouse`); else the one in the project, if any. */
  llmopsConfig?: string;
  /** Aborting stops the run after the batch at hand; what is done stays stored. */
  signal?: AbortSignal;
  /** Where notes and warnings go (stderr); default: nowhere but errors. */
  logger?: Logger;
};

/** `inputs`: files, folders (their files of a known format, or those `glob` matches) or `-` for stdin; the rest as `llmops ingest`'s flags. */
export type IngestOptions = StoreOptions & IngestFlags & { inputs: string[] };

/** Stores the inputs' records as documents; returns what `llmops ingest` prints. */
export async function ingest(opts: IngestOptions): Promise<IngestReport> {
  const { ingestInputs } = await import('./ingest.js');
  const { inputs, db: _d, warehouse: _w, llmopsConfig: _c, signal: _s, logger: _l, ...flags } = opts;
  return ingestInputs(await libraryContext(opts), inputs, flags);
}

export type SplitOptions = StoreOptions & {
  limit?: number;
  batchSize?: number;
  /** Worker threads that split (default: the cores; 1 = all in this thread). */
  workers?: number;
};

/** Splits the stored documents not split yet into sentences; returns what `llmops split` prints. */
export async function split(opts: SplitOptions = {}): Promise<SplitReport> {
  const { splitDocuments } = await import('./split.js');
  return splitDocuments(await libraryContext(opts), { limit: opts.limit, batchSize: opts.batchSize, workers: opts.workers });
}

export type AnalyseOptions = StoreOptions & {
  /** `sentiment` (the default), a task module's path, or a task made with `defineTask`. */
  task?: string | SentenceTask;
  /** A profiles env (default: LLMOPS_ENV, else the profiles file's default, `offline`). */
  env?: string;
  /** A profiles.toml of your own. */
  profiles?: string;
  concurrency?: number;
  rpm?: number;
  limit?: number;
  /** Answer repeated prompts from the call log (default true). */
  cache?: boolean;
};

/**
 * Runs the task on the stored sentences without a result; returns what `llmops analyse`
 * prints. Sentences that fail are counted in `failed` (and retried by the next run).
 */
export async function analyse(opts: AnalyseOptions = {}): Promise<AnalyseReport> {
  const { analyseSentences } = await import('./analyse.js');
  const { task = 'sentiment', env, profiles, concurrency = 8, rpm, limit, cache = true } = opts;
  return analyseSentences(await libraryContext(opts), { task, env, profiles, concurrency, rpm, limit, cache });
}

export type FeaturizeOptions = StoreOptions & {
  /** `auto` (MiniLM if its weights load, else hashing), `minilm`, `hashing` or `openai`. */
  embedder?: string;
  model?: string;
  modelsDir?: string;
  dimension?: number;
  /** `auto` (Qdrant when QDRANT_URL is set, else sqlite-vec), `sqlite` or `qdrant`. */
  vectors?: 'auto' | 'sqlite' | 'qdrant';
  category?: string;
  limit?: number;
  recreate?: boolean;
  featurizeConfig?: string;
  /** Threads that clean, chunk, count and hash, the writer included (default: the cores; 1 = all in this thread). */
  workers?: number;
};

/** Cleans, chunks and embeds the documents not featurized yet; returns what `llmops featurize` prints. */
export async function featurize(opts: FeaturizeOptions = {}): Promise<FeaturizeReport> {
  const { featurize: run } = await import('./featurize.js');
  const { embedder = 'auto', vectors = 'auto', model, modelsDir, dimension, category, limit, recreate, featurizeConfig, workers } = opts;
  return run(await libraryContext(opts), { embedder, vectors, model, modelsDir, dimension, category, limit, recreate, featurizeConfig, workers });
}

export type SearchOptions = StoreOptions & {
  /** A featurized collection, e.g. `embedded_articles`. */
  collection: string;
  query: string;
  /** How many hits (default 10). */
  k?: number;
  mode?: 'vector' | 'lexical' | 'hybrid';
  fusion?: 'rrf' | 'convex';
  /** Payload fields that must match, e.g. `{ category: 'posts' }`. */
  filter?: Record<string, string>;
  modelsDir?: string;
};

/** The best chunks of a collection for a query (`llmops inspect search`). */
export async function search(opts: SearchOptions): Promise<SearchResult[]> {
  const { searchHits } = await import('./inspect-search.js');
  const { collection, query, k = 10, mode = 'hybrid', fusion, filter, modelsDir } = opts;
  const filters = filter && Object.entries(filter).map(([key, value]) => `${key}=${value}`);
  return searchHits(await libraryContext(opts), collection, { query, k, mode, fusion, filter: filters, modelsDir });
}

export type AskOptions = StoreOptions & {
  question: string;
  /** Collections to search; default every embedded one. */
  collections?: string[];
  /** How many chunks to retrieve (default 5). */
  k?: number;
  /** Tokens the prompt may take: instructions, question, retrieved chunks (default 3000). */
  budget?: number;
  /** Longest answer a model may write (default 1024). */
  maxTokens?: number;
  /** A profiles env; `offline` (the default) and any `local` profile answer extractively. */
  env?: string;
  profiles?: string;
  /** No model, whatever the env: the sources' best-matching sentences. */
  extractive?: boolean;
  modelsDir?: string;
};

/** Answers a question from the featurized collections, citing them (`llmops ask --json`). */
export async function ask(opts: AskOptions): Promise<Answer> {
  const { answerOne } = await import('./ask.js');
  const { question, collections, k = 5, budget = 3000, maxTokens = 1024, env, profiles, extractive, modelsDir } = opts;
  return answerOne(await libraryContext(opts), question, { collection: collections, k, budget, maxTokens, env, profiles, extractive, modelsDir });
}

export type MonitorOptions = StoreOptions & {
  /** One monitor config file or several, e.g. `configs/monitor.yaml`. */
  config: string | string[];
  /** Score, publish nothing, leave the ledger untouched. */
  dryRun?: boolean;
  /** Also write the score records as NDJSON to this file. */
  out?: string;
  env?: string;
  profiles?: string;
  concurrency?: number;
};

/** Runs each monitor once; returns each run's result (what `llmops monitor` prints). */
export async function monitor(opts: MonitorOptions): Promise<MonitorRunResult[]> {
  const { runMonitors } = await import('./monitor.js');
  const { config, dryRun, out, env, profiles, concurrency } = opts;
  return runMonitors(await libraryContext(opts), typeof config === 'string' ? [config] : config, { dryRun, out, env, profiles, concurrency });
}

/** The CLI's context without the terminal: nothing printed, no progress bar, the caller's signal. */
function libraryContext(opts: StoreOptions): Promise<Context> {
  return locateContext({ db: opts.db, warehouse: opts.warehouse, config: opts.llmopsConfig }, {
    logger: opts.logger ?? new Logger('quiet'),
    json: false,
    interactive: false,
    printing: false,
    signal: opts.signal ?? new AbortController().signal,
  });
}
