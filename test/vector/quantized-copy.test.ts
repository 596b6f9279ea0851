import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { encodePoints } from '../../src/vector/quantized/point-codes.js';
import { readMeta } from '../../src/vector/quantized/quantized-copy.js';
import { indexTableName, SqliteVectorStore } from '../../src/vector/sqlite-vector-store.js';
import type { Point } from '../../src/vector/vector-store.js';
import { copyIsFresh, EMBEDDER, expectExact, openStore, pointId, put, randomVector, rng, type Model } from './exact-search.js';

// The quantized copy never answers from a stale picture: after every kind of write (through
// the store, through plain SQL, killed half-way) and in files written before it existed, the
// search gives what brute force over the points gives.

const DIM = 48;
const raw = (path: string) => {
  const db = new Database(path);
  sqliteVec.load(db);
  return db;
};
const blob = (v: number[]) => Buffer.from(Float32Array.from(v).buffer);

describe('the quantized copy under writes', () => {
  it('stays exact through replace, payload changes, deletes, zero vectors, refills, compaction and recreate', async () => {
    const { store, path, cleanup } = await openStore();
    try {
      const r = rng(5);
      const model: Model = new Map();
      const queries = Array.from({ length: 12 }, () => randomVector(r, DIM));
      const check = async () => {
        await expectExact(store, 'c', model, queries, 10);
        await expectExact(store, 'c', model, queries.slice(0, 4), 10, { group: 2 });
      };
      const upsert = async (points: Point[]) => {
        await store.upsert('c', points, EMBEDDER);
        put(model, points);
      };
      const remove = async (ids: string[]) => {
        await store.delete('c', ids);
        for (const id of ids) model.delete(id);
      };
      const make = (i: number, group = i % 5): Point => ({ id: pointId(i), vector: randomVector(r, DIM), payload: { i, group } });
      await store.createCollection('c', { embedder: EMBEDDER, dimension: DIM });
      await upsert(Array.from({ length: 2500 }, (_, i) => make(i)));
      await check();
      // New ids given twice in one write (the second wins), once with no direction first: one slot each.
      const zero = (i: number): Point => ({ id: pointId(i), vector: new Array<number>(DIM).fill(0), payload: { i, group: 1 } });
      await upsert([make(20_000, 1), make(20_001, 1), make(20_000, 1), zero(20_002), make(20_002, 1), make(20_003, 1), zero(20_003)]);
      await check();

      await upsert(Array.from({ length: 300 }, (_, j) => make(j * 7))); // new vectors for old ids
      const samePoint = (id: string) => ({ id, vector: Array.from(model.get(id)!.vector), payload: { moved: true, group: 2 } });
      await upsert(Array.from({ length: 200 }, (_, j) => samePoint(pointId(j * 11 + 1)))); // payloads only
      await check();
      await remove(Array.from({ length: 400 }, (_, j) => pointId(j * 5 + 3)));
      await check();
      await upsert(Array.from({ length: 500 }, (_, j) => make(10_000 + j))); // into the freed slots
      await upsert(Array.from({ length: 50 }, (_, j) => ({ id: pointId(j * 13), vector: new Array<number>(DIM).fill(0), payload: { i: j, group: 2 } })));
      await check();

      // Most points gone: the copy is rebuilt compact (its slots no more than its points).
      const all = [...model.keys()];
      await remove(all.slice(0, 2100));
      await check();
      const db = new Database(path, { readonly: true });
      expect(readMeta(db, 'c')!.next_slot).toBeLessThanOrEqual(model.size);
      db.close();

      await store.dropCollection('c');
      model.clear();
      await store.createCollection('c', { embedder: EMBEDDER, dimension: DIM });
      await upsert(Array.from({ length: 300 }, (_, i) => make(50_000 + i)));
      await check();
      expect(copyIsFresh(path, 'c', DIM)).toBe(true);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('keeps the same copy from codes computed ahead in another thread as from its own, and refuses codes of other points', async () => {
    const a = await openStore();
    const b = await openStore();
    try {
      const r = rng(11);
      // Sparse vectors (the hashing embedder's kind), a zero one, and payloads whose paths differ from point to point.
      const sparse = () => randomVector(r, DIM).map((x) => (r() < 0.6 ? 0 : x));
      const make = (i: number): Point => ({
        id: pointId(i),
        vector: i % 97 === 5 ? new Array<number>(DIM).fill(0) : sparse(),
        payload: i % 3 === 0 ? { i, group: i % 4, meta: { lang: i % 2 ? 'en' : 'fr' } } : { i, title: `t${i}`, text: 'x'.repeat(i % 7 === 1 ? 300 : i % 50) },
      });
      for (const s of [a, b]) await s.store.createCollection('c', { embedder: EMBEDDER, dimension: DIM });
      const model: Model = new Map();
      for (const batch of [Array.from({ length: 1300 }, (_, i) => make(i)), Array.from({ length: 400 }, (_, j) => make(j * 3 + 1)), Array.from({ length: 200 }, (_, j) => make(5000 + j))]) {
        await a.store.upsert('c', batch, EMBEDDER);
        // What a worker thread sends: codes made there, cloned across.
        await b.store.upsert('c', batch, EMBEDDER, structuredClone(encodePoints(batch, DIM)));
        put(model, batch);
      }
      const tables = (path: string) => {
        const db = new Database(path, { readonly: true });
        const rows = {
          chunks: db.prepare('select chunk, hex(codes) as codes from vector_quant_chunks order by chunk').all(),
          filters: db.prepare('select key, chunk, hex(hashes) as hashes from vector_quant_filters order by key, chunk').all(),
          slots: db.prepare('select seq, slot from vector_quant_slots order by seq').all(),
        };
        db.close();
        return rows;
      };
      const want = tables(a.path);
      expect(want.filters.map((f) => (f as { key: string }).key)).toContain('meta.lang');
      expect(tables(b.path)).toEqual(want);
      const queries = Array.from({ length: 6 }, () => randomVector(r, DIM));
      await expectExact(b.store, 'c', model, queries, 10, { 'meta.lang': 'fr' });
      await expectExact(b.store, 'c', model, queries, 10, { text: 'x'.repeat(300) }); // longer than hashed: SQL decides

      const points = [make(7000), make(7001)];
      const swapped = encodePoints([points[1]!, points[0]!], DIM);
      await expect(b.store.upsert('c', points, EMBEDDER, swapped)).rejects.toThrow(/not these points/);
      await expect(b.store.upsert('c', points, EMBEDDER, encodePoints(points, DIM + 1))).rejects.toThrow(/not these points/);
      expect(await b.store.get('c', [points[0]!.id])).toEqual([]);
    } finally {
      for (const s of [a, b]) {
        await s.store.close();
        await s.cleanup();
      }
    }
  });

  it('notices writes made without it (plain SQL, an older llmops) and rebuilds before answering', async () => {
    const { store, path, cleanup } = await openStore();
    try {
      const r = rng(8);
      const model: Model = new Map();
      const points = Array.from({ length: 1500 }, (_, i) => ({ id: pointId(i), vector: randomVector(r, DIM), payload: { i } }));
      await store.createCollection('c', { embedder: EMBEDDER, dimension: DIM });
      await store.upsert('c', points, EMBEDDER);
      put(model, points);
      const queries = Array.from({ length: 8 }, () => randomVector(r, DIM));
      await expectExact(store, 'c', model, queries, 10);

      const db = raw(path);
      const inserted = { id: pointId(9999), vector: queries[0]!, payload: { i: 9999 } };
      db.prepare('insert into vector_points (collection, id, payload, embedding) values (?, ?, ?, ?)').run('c', inserted.id, JSON.stringify(inserted.payload), blob(inserted.vector));
      db.prepare('update vector_points set embedding = ? where collection = ? and id = ?').run(blob(queries[1]!), 'c', pointId(7));
      db.prepare('delete from vector_points where collection = ? and id = ?').run('c', pointId(8));
      db.close();
      put(model, [inserted, { id: pointId(7), vector: queries[1]!, payload: { i: 7 } }]);
      model.delete(pointId(8));
      expect(copyIsFresh(path, 'c', DIM)).toBe(false);

      await expectExact(store, 'c', model, queries, 10);
      expect((await store.search('c', { vector: queries[0]!, embedder: EMBEDDER, k: 1 }))[0]!.id).toBe(inserted.id);
      expect(copyIsFresh(path, 'c', DIM)).toBe(true);
    } finally {
      await store.close();
      await cleanup();
    }
  });
});

describe('a store file written before the quantized copy', () => {
  /** What the store wrote then: points, and a sqlite-vec vec0 index per collection. */
  async function oldFile(n: number) {
    const opened = await openStore();
    await opened.store.close();
    const r = rng(3);
    const model: Model = new Map();
    const db = raw(opened.path);
    db.prepare("insert into vector_collections (name, embedder, dimension, distance, created_at) values ('embedded_old', ?, ?, 'cosine', '2025-01-01T00:00:00Z')").run(EMBEDDER, DIM);
    db.exec(`create virtual table ${indexTableName('embedded_old')} using vec0(embedding float[${DIM}] distance_metric=cosine)`);
    const insert = db.prepare('insert into vector_points (collection, id, payload, embedding) values (?, ?, ?, ?) returning seq');
    const index = db.prepare(`insert into ${indexTableName('embedded_old')}(rowid, embedding) values (?, ?)`);
    for (let i = 0; i < n; i++) {
      const p = { id: pointId(i), vector: randomVector(r, DIM), payload: { i, half: i % 2 } };
      const zero = i % 100 === 0;
      const { seq } = insert.get('embedded_old', p.id, JSON.stringify(p.payload), zero ? null : blob(p.vector)) as { seq: number };
      if (zero) continue;
      index.run(BigInt(seq), blob(p.vector));
      put(model, [p]);
    }
    db.close();
    return { ...opened, model, queries: Array.from({ length: 8 }, () => randomVector(r, DIM)) };
  }
  const tables = (path: string) => {
    const db = raw(path);
    const names = (db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((t) => t.name);
    db.close();
    return names;
  };

  it('searches exactly, building the copy on the first search and dropping the old index', async () => {
    const { path, cleanup, model, queries } = await oldFile(1200);
    const store = await SqliteVectorStore.open(path);
    try {
      expect(tables(path)).toContain(indexTableName('embedded_old'));
      await expectExact(store, 'embedded_old', model, queries, 10);
      await expectExact(store, 'embedded_old', model, queries.slice(0, 3), 10, { half: 1 });
      expect(copyIsFresh(path, 'embedded_old', DIM)).toBe(true);
      expect(tables(path)).not.toContain(indexTableName('embedded_old'));
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('builds the copy on the first write, which then searches exactly', async () => {
    const { path, cleanup, model, queries } = await oldFile(900);
    const store = await SqliteVectorStore.open(path);
    try {
      const added = { id: pointId(5000), vector: queries[2]!, payload: { i: 5000, half: 0 } };
      await store.upsert('embedded_old', [added], EMBEDDER);
      put(model, [added]);
      expect(copyIsFresh(path, 'embedded_old', DIM)).toBe(true);
      await expectExact(store, 'embedded_old', model, queries, 10);
    } finally {
      await store.close();
      await cleanup();
    }
  });

  it('answers a filter on a path deeper than the copy hashes with the plain scan, same hits', async () => {
    const { store, path, cleanup } = await openStore();
    try {
      const r = rng(4);
      const model: Model = new Map();
      const points = Array.from({ length: 600 }, (_, i) => ({ id: pointId(i), vector: randomVector(r, DIM), payload: { a: { b: { c: { d: { e: i % 4 } } } } } }));
      await store.createCollection('deep', { embedder: EMBEDDER, dimension: DIM });
      await store.upsert('deep', points, EMBEDDER);
      put(model, points);
      await expectExact(store, 'deep', model, [randomVector(r, DIM), randomVector(r, DIM)], 10, { 'a.b.c.d.e': 3 });
    } finally {
      await store.close();
      await cleanup();
    }
  });
});

describe('kill -9 in the middle of writes', () => {
  const storeModule = fileURLToPath(new URL('../../src/vector/sqlite-vector-store.ts', import.meta.url));
  /** A writer that upserts, replaces and deletes in a loop until it is killed. */
  const writer = (path: string, seed: number) => `
    import { SqliteVectorStore } from ${JSON.stringify(storeModule)};
    const store = await SqliteVectorStore.open(${JSON.stringify(path)});
    let a = ${seed};
    const r = () => { a = (a * 1103515245 + 12345) % 2147483648; return a / 2147483648; };
    const vec = () => Array.from({ length: ${DIM} }, () => r() - 0.5);
    for (let b = 0; ; b++) {
      const points = Array.from({ length: 150 }, (_, i) => ({ id: 'n' + ${seed} + '-' + b + '-' + i, vector: vec(), payload: { b } }));
      for (let i = 0; i < 60; i++) points.push({ id: 'p' + Math.floor(r() * 1000), vector: vec(), payload: { b, replaced: true } });
      await store.upsert('c', points, ${JSON.stringify(EMBEDDER)});
      await store.delete('c', Array.from({ length: 20 }, () => 'p' + Math.floor(r() * 1000)));
      process.stdout.write('batch\\n');
    }`;

  it('leaves a store whose search is exact over the points that were committed', async () => {
    const { store, path, cleanup } = await openStore();
    try {
      const r = rng(6);
      await store.createCollection('c', { embedder: EMBEDDER, dimension: DIM });
      await store.upsert('c', Array.from({ length: 1000 }, (_, i) => ({ id: `p${i}`, vector: randomVector(r, DIM), payload: { b: -1 } })), EMBEDDER);
      await store.close();
      for (let kill = 0; kill < 3; kill++) {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer(path, kill + 1)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let batches = 0;
        child.stdout.setEncoding('utf8').on('data', (d: string) => (batches += d.split('\n').length - 1));
        // Kill it inside a batch: after a few committed ones, a random moment later.
        while (batches < 2 + kill) await new Promise((res) => setTimeout(res, 20));
        await new Promise((res) => setTimeout(res, 5 + 40 * r()));
        child.kill('SIGKILL');
        await once(child, 'close');
      }
      const db = raw(path);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = db.prepare("select id, payload, embedding from vector_points where collection = 'c'").all() as { id: string; payload: string; embedding: Buffer }[];
      db.close();
      const model: Model = new Map(rows.map((p) => [p.id, { vector: new Float32Array(new Uint8Array(p.embedding).buffer), payload: JSON.parse(p.payload) }]));
      expect(model.size).toBeGreaterThan(1000);
      expect(copyIsFresh(path, 'c', DIM)).toBe(true); // every kill undid a whole transaction
      const reopened = await SqliteVectorStore.open(path);
      try {
        await expectExact(reopened, 'c', model, Array.from({ length: 10 }, () => randomVector(r, DIM)), 10);
        expect(copyIsFresh(path, 'c', DIM)).toBe(true);
      } finally {
        await reopened.close();
      }
    } finally {
      await cleanup();
    }
  });
});
