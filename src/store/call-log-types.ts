import type { LlmCallsTable } from './types.js';

/**
 * What the call log and the response cache hold, and the interfaces the llm layer writes them
 * through. They live here, with the stores that implement them, so the store knows nothing of
 * the llm layer; the llm layer's own types (ChatResult, FinishReason) match them structurally.
 */
/**
 * One model call as the call log keeps it (the llm_calls table, or MongoDB's collection): the
 * table's row, with its JSON columns as values.
 */
export type CallLogRow = Omit<LlmCallsTable, 'messages' | 'parameters' | 'raw' | 'status' | 'time_to_first_token_ms'> & {
  messages: { role: string; content: string }[];
  parameters: Record<string, unknown>;
  raw: unknown;
  /** `response` then holds the text received before the failure or the cancel (streamed calls). */
  status: 'ok' | 'error' | 'cancelled';
  time_to_first_token_ms?: number | null;
};

/** Where the store hook writes: the llm_calls table, or a MongoDB collection. */
export interface CallLogSink {
  write(row: CallLogRow): Promise<void>;
  flush?(): Promise<void>;
  close?(): Promise<void>;
}

export type CachedAnswer = {
  text: string;
  usage: { inputTokens: number; outputTokens: number };
  finishReason: 'stop' | 'length' | 'error' | 'other';
  llmCallId: string | null;
};

/** Answers identical requests from earlier results. */
export interface ResponseCache {
  get(key: string): Promise<CachedAnswer | undefined>;
  put(key: string, entry: CachedAnswer & { provider: string; model: string }): Promise<void>;
}

/** One answer to keep in the cache, under the key of the request it answered. */
export type CacheEntry = { key: string; answer: CachedAnswer & { provider: string; model: string } };

/**
 * Call-log rows and cache entries waiting to be committed together (the SQL call log). A cache
 * entry is never committed before the call it names, so a cached answer always has its call row.
 */
export interface CallOutbox {
  remember(entry: CacheEntry): void;
  /**
   * Hands over everything buffered, for the caller to commit in its own transaction (with the
   * records that link to those calls). From the first take on, the caller owns the commits:
   * the outbox no longer writes on its own timer, only on an explicit flush.
   */
  take(): { calls: CallLogRow[]; cache: CacheEntry[] };
  /**
   * Makes the caller the owner of the commits before any call is made: the outbox writes on its
   * own timer no more (only on an explicit flush), so no call row is committed before the record
   * that links to it. A row committed alone, then lost with its result in a kill, left a call
   * with no result, and the rerun paid for the same sentence again.
   */
  own(): void;
}

/**
 * The call log and response cache a command hands to the llm client factory
 * (`openCallLog`), so the llm layer never opens a database itself.
 */
export type CallLog = {
  /**
   * The sink the store hook writes to, opened when a hookset first asks for it (so MongoDB is
   * connected only when calls are stored); null when there is nowhere to write (stream mode
   * without a database). `outbox` is set when rows can join the caller's transactions (SQL).
   */
  openSink(): Promise<{ sink: CallLogSink; outbox?: CallOutbox } | null>;
  /** The response cache, when caching is on and there is a database. */
  cache?: ResponseCache;
};
