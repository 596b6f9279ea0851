import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Point } from '../../src/vector/vector-store.js';
import type { SqliteVectorStore } from '../../src/vector/sqlite-vector-store.js';
import { copyIsFresh, EMBEDDER, exactTopK, expectExact, openStore, pointId, put, randomVector, rng, type Model } from './exact-search.js';

// The search through the quantized copy returns what a brute-force scan returns: the same
// points in the same order with the same scores, on data where a 2-bit code is a poor picture
// of a vector (random directions: every point nearly as far as every other) and on clustered
// data full of ties. Collections span several chunks of the copy (1024 slots each).

describe('quantized search on random directions', () => {
  let opened: Awaited<ReturnType<typeof openStore>>;
  let store: SqliteVectorStore;
  const model: Model = new Map();
  const r = rng(11);
  const queries = Array.from({ length: 40 }, () => randomVector(r, 96));

  beforeAll(async () => {
    opened = await openStore();
    store = opened.store;
    await store.createCollection('random', { embedder: EMBEDDER, dimension: 96 });
    const points: Point[] = Array.from({ length: 3000 }, (_, i) => ({
      id: pointId(i),
      vector: randomVector(r, 96),
      payload: { i, group: i % 7, even: i % 2 === 0, name: `p${i}`, kind: 'chunk', doc: { lang: i % 3 === 0 ? 'fr' : 'en' } },
    }));
    for (let i = 0; i < points.length; i += 700) await store.upsert('random', points.slice(i, i + 700), EMBEDDER);
    put(model, points);
  });
  afterAll(async () => {
    await store.close();
    await opened.cleanup();
  });

  it('gives the exact top k for k = 1, 10 and 50, through a fresh copy', async () => {
    await expectExact(store, 'random', model, queries, 10);
    await expectExact(store, 'random', model, queries.slice(0, 10), 1);
    await expectExact(store, 'random', model, queries.slice(0, 10), 50);
    expect(copyIsFresh(opened.path, 'random', 96)).toBe(true);
  });

  it('applies filters matching all, some, one and none inside the search', async () => {
    await expectExact(store, 'random', model, queries.slice(0, 10), 10, { kind: 'chunk' });
    await expectExact(store, 'random', model, queries.slice(0, 10), 10, { group: 3 });
    await expectExact(store, 'random', model, queries.slice(0, 10), 10, { group: 3, even: true });
    await expectExact(store, 'random', model, queries.slice(0, 10), 10, { 'doc.lang': 'fr' });
    // An object never equals a scalar, but its hash passes every value: all of its points reach
    // the SQL check, which rejects them, and the search must look past the k-th lower bound.
    await expectExact(store, 'random', model, queries.slice(0, 3), 10, { doc: 'fr' });
    const one = await store.search('random', { vector: queries[0]!, embedder: EMBEDDER, k: 10, filter: { name: 'p1234' } });
    expect(one.map((h) => h.id)).toEqual([pointId(1234)]);
    expect(await store.search('random', { vector: queries[0]!, embedder: EMBEDDER, k: 10, filter: { group: 99 } })).toEqual([]);
    // A number is not the string of its digits, as in SQL: name is "p…", i is a number.
    expect(await store.search('random', { vector: queries[0]!, embedder: EMBEDDER, k: 10, filter: { i: '12' } })).toEqual([]);
  });
});

describe('quantized search on clustered data with ties', () => {
  let opened: Awaited<ReturnType<typeof openStore>>;
  let store: SqliteVectorStore;
  const model: Model = new Map();
  const r = rng(23);
  const dim = 30; // not a multiple of 4: the last byte of each code is part padding
  const centres = Array.from({ length: 12 }, () => randomVector(r, dim));

  beforeAll(async () => {
    opened = await openStore();
    store = opened.store;
    await store.createCollection('clusters', { embedder: EMBEDDER, dimension: dim });
    const points: Point[] = [];
    for (let i = 0; i < 2000; i++) {
      const c = centres[i % centres.length]!;
      let vector = c.map((x) => x + 0.08 * (r() - 0.5));
      // Exact ties: the previous point's vector again, or twice it (the same direction).
      if (i % 5 === 4) vector = [...(points[i - 1]!.vector as number[])];
      if (i % 9 === 8) vector = (points[i - 1]!.vector as number[]).map((x) => 2 * x);
      if (i % 250 === 0) vector = new Array<number>(dim).fill(0); // no direction: never a hit
      points.push({ id: pointId(i), vector, payload: { i, cluster: i % centres.length, all: true } });
    }
    await store.upsert('clusters', points, EMBEDDER);
    put(model, points);
  });
  afterAll(async () => {
    await store.close();
    await opened.cleanup();
  });

  it('orders tied points by id and never returns a zero vector', async () => {
    const queries = [...centres, ...centres.map((c) => c.map((x) => x + 0.05 * (r() - 0.5)))];
    await expectExact(store, 'clusters', model, queries, 10);
    await expectExact(store, 'clusters', model, queries.slice(0, 4), 37);
    const hits = await store.search('clusters', { vector: centres[0]!, embedder: EMBEDDER, k: 2000 });
    expect(hits.map((h) => h.id)).not.toContain(pointId(0));
    expect(copyIsFresh(opened.path, 'clusters', dim)).toBe(true);
  });

  it('returns every point, in order, when k is larger than the collection', async () => {
    const hits = await store.search('clusters', { vector: centres[3]!, embedder: EMBEDDER, k: 5000 });
    const zeros = [...model.values()].filter((p) => p.vector.every((x) => x === 0)).length;
    expect(zeros).toBeGreaterThan(5);
    expect(hits).toHaveLength(2000 - zeros);
    expect(hits.map((h) => h.id)).toEqual(exactTopK(model, centres[3]!, 5000).map((e) => e.id));
    await expectExact(store, 'clusters', model, [centres[5]!], 5000, { cluster: 5 });
  });

  it('filters matching all, one cluster, and nothing', async () => {
    await expectExact(store, 'clusters', model, centres.slice(0, 4), 10, { all: true });
    await expectExact(store, 'clusters', model, centres.slice(0, 4), 10, { cluster: 7 });
    await expectExact(store, 'clusters', model, centres.slice(0, 2), 10, { cluster: 99 });
  });
});
