import type { Kysely } from 'kysely';
import type { CallLogRow, CallLogSink } from '../llm/hooks/store-hook.js';
import type { CachedAnswer, ResponseCache } from '../llm/client.js';
import type { Database } from './types.js';
import { writeJson } from './json-column.js';

const FLUSH_ROWS = 100;
const FLUSH_MS = 1000;

/**
 * The call log in the llm_calls table, written in small batches: one INSERT per call cost more
 * CPU than the call itself at high concurrency. Callers flush before storing anything that
 * links to a call (analyse does, before each batch of results), so a crash never leaves a
 * result pointing at a call that was not logged.
 */
export function sqlCallLogSink(db: Kysely<Database>): CallLogSink {
  let buffer: CallLogRow[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const rows = buffer;
    buffer = [];
    if (rows.length > 0) {
      writing = writing.then(() =>
        db
          .insertInto('llm_calls')
          .values(rows.map((row) => ({ ...row, messages: writeJson(row.messages), parameters: writeJson(row.parameters), raw: row.raw === null ? null : writeJson(row.raw) })))
          .execute()
          .then(() => undefined),
      );
    }
    await writing;
  };
  return {
    async write(row: CallLogRow) {
      buffer.push(row);
      if (buffer.length >= FLUSH_ROWS) await flush();
      else if (!timer) {
        timer = setTimeout(() => void flush().catch(() => {}), FLUSH_MS);
        timer.unref();
      }
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
    async put(key, e) {
      await db
        .insertInto('llm_cache')
        .values({
          key,
          provider: e.provider,
          model: e.model,
          response: e.text,
          input_tokens: e.usage.inputTokens,
          output_tokens: e.usage.outputTokens,
          finish_reason: e.finishReason,
          llm_call_id: e.llmCallId,
          created_at: new Date().toISOString(),
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    },
  };
}
