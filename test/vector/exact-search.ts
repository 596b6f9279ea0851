import { expect } from 'vitest';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { isFresh, readMeta } from '../../src/vector/quantized/quantized-copy.js';
import { SqliteVectorStore } from '../../src/vector/sqlite-vector-store.js';
import type { Payload, PayloadFilter, Point } from '../../src/vector/vector-store.js';
import { freshDatabase } from '../helpers/databases.js';

/** Test data and the brute-force answer the quantized search must give, hit for hit. */

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const EMBEDDER = 'test:quantized';

/** What the collection holds, kept beside it by the test: id → vector (as stored: float32) and payload. */
export type Model = Map<string, { vector: Float32Array; payload: Payload }>;

export function put(model: Model, points: Point[]): void {
  for (const p of points) model.set(p.id, { vector: Float32Array.from(p.vector!), payload: p.payload });
}

export const pointId = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** Random directions with norms from 0.5 to 3 (cosine must not care). */
export function randomVector(r: () => number, dim: number): number[] {
  const norm = 0.5 + 2.5 * r();
  const v = Array.from({ length: dim }, () => r() - 0.5);
  const n = Math.hypot(...v);
  return v.map((x) => (x / n) * norm);
}

const valueAt = (payload: Payload, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), payload);

/** The exact top k by brute force: float64 cosine, best first, ties by id; zero vectors never hit. */
export function exactTopK(model: Model, query: ArrayLike<number>, k: number, filter?: PayloadFilter): { id: string; score: number }[] {
  let qq = 0;
  for (let d = 0; d < query.length; d++) qq += query[d]! * query[d]!;
  const scored: { id: string; score: number }[] = [];
  for (const [id, { vector, payload }] of model) {
    if (filter && !Object.entries(filter).every(([key, v]) => valueAt(payload, key) === v)) continue;
    let dot = 0;
    let xx = 0;
    for (let d = 0; d < vector.length; d++) {
      dot += vector[d]! * query[d]!;
      xx += vector[d]! * vector[d]!;
    }
    if (xx === 0) continue;
    scored.push({ id, score: dot / Math.sqrt(xx * qq) });
  }
  scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return scored.slice(0, k);
}

/** Every query answered exactly as brute force answers it: same ids, same order, same scores. */
export async function expectExact(store: SqliteVectorStore, name: string, model: Model, queries: number[][], k: number, filter?: PayloadFilter): Promise<void> {
  for (const [i, q] of queries.entries()) {
    const hits = await store.search(name, { vector: q, embedder: EMBEDDER, k, filter });
    const exact = exactTopK(model, q, k, filter);
    expect(hits.map((h) => h.id), `query ${i}, k ${k}, filter ${JSON.stringify(filter)}`).toEqual(exact.map((e) => e.id));
    hits.forEach((h, j) => expect(h.score).toBeCloseTo(exact[j]!.score, 6));
    hits.forEach((h) => expect(h.payload).toEqual(model.get(h.id)!.payload));
  }
}

/** A migrated SQLite file with the store open on it. */
export async function openStore(): Promise<{ store: SqliteVectorStore; path: string; cleanup: () => Promise<void> }> {
  const fresh = await freshDatabase('sqlite');
  await (await openDatabase(parseDatabaseUrl(fresh.url))).close();
  const store = await SqliteVectorStore.open(fresh.url);
  return { store, path: fresh.url, cleanup: fresh.cleanup };
}

/** Whether the collection's quantized copy is there and up to date (so searches went through it). */
export function copyIsFresh(path: string, name: string, dimension: number): boolean {
  const db = new Database(path, { readonly: true });
  try {
    return isFresh(readMeta(db, name), dimension);
  } finally {
    db.close();
  }
}
