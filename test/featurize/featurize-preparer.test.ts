import { describe, expect, it } from 'vitest';
import { createHashingEmbedder } from '../../src/embed/hashing-embedder.js';
import { loadFeaturizeConfig } from '../../src/featurize/featurize-config.js';
import { openPreparer, startPreparerThreads, type PreparedBatch } from '../../src/featurize/featurize-preparer.js';
import type { Document } from '../../src/store/types.js';

function doc(i: number): Document {
  const words = Array.from({ length: 40 + ((i * 53) % 700) }, (_, j) => `w${(i * 11 + j * 5) % 173}`).join(' ');
  return { id: `d-${String(i).padStart(4, '0')}`, source: 't', external_id: null, category: i % 2 ? 'articles' : 'posts', link: null, author: null, title: `T ${i}`, content: `${words}. Dr. Lee said so! 你好 🎉`, metadata: {}, content_hash: String(i), created_at: '' };
}

/** A batch as plain data, vectors as bytes: what the writer stores from it. */
function plain(b: PreparedBatch) {
  return { prepared: b.prepared, vectors: b.vectors?.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')) };
}

describe('featurize preparer, the writer thread preparing batches too', () => {
  it('prepares a batch still queued in this thread, the same as a worker thread and as one thread', async () => {
    // A chunk limit of the caller's own (not in the embedder id): the worker must cut the same chunks.
    const embedder = await createHashingEmbedder({ maxTokens: 96 });
    const config = await loadFeaturizeConfig();
    const batches = [0, 1, 2].map((b) => Array.from({ length: 12 }, (_, i) => doc(b * 12 + i)));
    const one = openPreparer(embedder, config, 1);
    // pointCodes: a worker thread computes the points' quantized codes too, this thread does
    // not (the store does, as it writes): they tell who prepared a batch.
    const two = openPreparer(embedder, config, 2, { pointCodes: true });
    try {
      expect(two.threads).toBe(2);
      // Once started, the worker thread holds two batches (the one it works on and the next);
      // the third waits in the queue, and `ready` prepares it here rather than wait for the worker.
      await two.started;
      const work = batches.map((docs) => two.prepare(docs));
      const third = await two.ready(work[2]!);
      const byWorker = await Promise.all([two.ready(work[0]!), two.ready(work[1]!)]);
      expect(third.codes).toBeUndefined();
      for (const b of byWorker) expect(b.codes?.reduce((n, c) => n + c.ids.length, 0)).toBe(b.prepared.reduce((n, p) => n + p.chunks.length, 0));
      const alone = await Promise.all(batches.map((docs) => one.prepare(docs)));
      // One thread embeds in the writer (runFeaturize); here the vectors are compared as the writer gets them.
      const vectorsAlone = await Promise.all(alone.map((b) => embedder.embedBatch(b.prepared.flatMap((p) => p.chunks.map((c) => c.text)))));
      const expected = alone.map((b, i) => plain({ prepared: b.prepared, vectors: vectorsAlone[i]! }));
      expect(plain(third)).toEqual(expected[2]);
      expect(byWorker.map(plain)).toEqual(expected.slice(0, 2));
      // The caller's limit held in both threads.
      for (const b of [third, ...byWorker]) for (const p of b.prepared) for (const c of p.chunks) expect(c.token_count).toBeLessThanOrEqual(96);
      expect(third.prepared.some((p) => p.chunks.length > 1)).toBe(true);
    } finally {
      await two.close();
      await one.close();
    }
  }, 60_000);
});

describe('featurize preparer, while its worker threads start', () => {
  it('prepares in this thread the batches it waits for, not leaving them to a worker still loading', async () => {
    const embedder = await createHashingEmbedder();
    const config = await loadFeaturizeConfig();
    const two = openPreparer(embedder, config, 2, { pointCodes: true });
    try {
      // Asked at once, before the worker has loaded its script (which takes a few hundred ms
      // of module loading): nothing is handed to it yet, so this thread prepares the batch.
      const first = await two.ready(two.prepare(Array.from({ length: 4 }, (_, i) => doc(i))));
      expect(first.codes).toBeUndefined();
      expect(first.prepared.map((p) => p.chunks.length > 0)).toEqual([true, true, true, true]);
      await two.started;
    } finally {
      await two.close();
    }
  }, 60_000);
});

describe('featurize preparer, with threads started ahead of the run', () => {
  it('takes threads started ahead when it wants as many (their first batch comes back from a worker), and closes them otherwise', async () => {
    const embedder = await createHashingEmbedder();
    const config = await loadFeaturizeConfig();
    // Started before the embedder is known; loaded by the time the run asks.
    const ahead = startPreparerThreads(1);
    await ahead.pool.started;
    const two = openPreparer(embedder, config, 2, { pointCodes: true, started: ahead });
    try {
      const docs = Array.from({ length: 6 }, (_, i) => doc(i));
      // Already loaded: the batch goes to the worker at once (codes: a worker made it).
      const batch = await two.ready(two.prepare(docs));
      expect(batch.codes?.reduce((n, c) => n + c.ids.length, 0)).toBe(batch.prepared.reduce((n, p) => n + p.chunks.length, 0));
      const alone = openPreparer(embedder, config, 1);
      expect(plain(batch).prepared).toEqual(plain(await alone.prepare(docs)).prepared);
    } finally {
      await two.close();
    }
    await expect(ahead.pool.run({ docs: [], setup: undefined as never })).rejects.toThrow(/closed/);

    // One thread wanted (or another count): the threads started ahead are closed, not left running.
    for (const threads of [1, 3]) {
      const unused = startPreparerThreads(1);
      const preparer = openPreparer(embedder, config, threads, { started: unused });
      await expect(unused.pool.run({ docs: [], setup: undefined as never })).rejects.toThrow(/closed/);
      await preparer.close();
    }
  }, 60_000);
});
