import type { Point, PointCodes } from '../vector-store.js';
import { ABSENT, payloadHashes } from './payload-hashes.js';
import { codeBytes, quantizeVector, type VectorCode } from './quantize.js';

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

