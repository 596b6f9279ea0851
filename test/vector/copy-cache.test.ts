import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { SqliteVectorStore } from '../../src/vector/sqlite-vector-store.js';
import type { Point } from '../../src/vector/vector-store.js';
import { EMBEDDER, expectExact, openStore, pointId, put, randomVector, rng, type Model } from './exact-search.js';

// A search keeps the quantized copy's chunk rows in a file beside the database (for the next
// process) and in memory (for the next search of the same store). Neither may ever answer
// for another state of the collection: after writes through another store or plain SQL, a
// drop and recreate under the same name, or a file torn, damaged or copied from before, the
// search gives what brute force gives.

const DIM = 24;
const N = 8500; // over the size from which a cache file is written (8192 slots)

/** One search in a store opened for it, as a one-shot `inspect search` does. */
async function oneShot(path: string, model: Model, queries: number[][], filter?: Record<string, number>) {
  const store = await SqliteVectorStore.open(path);
  try {
    await expectExact(store, 'c', model, queries, 10, filter);
  } finally {
    await store.close();
  }
}

describe('the cache of the quantized copy', () => {
  it('answers one-shot searches from a file that always matches the points', async () => {
    const { store, path, cleanup } = await openStore();
    const cacheFile = `${path}-vq-c`;
    try {
      const r = rng(31);
      const model: Model = new Map();
      const make = (i: number): Point => ({ id: pointId(i), vector: randomVector(r, DIM), payload: { i, group: i % 4 } });
      const upsert = async (points: Point[]) => {
        await store.upsert('c', points, EMBEDDER);
        put(model, points);
      };
      const queries = Array.from({ length: 6 }, () => randomVector(r, DIM));
      await store.createCollection('c', { embedder: EMBEDDER, dimension: DIM });
      for (let i = 0; i < N; i += 3000) await upsert(Array.from({ length: Math.min(3000, N - i) }, (_, j) => make(i + j)));
      expect(existsSync(cacheFile)).toBe(false); // writes never make one

      await oneShot(path, model, queries);
      expect(existsSync(cacheFile)).toBe(true);
      const before = readFileSync(cacheFile);
      await oneShot(path, model, queries, { group: 1 }); // from the file

      // A write through the store that searched (its memory), then through plain SQL.
      await expectExact(store, 'c', model, queries, 10);
      await upsert([{ ...make(3), vector: queries[0]! }, make(N + 1)]);
      await store.delete('c', [pointId(5)]);
      model.delete(pointId(5));
      await expectExact(store, 'c', model, queries, 10);
      await oneShot(path, model, queries);
      const db = new Database(path);
      db.prepare('update vector_points set embedding = ? where collection = ? and id = ?').run(Buffer.from(Float32Array.from(queries[1]!).buffer), 'c', pointId(9));
      db.close();
      model.get(pointId(9))!.vector = Float32Array.from(queries[1]!);
      await expectExact(store, 'c', model, queries, 10);
      await oneShot(path, model, queries);

      // A file of an earlier state, torn or damaged: ignored.
      writeFileSync(cacheFile, before);
      await oneShot(path, model, queries);
      truncateSync(cacheFile, 5000);
      await oneShot(path, model, queries);
      writeFileSync(cacheFile, 'not a cache');
      await oneShot(path, model, queries);
      expect(readFileSync(cacheFile).byteLength).toBeGreaterThan(N * (DIM / 4 + 20)); // rewritten for this state
      await oneShot(path, model, queries);

      // Dropped (the file goes with it) and made again under the same name by the same writes:
      // a stamp of its own, so the first file put back (same writes, same slots) matches nothing.
      await store.dropCollection('c');
      expect(existsSync(cacheFile)).toBe(false);
      model.clear();
      await store.createCollection('c', { embedder: EMBEDDER, dimension: DIM });
      for (let i = 0; i < N; i += 3000) await upsert(Array.from({ length: Math.min(3000, N - i) }, (_, j) => make(i + j)));
      writeFileSync(cacheFile, before);
      await oneShot(path, model, queries);
      await expectExact(store, 'c', model, queries, 10);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('a long-lived store searching two collections in turn answers each for its own current points', async () => {
    // The store keeps the vectors it re-scored for its next searches (serve, chat): per
    // collection and per state of its copy, so neither a write nor the other collection shows through.
    const { store, cleanup } = await openStore();
    try {
      const r = rng(41);
      const models: Record<string, Model> = { a: new Map(), b: new Map() };
      const queries = Array.from({ length: 5 }, () => randomVector(r, DIM));
      for (const name of ['a', 'b']) {
        const points = Array.from({ length: 600 }, (_, i): Point => ({ id: pointId(i), vector: randomVector(r, DIM), payload: { i } }));
        await store.createCollection(name, { embedder: EMBEDDER, dimension: DIM });
        await store.upsert(name, points, EMBEDDER);
        put(models[name]!, points);
      }
      for (let round = 0; round < 3; round++) {
        for (const name of ['a', 'b']) await expectExact(store, name, models[name]!, queries, 10);
        // The same ids take other vectors in 'a': the best of each query moves.
        const moved = queries.map((q, i): Point => ({ id: pointId(100 * round + i), vector: q.map((x) => -x), payload: { i } }));
        await store.upsert('a', moved, EMBEDDER);
        put(models.a!, moved);
        await store.delete('b', [pointId(round)]);
        models.b!.delete(pointId(round));
      }
      await expectExact(store, 'a', models.a!, queries, 10);
      await expectExact(store, 'b', models.b!, queries, 10);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('leaves copies written before the stamp to SQLite until their next write', async () => {
    const { store, path, cleanup } = await openStore();
    const cacheFile = `${path}-vq-c`;
    try {
      const r = rng(37);
      const model: Model = new Map();
      const points = Array.from({ length: N }, (_, i): Point => ({ id: pointId(i), vector: randomVector(r, DIM), payload: { i } }));
      await store.createCollection('c', { embedder: EMBEDDER, dimension: DIM });
      await store.upsert('c', points, EMBEDDER);
      put(model, points);
      await store.close();
      // What the previous llmops left: a fresh copy whose generation counts writes from 0.
      const db = new Database(path);
      db.prepare("update vector_quant_meta set generation = 1, built = 1 where collection = 'c'").run();
      db.close();
      const queries = Array.from({ length: 4 }, () => randomVector(r, DIM));
      await oneShot(path, model, queries);
      expect(existsSync(cacheFile)).toBe(false);

      const again = await SqliteVectorStore.open(path);
      const moved = { id: pointId(2), vector: queries[3]!, payload: { i: 2 } };
      await again.upsert('c', [moved], EMBEDDER);
      await again.close();
      put(model, [moved]);
      await oneShot(path, model, queries);
      expect(existsSync(cacheFile)).toBe(true);
      await oneShot(path, model, queries);
    } finally {
      await cleanup();
    }
  });
});
