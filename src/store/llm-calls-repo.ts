import type { Kysely } from 'kysely';
import type { CallLogRow, CallLogSink } from '../llm/hooks/store-hook.js';
import type { CachedAnswer, ResponseCache } from '../llm/client.js';
import type { Database } from './types.js';
import { writeJson } from './json-column.js';

export function sqlCallLogSink(db: Kysely<Database>): CallLogSink {
  return {
    async write(row: CallLogRow) {
      await db
        .insertInto('llm_calls')
        .values({
          ...row,
          messages: writeJson(row.messages),
          parameters: writeJson(row.parameters),
          raw: row.raw === null ? null : writeJson(row.raw),
        })
        .execute();
    },
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
