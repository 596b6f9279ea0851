import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deterministicId } from '../../src/core/ids.js';
import type { VectorStore } from '../../src/vector/vector-store.js';

export type OpenedStore = { store: VectorStore; cleanup: () => Promise<void> };

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

const DIM = 16;
const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

/** The behaviour every vector store must have; run for sqlite-vec, the Qdrant fake and a live Qdrant. */
export function vectorStoreContract(name: string, open: () => Promise<OpenedStore>) {
  describe(`${name} vector store`, () => {
    let opened: OpenedStore;
    let store: VectorStore;
    const r = rng(7);
    const points = Array.from({ length: 60 }, (_, i) => ({
      id: deterministicId('test-point', String(i)),
      vector: unit(Array.from({ length: DIM }, r)),
      payload: { document_id: `doc-${i % 6}`, category: i % 2 === 0 ? 'posts' : 'articles', idx: i, text: `point ${i}` },
    }));
    const coll = `contract_${Date.now().toString(36)}`;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
      await store.createCollection(coll, { embedder: 'test:emb-a', dimension: DIM });
      await store.upsert(coll, points, 'test:emb-a');
    });
    afterAll(async () => {
      await store?.dropCollection(coll).catch(() => {});
      await store?.dropCollection(`${coll}_payload`).catch(() => {});
      await store?.close();
      await opened?.cleanup();
    });

    it('records the embedder and dimension of a collection and lists it with its count', async () => {
      const info = await store.getCollection(coll);
      expect(info).toEqual({ name: coll, embedder: 'test:emb-a', dimension: DIM, count: 60 });
      const all = await store.listCollections();
      expect(all.find((c) => c.name === coll)).toMatchObject({ embedder: 'test:emb-a', dimension: DIM, count: 60 });
      expect(await store.getCollection(`${coll}_missing`)).toBeUndefined();
    });

    it('creating an existing collection again is a no-op; another embedder is refused with a clear error', async () => {
      await store.createCollection(coll, { embedder: 'test:emb-a', dimension: DIM });
      await expect(store.createCollection(coll, { embedder: 'test:emb-b', dimension: DIM })).rejects.toThrow(/holds test:emb-a vectors .*refusing vectors from test:emb-b/);
    });

    it('upserts idempotently: same ids again leave the count alone and replace the payload', async () => {
      await store.upsert(coll, points.slice(0, 5).map((p) => ({ ...p, payload: { ...p.payload, text: 'replaced' } })), 'test:emb-a');
      expect(await store.count(coll)).toBe(60);
      const [got] = await store.get(coll, [points[0]!.id]);
      expect(got!.payload.text).toBe('replaced');
      await store.upsert(coll, points.slice(0, 5), 'test:emb-a');
    });

    it('searches exactly: the same top-k as a brute-force scan, best first, identical vector scores 1', async () => {
      const q = points[17]!.vector;
      const hits = await store.search(coll, { vector: q, embedder: 'test:emb-a', k: 10 });
      const brute = points
        .map((p) => ({ id: p.id, s: p.vector.reduce((s, x, i) => s + x * q[i]!, 0) }))
        .sort((a, b) => b.s - a.s)
        .slice(0, 10);
      expect(hits.map((h) => h.id)).toEqual(brute.map((b) => b.id));
      expect(hits[0]!.score).toBeCloseTo(1, 4);
      for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score + 1e-6);
      expect(hits[0]!.payload).toMatchObject({ idx: 17, category: 'articles' });
    });

    it('filters searches, counts and samples on payload values', async () => {
      const hits = await store.search(coll, { vector: points[3]!.vector, embedder: 'test:emb-a', k: 100, filter: { category: 'posts' } });
      expect(hits).toHaveLength(30);
      expect(hits.every((h) => h.payload.category === 'posts')).toBe(true);
      expect(await store.count(coll, { document_id: 'doc-1' })).toBe(10);
      expect(await store.count(coll, { idx: 4, category: 'posts' })).toBe(1);
      const sample = await store.sample(coll, 3, { category: 'articles' });
      expect(sample).toHaveLength(3);
      expect(sample.every((s) => s.payload.category === 'articles')).toBe(true);
      expect((await store.sample(coll, 3)).map((s) => s.id)).toEqual((await store.sample(coll, 3)).map((s) => s.id));
    });

    it('refuses queries from another embedder and vectors of the wrong dimension', async () => {
      await expect(store.search(coll, { vector: points[0]!.vector, embedder: 'test:emb-b', k: 3 })).rejects.toThrow(/holds test:emb-a vectors/);
      await expect(store.search(coll, { vector: [1, 0, 0], embedder: 'test:emb-a', k: 3 })).rejects.toThrow(/3 dimensions/);
      await expect(store.upsert(coll, [{ id: deterministicId('x'), vector: [1, 2], payload: {} }], 'test:emb-a')).rejects.toThrow(/2 dimensions/);
      await expect(store.upsert(coll, points.slice(0, 1), 'test:emb-b')).rejects.toThrow(/refusing vectors from test:emb-b/);
    });

    it('a zero vector (a text with no features) is never a hit', async () => {
      const zero = { id: deterministicId('zero-point'), vector: new Array(DIM).fill(0), payload: { idx: -1 } };
      await store.upsert(coll, [zero], 'test:emb-a');
      const hits = await store.search(coll, { vector: points[5]!.vector, embedder: 'test:emb-a', k: 3 });
      expect(hits.map((h) => h.id)).not.toContain(zero.id);
      expect(hits[0]!.id).toBe(points[5]!.id);
      await store.delete(coll, [zero.id]);
    });

    it('gets points with their vectors and deletes them', async () => {
      const [p] = await store.get(coll, [points[9]!.id], { withVector: true });
      expect(p!.vector).toHaveLength(DIM);
      for (let i = 0; i < DIM; i++) expect(p!.vector![i]).toBeCloseTo(points[9]!.vector[i]!, 5);
      await store.delete(coll, [points[9]!.id, points[10]!.id]);
      expect(await store.count(coll)).toBe(58);
      expect(await store.get(coll, [points[9]!.id])).toEqual([]);
      const hits = await store.search(coll, { vector: points[9]!.vector, embedder: 'test:emb-a', k: 5 });
      expect(hits.map((h) => h.id)).not.toContain(points[9]!.id);
    });

    it('keeps payload-only collections (cleaned documents) with no vectors to search', async () => {
      const c = `${coll}_payload`;
      await store.createCollection(c, { embedder: null, dimension: null });
      await store.upsert(c, [{ id: deterministicId('d1'), payload: { title: 'one', text: 'cleaned' } }], null);
      await store.upsert(c, [{ id: deterministicId('d1'), payload: { title: 'one', text: 'cleaned' } }], null);
      expect(await store.getCollection(c)).toEqual({ name: c, embedder: null, dimension: null, count: 1 });
      await expect(store.search(c, { vector: [1], embedder: 'test:emb-a', k: 1 })).rejects.toThrow(/payloads only/);
      await store.dropCollection(c);
      expect(await store.getCollection(c)).toBeUndefined();
    });
  });
}
