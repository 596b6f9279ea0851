import type { Kysely, Transaction } from 'kysely';
import type { CacheEntry, CachedAnswer, CallLogRow, CallLogSink, CallOutbox, ResponseCache } from './call-log-types.js';
import type { Database } from './types.js';
import { writeJson } from './json-column.js';
import { repairStrings } from '../core/storable-text.js';

const FLUSH_ROWS = 100;
const FLUSH_MS = 1000;
// Rows per INSERT: 20 columns a row stays far below SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_CHUNK = 200;

type Executor = Kysely<Database> | Transaction<Database>;

/** Rows every engine can store: a NUL or a lone surrogate anywhere in them (storable-text.ts) repaired, in place. */
const storable = <T>(row: T): T => repairStrings(row, { surrogates: 0, nul: 0 }) as T;

/** Call-log rows, in the caller's transaction when it passes one. */
export async function insertCallRows(db: Executor, rows: CallLogRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db
      .insertInto('llm_calls')
      .values(
        rows.slice(i, i + INSERT_CHUNK).map((given) => {
          const row = storable({ ...given });
          return {
            ...row,
            messages: writeJson(row.messages),
            parameters: writeJson(row.parameters),
            raw: row.raw === null ? null : writeJson(row.raw),
            time_to_first_token_ms: row.time_to_first_token_ms ?? null,
          };
        }),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
}

/** Cache entries; the first answer kept for a key stays. */
export async function insertCacheEntries(db: Executor, entries: CacheEntry[]): Promise<void> {
  const now = new Date().toISOString();
  for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
    await db
      .insertInto('llm_cache')
      .values(
        entries.slice(i, i + INSERT_CHUNK).map(({ key, answer: e }) => ({
          key,
          provider: e.provider,
          model: e.model,
          response: storable(e.text),
          input_tokens: e.usage.inputTokens,
          output_tokens: e.usage.outputTokens,
          finish_reason: e.finishReason,
          llm_call_id: e.llmCallId,
          created_at: now,
        })),
      )
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  }
}

/**
 * The call log in the llm_calls table, written in small batches: one INSERT per call cost more
 * CPU than the call itself at high concurrency. Cache entries wait here with the calls they
 * name and are committed in the same transaction, so a cached answer always has its call row.
 * analyse takes both (`take`) and commits them in the transaction that stores its results, so
 * a kill leaves every result with its call row and cache entry, or none of the three.
 */
export function sqlCallLogSink(db: Kysely<Database>): CallLogSink & CallOutbox {
  let calls: CallLogRow[] = [];
  let cache: CacheEntry[] = [];
  let timer: NodeJS.Timeout | undefined;
  let owned = false;
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const rows = calls;
    const entries = cache;
    calls = [];
    cache = [];
    if (rows.length > 0 || entries.length > 0) {
      writing = writing.catch(() => {}).then(() =>
        db.transaction().execute(async (trx) => {
          await insertCallRows(trx, rows);
          await insertCacheEntries(trx, entries);
        }),
      );
    }
    await writing;
  };
  const schedule = async () => {
    if (owned) return;
    if (calls.length >= FLUSH_ROWS) await flush();
    else if (!timer) {
      timer = setTimeout(() => void flush().catch(() => {}), FLUSH_MS);
      timer.unref();
    }
  };
  const own = () => {
    owned = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return {
    async write(row: CallLogRow) {
      calls.push(row);
      await schedule();
    },
    remember(entry: CacheEntry) {
      cache.push(entry);
      void schedule().catch(() => {});
    },
    own,
    take() {
      own();
      const taken = { calls, cache };
      calls = [];
      cache = [];
      return taken;
    },
    flush,
    close: flush,
  };
}

/** The response cache in the llm_cache table. */
export function sqlResponseCache(db: Kysely<Database>): ResponseCache {
  return {
    async get(key: string): Promise<CachedAnswer | undefined> {
      const row = await db.selectFrom('llm_cache').selectAll().where('key', '=', key).executeTakeFirst();
      if (!row) return undefined;
      return {
        text: row.response,
        usage: { inputTokens: row.input_tokens, outputTokens: row.output_tokens },
        finishReason: row.finish_reason as CachedAnswer['finishReason'],
        llmCallId: row.llm_call_id,
      };
    },
    async put(key, answer) {
      await insertCacheEntries(db, [{ key, answer }]);
    },
  };
}
