import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { ENGINES, engineMissing, freshDatabase } from '../helpers/databases.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { seedDocuments } from '../helpers/seed.js';
import { startFakeOpenAIEmbeddings } from '../fakes/openai-embeddings-server.js';
import { startFakeQdrant, type FakeQdrant } from '../fakes/qdrant-server.js';
import type { FakeLlmServer } from '../fakes/fake-llm-server.js';

const DOCS = 40;

/** Posts of one chunk and articles of several, every chunk's text different from every other. */
function records(): Record<string, unknown>[] {
  return Array.from({ length: DOCS }, (_, i) =>
    i % 4 === 0
      ? { id: `article-${i}`, category: 'articles', title: `Article ${i}`, text: Array.from({ length: 30 }, (_, j) => `Paragraph ${j} of article ${i} explains how workers share a queue of documents.`).join(' ') }
      : { id: `post-${i}`, category: 'posts', text: `Post ${i}: three workers, one database, every chunk embedded once.` },
  );
}

/** Every text the fake embeddings API was asked to embed, with how often. */
function embeddedInputs(fake: FakeLlmServer): Map<string, number> {
  const seen = new Map<string, number>();
  for (const r of fake.requests) for (const text of r.body.input as string[]) seen.set(text, (seen.get(text) ?? 0) + 1);
  return seen;
}

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`three featurize processes on one ${engine} database`, () => {
    const cleanups: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    it('share the documents: each chunk is embedded once, and every document is featurized', async () => {
      const target = await freshDatabase(engine);
      cleanups.push(target.cleanup);
      const db = await openDatabase(parseDatabaseUrl(target.url));
      cleanups.push(() => db.close());
      await seedDocuments(db, records());
      const fake = await startFakeOpenAIEmbeddings({ apiKey: 'sk-shared' });
      cleanups.push(() => fake.close());
      // Slow enough that the three runs overlap: one alone would take seconds.
      fake.setLatency(250);
      let qdrant: FakeQdrant | undefined;
      if (engine === 'postgres') {
        qdrant = await startFakeQdrant();
        cleanups.push(() => qdrant!.close());
      }
      const env = { OPENAI_API_KEY: 'sk-shared', OPENAI_BASE_URL: fake.url, QDRANT_URL: qdrant?.url };
      const args = ['--db', target.url, 'featurize', '--embedder', 'openai', '--dimension', '64', '--batch-size', '2'];
      const runs = await Promise.all([0, 1, 2].map(() => runCli(args, { env, timeoutMs: 180_000 })));
      for (const r of runs) expect(r.code, r.stderr).toBe(0);

      const summaries = runs.map((r) => ndjson(r.stdout)[0]);
      expect(summaries.reduce((n, s) => n + s.documents, 0)).toBe(DOCS);
      expect(summaries.filter((s) => s.documents > 0).length, 'more than one worker did some of the work').toBeGreaterThan(1);
      const chunks = await db.db.selectFrom('featurize_chunks').select('text').execute();
      const inputs = embeddedInputs(fake);
      expect(summaries.reduce((n, s) => n + s.chunks, 0)).toBe(chunks.length);
      expect([...inputs.values()].reduce((a, b) => a + b, 0), 'inputs sent to the embeddings API').toBe(chunks.length);
      expect(new Set(chunks.map((c) => c.text))).toEqual(new Set(inputs.keys()));
      const featurized = await db.db.selectFrom('featurized_documents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(featurized.n)).toBe(DOCS);
      expect(await db.db.selectFrom('work_claims').selectAll().execute(), 'no lease left behind').toEqual([]);
    }, 300_000);
  });
}
