import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { encodePoints, forTransfer, type EncodedPoints } from '../../src/vector/quantized/encoded-points.js';
import type { Point } from '../../src/vector/vector-store.js';
import { EMBEDDER, openStore, pointId, randomVector, rng } from './exact-search.js';

// Featurize's worker threads encode points (payload JSON, 2-bit codes, payload hashes) and the
// writer stores them with upsertEncoded: that must leave the file exactly as `upsert` of the
// same points does, after the encoded points crossed a thread boundary.

const DIM = 40;

/** Every row a write leaves: points, and the quantized copy's codes, hashes and slots. */
function tables(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const all = (sql: string) => db.prepare(sql).all();
    return {
      points: all('select seq, collection, id, payload, embedding from vector_points order by seq'),
      codes: all('select rowid, collection, chunk, codes from vector_quant_chunks order by rowid'),
      hashes: all('select rowid, collection, key, chunk, hashes from vector_quant_filters order by rowid'),
      slots: all('select seq, collection, slot from vector_quant_slots order by seq'),
      meta: all('select collection, format, dimension, next_slot, free_slots from vector_quant_meta order by collection'),
    };
  } finally {
    db.close();
  }
}

/** A structured clone through a real message port, buffers transferred, as the worker pool sends them. */
async function throughThread(e: EncodedPoints): Promise<EncodedPoints> {
  const echo = new Worker("require('node:worker_threads').parentPort.once('message', (m) => require('node:worker_threads').parentPort.postMessage(m))", { eval: true });
  try {
    const { points, transfer } = forTransfer(e);
    const back = new Promise<EncodedPoints>((resolve) => echo.once('message', resolve));
    echo.postMessage(points, transfer);
    return await back;
  } finally {
    await echo.terminate();
  }
}

describe('encoded points', () => {
  it('upsertEncoded of points encoded in another thread stores the same rows and copy bytes as upsert', async () => {
    const r = rng(11);
    const batch = (from: number, n: number): Point[] =>
      Array.from({ length: n }, (_, k) => {
        const i = from + k;
        // Zero vectors, payloads with missing, null, nested and numeric values, and replaced points.
        const vector = i % 17 === 0 ? new Array<number>(DIM).fill(0) : randomVector(r, DIM);
        return { id: pointId(i % 150), vector: Float32Array.from(vector), payload: { n: i, group: i % 3 ? `g${i % 3}` : null, ...(i % 5 ? { meta: { lang: i % 2 ? 'en' : 'fr' } } : {}), text: `point ${i}` } };
      });
    const batches = [batch(0, 120), batch(100, 90), batch(300, 40)];
    const plain = await openStore();
    const encoded = await openStore();
    try {
      for (const s of [plain.store, encoded.store]) await s.createCollection('c', { embedder: EMBEDDER, dimension: DIM });
      for (const points of batches) {
        await plain.store.upsert('c', points, EMBEDDER);
        await encoded.store.upsertEncoded('c', await throughThread(encodePoints(points, DIM)), EMBEDDER);
      }
      const [a, b] = [tables(plain.path), tables(encoded.path)];
      expect(a.points.length).toBe(150);
      expect(a.hashes.length).toBeGreaterThan(0);
      expect(b).toEqual(a);
    } finally {
      await plain.cleanup();
      await encoded.cleanup();
    }
  });

  it('refuses points encoded for another dimension', async () => {
    const { store, cleanup } = await openStore();
    try {
      await store.createCollection('c', { embedder: EMBEDDER, dimension: DIM });
      const points = encodePoints([{ id: pointId(1), vector: new Float32Array(DIM + 1).fill(1), payload: {} }], DIM + 1);
      await expect(store.upsertEncoded('c', points, EMBEDDER)).rejects.toThrow(/encoded for 41 dimensions, the collection has 40/);
    } finally {
      await cleanup();
    }
  });
});
