import type { Point, VectorStore } from '../vector-store.js';
import { payloadHashes } from './payload-hashes.js';
import { codeBytes, quantizeVector } from './quantize.js';

/**
 * Points as the SQLite store writes them: payload JSON, float32 vector, 2-bit code with its
 * (a, b, e) and payload hashes (quantize.ts, payload-hashes.ts), computed apart from the store.
 * Featurize computes them in its worker threads, so that the thread that writes only writes;
 * the store's plain `upsert` encodes with the same function, so both paths store the same bytes.
 * Plain data and typed arrays: it crosses threads by structured clone, its buffers transferred.
 */
export type EncodedPoints = {
  ids: string[];
  payloads: string[];
  /** 0 for points without vectors (a payload-only collection). */
  dimension: number;
  /** Per point its float32 vector (none with dimension 0): views into one buffer when encoded for another thread. */
  vectors: Float32Array[];
  /** 1 for a point whose vector has no direction (all zeros): stored as NULL, out of the copy. */
  zero: Uint8Array;
  /** n × codeBytes(dimension) packed 2-bit codes. */
  codes: Uint8Array;
  /** (a, b, e) per point; a NaN for a vector the copy cannot hold (not finite). */
  abe: Float64Array;
  /** Payload paths in the order they first appear, and per point a hash for each (0: absent). */
  hashKeys: string[];
  hashes: Uint32Array;
};

/** Encodes points for a collection of this dimension (null: payloads only, vectors ignored). */
export function encodePoints(points: Point[], dimension: number | null): EncodedPoints {
  const n = points.length;
  const dim = dimension ?? 0;
  const bytes = codeBytes(dim);
  const vectors: Float32Array[] = [];
  const zero = new Uint8Array(n);
  const codes = new Uint8Array(n * bytes);
  const abe = new Float64Array(3 * n);
  const keyIndex = new Map<string, number>();
  const perPoint: Map<string, number>[] = [];
  for (let i = 0; i < n; i++) {
    const p = points[i]!;
    if (dim > 0) {
      const v = p.vector!;
      vectors.push(v instanceof Float32Array ? v : Float32Array.from(v));
      let isZero = true;
      for (let d = 0; d < dim && isZero; d++) if (v[d] !== 0) isZero = false;
      if (isZero) zero[i] = 1;
      else {
        const code = quantizeVector(v, codes, i * bytes);
        abe.set(code ? [code.a, code.b, code.e] : [NaN, NaN, NaN], 3 * i);
      }
    }
    const h = dim > 0 && !zero[i] ? payloadHashes(p.payload) : new Map<string, number>();
    for (const key of h.keys()) if (!keyIndex.has(key)) keyIndex.set(key, keyIndex.size);
    perPoint.push(h);
  }
  const k = keyIndex.size;
  const hashes = new Uint32Array(n * k);
  perPoint.forEach((h, i) => {
    for (const [key, hash] of h) hashes[i * k + keyIndex.get(key)!] = hash;
  });
  return { ids: points.map((p) => p.id), payloads: points.map((p) => JSON.stringify(p.payload)), dimension: dim, vectors, zero, codes, abe, hashKeys: [...keyIndex.keys()], hashes };
}

/**
 * The points ready to cross to another thread: their vectors copied into one buffer (one
 * transfer instead of one per vector), and the buffers to transfer rather than copy.
 */
export function forTransfer(e: EncodedPoints): { points: EncodedPoints; transfer: ArrayBuffer[] } {
  const dim = e.dimension;
  const flat = new Float32Array(e.vectors.length * dim);
  e.vectors.forEach((v, i) => flat.set(v, i * dim));
  const vectors = e.vectors.map((_, i) => flat.subarray(i * dim, (i + 1) * dim));
  return { points: { ...e, vectors }, transfer: [flat.buffer, e.zero.buffer, e.codes.buffer, e.abe.buffer, e.hashes.buffer] as ArrayBuffer[] };
}

/** A store that takes encoded points (SQLite's): `upsert` of points encoded beforehand, e.g. in a worker thread. */
export type EncodedPointsStore = VectorStore & { upsertEncoded(name: string, points: EncodedPoints, embedder: string | null): Promise<void> };

export function takesEncodedPoints(store: VectorStore): store is EncodedPointsStore {
  return typeof (store as Partial<EncodedPointsStore>).upsertEncoded === 'function';
}
