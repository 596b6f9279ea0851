import type { ColumnType, Generated } from 'kysely';

/**
 * Every table of the database, for kysely (one home: migrations 0001-0008 in one place).
 * Timestamps are ISO-8601 UTC strings on both engines (PostgreSQL
 * stores timestamptz; its parser is set to hand back ISO strings), JSON columns are text in
 * SQLite and jsonb in PostgreSQL and are (de)serialised by the repositories.
 */
export interface DocumentsTable {
  id: string;
  source: string;
  external_id: string | null;
  category: string;
  link: string | null;
  author: string | null;
  title: string | null;
  content: string;
  metadata: ColumnType<unknown, string, string>;
  content_hash: string;
  created_at: string;
  updated_at: string;
}

export interface SentencesTable {
  id: string;
  document_id: string;
  idx: number;
  /** Its text is the document's content[start_offset, end_offset) (UTF-16 code units; migration 0009). */
  start_offset: number;
  end_offset: number;
}

/** One row per split document, so a document that yields no sentence is not split again. */
export interface DocumentSplitsTable {
  document_id: string;
  splitter_version: number;
  sentence_count: number;
  split_at: string;
}

export interface RunsTable {
  id: string;
  command: string;
  args: ColumnType<unknown, string, string>;
  started_at: string;
  finished_at: string | null;
  status: string;
  counts: ColumnType<unknown, string, string>;
  error: string | null;
  pid: number;
  host: string;
  /** What a command records beyond its counts (monitor: which monitor, source and config). */
  details: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface LlmCallsTable {
  id: string;
  trace_id: string;
  provider: string;
  model: string;
  task: string | null;
  system: string | null;
  messages: ColumnType<unknown, string, string>;
  parameters: ColumnType<unknown, string, string>;
  response: string | null;
  raw: ColumnType<unknown, string | null, string | null>;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  latency_ms: number;
  /** Streamed calls: ms from sending to the first text (migration 0007). */
  time_to_first_token_ms: number | null;
  finish_reason: string | null;
  /** ok, error, or cancelled (the caller aborted or stopped reading a stream). */
  status: string;
  error: string | null;
  repaired_from: string | null;
  created_at: string;
}

export interface LlmCacheTable {
  key: string;
  provider: string;
  model: string;
  response: string;
  input_tokens: number;
  output_tokens: number;
  finish_reason: string;
  llm_call_id: string | null;
  created_at: string;
}

export interface ResultsTable {
  id: string;
  sentence_id: string;
  task: string;
  task_version: number;
  status: string;
  label: string | null;
  confidence: number | null;
  value: ColumnType<unknown, string | null, string | null>;
  error: string | null;
  provider: string;
  model: string;
  trace_id: string;
  llm_call_id: string | null;
  cached: number;
  created_at: string;
}

/** A lease on one work item: who holds it and until when (see queue/work-queue.ts). */
export interface WorkClaimsTable {
  item_id: string;
  queue: string;
  worker: string;
  pid: number;
  host: string;
  expires_at: string;
}

/** Featurize (0003): chunks with their token counts, and which documents are done per embedder. */
export interface FeaturizeChunksTable {
  seq: Generated<number>;
  id: string;
  collection: string;
  document_id: string;
  embedder: string;
  category: string;
  idx: number;
  text: string;
  token_count: number;
  created_at: string;
}

export interface FeaturizedDocumentsTable {
  document_id: string;
  embedder: string;
  collection: string;
  content_hash: string;
  chunk_count: number;
  featurized_at: string;
}

/**
 * The ledger (0004, 0005): keys whose work is done, per namespace (the monitor's, or a dedup
 * ledger's). Keys being worked on are leases in work_claims, not rows here. `worker` is the
 * run that recorded the key (a dedup run that fails on bad input takes its keys back).
 */
export interface MonitorLedgerTable {
  namespace: string;
  item_id: string;
  metric: string;
  metric_version: string;
  worker: string;
  created_at: string;
  updated_at: string;
}

export interface MonitorItemsTable {
  run_id: string;
  item_id: string;
  monitor: string;
  source: string;
  trace_id: string | null;
  input: string | null;
  output: string | null;
  context: string | null;
  metadata: ColumnType<unknown, string, string>;
  status: string;
  error: string | null;
  created_at: string;
}

export interface MonitorScoresTable {
  id: string;
  run_id: string;
  monitor: string;
  source: string;
  item_id: string;
  trace_id: string | null;
  metric: string;
  metric_version: string;
  value: number | null;
  pass: number | null;
  comment: string | null;
  scorer: string | null;
  created_at: string;
}

/** A conversation (0008) of `llmops chat` or `serve`; message_count is the last message's seq. */
export interface ChatSessionsTable {
  id: string;
  user_name: string;
  title: string | null;
  message_count: number;
  created_at: string;
  updated_at: string;
}

export interface ChatMessagesTable {
  session_id: string;
  seq: number;
  role: string;
  content: string;
  citations: ColumnType<unknown, string | null | undefined, string | null>;
  trace_id: string | null;
  created_at: string;
}

/** A `serve` account: the scrypt hash of its password, with the salt and parameters it was made with. */
export interface ServeUsersTable {
  name: string;
  password_hash: string;
  password_salt: string;
  scrypt_n: number;
  scrypt_r: number;
  scrypt_p: number;
  created_at: string;
  updated_at: string;
}

/** Secrets the application made itself and keeps (serve's JWT signing key). */
export interface AppSecretsTable {
  name: string;
  value: string;
  created_at: string;
}

export interface Database {
  documents: DocumentsTable;
  sentences: SentencesTable;
  document_splits: DocumentSplitsTable;
  runs: RunsTable;
  llm_calls: LlmCallsTable;
  llm_cache: LlmCacheTable;
  results: ResultsTable;
  work_claims: WorkClaimsTable;
  featurize_chunks: FeaturizeChunksTable;
  featurized_documents: FeaturizedDocumentsTable;
  monitor_ledger: MonitorLedgerTable;
  monitor_items: MonitorItemsTable;
  monitor_scores: MonitorScoresTable;
  chat_sessions: ChatSessionsTable;
  chat_messages: ChatMessagesTable;
  serve_users: ServeUsersTable;
  app_secrets: AppSecretsTable;
}

/** A document as the stages see it. */
export type Document = {
  id: string;
  source: string;
  external_id: string | null;
  category: string;
  link: string | null;
  author: string | null;
  title: string | null;
  content: string;
  metadata: Record<string, unknown>;
  content_hash: string;
  created_at: string;
  updated_at?: string;
};

/** A document's id, content hash and category: enough to tell whether a stage has done it at its current text, and where. */
export type DocumentKey = Pick<Document, 'id' | 'content_hash' | 'category'>;

/** A document to store; `updated_at` is given only by a restore (an export keeps its own). */
export type NewDocument = Omit<Document, 'updated_at'> & { updated_at?: string };

export type UpsertCounts = { inserted: number; updated: number; unchanged: number };

export type Sentence = {
  id: string;
  document_id: string;
  index: number;
  text: string;
  start: number;
  end: number;
};

