// The programmatic API: the same stages the CLI runs, for scripts and benchmarks.
export { Logger } from './core/logger.js';
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
export { defineTask } from './llm/tasks/define-task.js';
export { createRedactor } from './llm/secrets.js';
export { classifySentiment } from './llm/local/offline-sentiment.js';
