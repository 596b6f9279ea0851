import type { Point } from '../vector-store.js';
import { ABSENT, payloadHashes } from './payload-hashes.js';
import { codeBytes, quantizeVector, type VectorCode } from './quantize.js';

/**
 * What a collection's quantized copy keeps of each point of a write (its 2-bit codes, its
 * (a, b, e) and its payload's hashes), computed ahead of the write: featurize's worker threads
 * compute it beside the vectors, and the writer thread, the bound on 2 cores, only copies it in
 * (it was ~1.6 of the writer's ~12 CPU-s on SciFact ×7). Typed arrays and strings only: it
 * crosses threads by structured clone, its arrays transferred.
 */
export type PointCodes = {
  dimension: number;
  /** The points' ids, in order: a write checks them against its points. */
  ids: string[];
  /** codeBytes(dimension) bytes per point, point after point. */
  codes: Uint8Array;
  /** a, b and e per point (quantize.ts); a is NaN for a point the copy leaves out (no direction). */
  abe: Float64Array;
  /** Every payload path any of the points has, and per point one hash per path (ABSENT: not there). */
  keys: string[];
  hashes: Uint32Array;
};

/** One point's part of PointCodes, as the copy's writer takes it. */
export type PointCode = { code: VectorCode | undefined; bytes: Uint8Array; hashes: [string, number][] };

/** The copy's share of these points, for a collection of `dimension` dimensions. */
export function encodePoints(points: Point[], dimension: number): PointCodes {
  const n = points.length;
  const bytes = codeBytes(dimension);
  const codes = new Uint8Array(n * bytes);
  const abe = new Float64Array(n * 3);
  const perPoint = points.map((p) => payloadHashes(p.payload));
  const keys = [...new Set(perPoint.flatMap((h) => [...h.keys()]))];
  const column = new Map(keys.map((k, j) => [k, j]));
  const hashes = new Uint32Array(n * keys.length); // ABSENT (0) where a point has no such path
  points.forEach((p, i) => {
    const code = p.vector ? quantizeVector(p.vector, codes, i * bytes) : undefined;
    abe.set(code ? [code.a, code.b, code.e] : [NaN, 0, 0], i * 3);
    for (const [key, hash] of perPoint[i]!) hashes[i * keys.length + column.get(key)!] = hash;
  });
  return { dimension, ids: points.map((p) => p.id), codes, abe, keys, hashes };
}

/** The i-th point's code, bytes and hashes (the hashes in the order payloadHashes gives them). */
export function pointCode(c: PointCodes, i: number): PointCode {
  const bytes = codeBytes(c.dimension);
  const a = c.abe[i * 3]!;
  const hashes: [string, number][] = [];
  c.keys.forEach((key, j) => {
    const h = c.hashes[i * c.keys.length + j]!;
    if (h !== ABSENT) hashes.push([key, h]);
  });
  return { code: Number.isNaN(a) ? undefined : { a, b: c.abe[i * 3 + 1]!, e: c.abe[i * 3 + 2]! }, bytes: c.codes.subarray(i * bytes, (i + 1) * bytes), hashes };
}

/** Whether `c` was computed for exactly these points in a collection of this dimension. */
export function codesFit(c: PointCodes, points: Point[], dimension: number | null): boolean {
  return c.dimension === dimension && c.ids.length === points.length && points.every((p, i) => p.id === c.ids[i]);
}

/** The buffers of `c` a worker thread may transfer instead of copying. */
export const codeBuffers = (c: PointCodes): ArrayBuffer[] => [c.codes.buffer as ArrayBuffer, c.abe.buffer as ArrayBuffer, c.hashes.buffer as ArrayBuffer];
