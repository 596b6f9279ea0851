import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { saveResults, type ResultRow } from '../../src/store/results-repo.js';
import { withSentenceTexts } from '../../src/store/sentences-repo.js';
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

    it('stores a call whose prompt or answer holds a NUL or a lone surrogate, and the calls flushed with it', async () => {
      const db = await open();
      const sink = sqlCallLogSink(db.db);
      const hostile = { ...callRow('c1'), messages: [{ role: 'user', content: 'Eiffel\u0000 tower \ud800' }], response: 'an answer\u0000', error: 'x\udc00' };
      await sink.write(hostile);
      await sink.write(callRow('c2'));
      sink.remember({ key: 'k1', answer: { text: 'cached\u0000 \ud800', usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop', llmCallId: 'c1', provider: 'anthropic', model: 'm' } });
      await sink.flush!();
      const rows = await db.db.selectFrom('llm_calls').select(['id', 'messages', 'response', 'error']).orderBy('id').execute();
      expect(rows.map((r) => r.id)).toEqual(['c1', 'c2']);
      const [c1] = rows;
      expect(JSON.stringify(c1!.messages)).toContain('Eiffel tower \ufffd');
      expect([c1!.response, c1!.error]).toEqual(['an answer', 'x\ufffd']);
      const cached = await db.db.selectFrom('llm_cache').select('response').executeTakeFirstOrThrow();
      expect(cached.response).toBe('cached \ufffd');
    });

    it("drops the result of a sentence an ingest deleted meanwhile (its document changed), keeping the others and the calls", async () => {
      // The result's insert failed the run: FOREIGN KEY constraint failed, or a deadlock on PostgreSQL.
      const db = await open();
      await db.db.insertInto('sentences').values({ id: 's2', document_id: 'd1', idx: 1, start_offset: 0, end_offset: 5 }).execute();
      await db.db.deleteFrom('sentences').where('id', '=', 's1').execute();
      const gone = resultRow('c1');
      const kept = resultRow('c2', { id: 's2:sentiment:v1', sentence_id: 's2' });
      await saveResults(db.db, [gone, kept], { calls: [callRow('c1'), callRow('c2')], cache: [] }, { engine });
      expect(await counts(db)).toEqual({ calls: 2, cache: 0, results: 1 });
      expect((await db.db.selectFrom('results').select('sentence_id').execute()).map((r) => r.sentence_id)).toEqual(['s2']);
    });

    it.skipIf(engine !== 'postgres')('does not wait for a sentence an uncommitted ingest is deleting (PostgreSQL)', async () => {
      // Waiting for it closed a cycle with that ingest, which then wanted a sentence this
      // transaction had locked: PostgreSQL broke it by failing one of the two (deadlock detected).
      const db = await open();
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let deleted!: () => void;
      const hasDeleted = new Promise<void>((r) => (deleted = r));
      const ingest = db.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('sentences').where('id', '=', 's1').execute();
        deleted();
        await held;
      });
      await hasDeleted;
      const save = saveResults(db.db, [resultRow('c1')], { calls: [callRow('c1')], cache: [] }, { engine });
      let done = false;
      const waited = (async () => {
        while (!done) {
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db.db);
          if (rows[0]!.n > 0) return 'waited for the ingest';
          await new Promise((r) => setTimeout(r, 20));
        }
        return 'saved';
      })();
      const outcome = await Promise.race([save.then(() => 'saved'), waited]);
      done = true;
      release();
      await ingest;
      await save.catch(() => {});
      expect(outcome).toBe('saved');
      expect(await counts(db)).toEqual({ calls: 1, cache: 0, results: 0 });
    });
  });
}

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`${engine}: sentence texts are sliced from their documents`, () => {
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => cleanup?.());

    it('a document deleted between the two reads (dedup --apply meanwhile) makes the reader read again, not fail', async () => {
      const fresh = await freshDatabase(engine);
      const db = await openDatabase(parseDatabaseUrl(fresh.url));
      cleanup = async () => {
        await db.close();
        await fresh.cleanup();
      };
      for (const [id, content] of [['d1', 'Fine. 🎉 Quite fine.'], ['d2', 'Gone soon.']] as const) {
        await db.db.insertInto('documents').values({ id, source: 'test', external_id: id, category: 'articles', link: null, author: null, title: null, content, metadata: '{}', content_hash: id, created_at: now, updated_at: now }).execute();
      }
      await db.db.insertInto('sentences').values([
        { id: 'd1:0', document_id: 'd1', idx: 0, start_offset: 0, end_offset: 5 },
        { id: 'd1:1', document_id: 'd1', idx: 1, start_offset: 6, end_offset: 20 },
        { id: 'd2:0', document_id: 'd2', idx: 0, start_offset: 0, end_offset: 10 },
      ]).execute();
      const read = () => db.db.selectFrom('sentences').select(['id', 'document_id', 'start_offset', 'end_offset']).orderBy('id').execute();
      let reads = 0;
      const { rows, texts } = await withSentenceTexts(db.db, async () => {
        const rows = await read();
        // Deleted after its sentences were read: they go with it (foreign key cascade).
        if (reads++ === 0) await db.db.deleteFrom('documents').where('id', '=', 'd2').execute();
        return rows;
      });
      expect(reads).toBe(2);
      expect(rows.map((r) => r.id)).toEqual(['d1:0', 'd1:1']);
      // Offsets are UTF-16 code units: the emoji's surrogate pair is sliced whole.
      expect(texts).toEqual(['Fine.', '🎉 Quite fine.']);
      // A sentence row whose document stays gone is an error naming it, after a few reads.
      const orphan = { id: 'x:0', document_id: 'x', start_offset: 0, end_offset: 1 };
      await expect(withSentenceTexts(db.db, async () => [orphan])).rejects.toThrow('sentence x:0: its document x is gone');
    });
  });
}
