import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { saveResults, type ResultRow } from '../../src/store/results-repo.js';
import { sqlCallLogSink } from '../../src/store/llm-calls-repo.js';
import type { CallLogRow } from '../../src/store/call-log-types.js';
import { ENGINES, engineMissing, freshDatabase } from '../helpers/databases.js';

const now = new Date().toISOString();

function callRow(id: string): CallLogRow {
  return {
    id,
    trace_id: `trace-${id}`,
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    task: 'sentiment',
    system: null,
    messages: [{ role: 'user', content: 'Sentence: "Fine."' }],
    parameters: { temperature: 0 },
    response: '{"label":"neutral","confidence":0.5}',
    raw: null,
    input_tokens: 10,
    output_tokens: 5,
    cost_usd: 0.0001,
    latency_ms: 12,
    finish_reason: 'stop',
    status: 'ok',
    error: null,
    repaired_from: null,
    created_at: now,
  };
}

function resultRow(callId: string, over: Partial<ResultRow> = {}): ResultRow {
  return {
    id: 's1:sentiment:v1',
    sentence_id: 's1',
    task: 'sentiment',
    task_version: 1,
    status: 'ok',
    label: 'neutral',
    confidence: 0.5,
    value: { label: 'neutral', confidence: 0.5 },
    error: null,
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    trace_id: `trace-${callId}`,
    llm_call_id: callId,
    cached: false,
    created_at: now,
    ...over,
  };
}

async function counts(db: Db) {
  const n = async (t: 'llm_calls' | 'llm_cache' | 'results') => Number((await db.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { calls: await n('llm_calls'), cache: await n('llm_cache'), results: await n('results') };
}

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`${engine}: a result, its call row and its cache entry commit together`, () => {
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => cleanup?.());

    async function open() {
      const fresh = await freshDatabase(engine);
      const db = await openDatabase(parseDatabaseUrl(fresh.url));
      cleanup = async () => {
        await db.close();
        await fresh.cleanup();
      };
      await db.db.insertInto('documents').values({ id: 'd1', source: 'test', external_id: 'd1', category: 'articles', link: null, author: null, title: null, content: 'Fine.', metadata: '{}', content_hash: 'h', created_at: now, updated_at: now }).execute();
      await db.db.insertInto('sentences').values({ id: 's1', document_id: 'd1', idx: 0, start_offset: 0, end_offset: 5 }).execute();
      return db;
    }

    it('all three, or none of them when the transaction fails', async () => {
      const db = await open();
      const sink = sqlCallLogSink(db.db);
      const entry = { key: 'k1', answer: { text: '{"label":"neutral","confidence":0.5}', usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'stop' as const, llmCallId: 'c1', provider: 'anthropic', model: 'claude-haiku-4-5' } };
      await sink.write(callRow('c1'));
      sink.remember(entry);
      // A result the database refuses (NOT NULL provider): its call row and cache entry are not committed either.
      const bad = sink.take();
      await expect(saveResults(db.db, [resultRow('c1', { provider: null as unknown as string })], bad)).rejects.toThrow();
      expect(await counts(db)).toEqual({ calls: 0, cache: 0, results: 0 });
      // Once taken, the outbox leaves the commit to its owner: nothing is written behind its back.
      await sink.write(callRow('c2'));
      await new Promise((r) => setTimeout(r, 1200));
      expect((await counts(db)).calls).toBe(0);
      const good = sink.take();
      await saveResults(db.db, [resultRow('c2')], { calls: [...bad.calls, ...good.calls], cache: bad.cache });
      expect(await counts(db)).toEqual({ calls: 2, cache: 1, results: 1 });
    });
  });
}
