// The programmatic API. One call per stage, as the CLI runs it: each opens what it needs,
// closes it, prints nothing, and returns the summary the CLI prints.
export { ingest, split, analyse, featurize, search, ask, monitor } from './app/library.js';
export type { StoreOptions, IngestOptions, SplitOptions, AnalyseOptions, FeaturizeOptions, SearchOptions, AskOptions, MonitorOptions } from './app/library.js';
export type { IngestReport } from './app/ingest.js';
export type { SplitReport } from './app/split.js';
export type { AnalyseReport } from './app/analyse.js';
export type { FeaturizeReport } from './app/featurize.js';
export type { SearchResult } from './search/search-results.js';
export type { Answer, Citation, AnswerSource } from './answer/answer-types.js';
export type { MonitorRunResult, MetricSummary } from './monitor/run-monitor.js';
export { defineTask, type Task, type SentenceTask } from './llm/tasks/define-task.js';
export { LlmopsError, UsageError, InputError, PartialFailure } from './core/errors.js';
export { Logger } from './core/logger.js';

// The stages' own parts, for benchmarks and finer control.
export { openDatabase } from './store/database.js';
export { parseDatabaseUrl } from './store/database-url.js';
export { SqlDocumentStore } from './store/sql-document-store.js';
export { runIngest } from './ingest/run-ingest.js';
export { runSplit } from './split/run-split.js';
export { splitSentences, SPLITTER_VERSION } from './text/split-sentences.js';
export { runAnalyse } from './analyse/run-analyse.js';
export { resolveEnv } from './llm/profiles/load-profiles.js';
export { createClientFromEnv } from './llm/create-client.js';
export { openCallLog } from './store/open-call-log.js';
export { sentimentTask } from './llm/tasks/sentiment-task.js';
export { createRedactor } from './llm/secrets.js';
export { classifySentiment } from './llm/local/offline-sentiment.js';
