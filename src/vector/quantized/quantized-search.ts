import type BetterSqlite3 from 'better-sqlite3';
import { payloadFilterSql } from '../payload-filter-sql.js';
import type { PayloadFilter } from '../vector-store.js';
import { CodeChunk } from './code-chunk.js';
import { codeScanner } from './code-scan.js';
import type { ChunkRow, CopyCache } from './copy-cache.js';
import type { MemoPoint, VectorMemo } from './vector-memo.js';
import { ABSENT, ANY } from './payload-hashes.js';
import { queryTables, type QueryTables } from './quantize.js';
import { vectorOf, type CopyMeta } from './quantized-copy.js';

/**
 * Exact top-k search over a collection's quantized copy, in two passes:
 *
 * 1. Scan: every point's 2-bit codes give an estimate of its cosine with the query and a bound
 *    on that estimate's error (quantize.ts): the scan reads ~116 bytes a point instead of the
 *    float32 vector's 4 × dimension, in chunk rows of 1024 points (from copy-cache.ts: memory,
 *    a file, or SQLite), with the payload filter applied to per-slot value hashes in the same
 *    pass. Points whose upper bound is already below k lower bounds are dropped on the way.
 * 2. Re-score: the points whose upper bound reaches the k-th best lower bound are read from
 *    vector_points in order of upper bound and scored exactly (float64 cosine on the stored
 *    float32 vector), stopping as soon as no upper bound left can beat the k-th exact score.
 *    These reads check the filter with the same SQL as the plain scan, so hash collisions
 *    cost a read, never a wrong hit. Unfiltered, a long-lived store reads through the vectors
 *    it re-scored before at the same state of the copy (vector-memo.ts).
 *
 * The bound is ERROR_SIGMAS standard deviations of the estimate's error (never more than its
 * worst case): a true top-k point is missed only when its error is beyond that, about one in
 * 700 for a point right at the boundary and far rarer above it.
 */
const ERROR_SIGMAS = 3;
const RESCORE_BATCH = 64;

export type ScoredPoint = { seq: number; id: string; score: number };
/** `pruned`: points left out because their upper bound was below the k-th lower bound already. */
type Candidates = { ub: Float64Array; seqs: Float64Array; count: number; kthLowerBound: number; pruned: boolean };
type Filter = { hashes: Map<string, number>; sql: PayloadFilter };

/** Inside a read transaction, on a copy that isFresh: the top k points, best first (ties by id). */
export function searchCopy(db: BetterSqlite3.Database, cache: CopyCache, collection: string, meta: CopyMeta, vector: ArrayLike<number>, k: number, filter?: Filter, memo?: VectorMemo): ScoredPoint[] {
  let norm = 0;
  for (let d = 0; d < vector.length; d++) norm += vector[d]! * vector[d]!;
  const q = Float64Array.from(vector, (x) => x / Math.sqrt(norm));
  const tables = queryTables(q);
  // Remembered vectors serve unfiltered searches only: a filtered one checks each point's
  // payload in the same SQL read.
  const known = filter ? undefined : memo?.at(collection, meta);
  const reader = pointReader(db, filter?.sql, known && ((seq, point) => memo!.keep(collection, seq, point)), known);
  // Rarely (fewer than k hits passed the SQL filter check, or an estimate beyond its bound)
  // re-scoring must go below the k-th lower bound: then again, with every point kept.
  return cache.use(
    db,
    collection,
    meta,
    (rows) =>
      rescore(reader, q, k, scan(db, rows, collection, meta, tables, k, filter, true)) ??
      rescore(reader, q, k, scan(db, rows, collection, meta, tables, k, filter, false))!,
  );
}

/** Keeps the k largest values seen (a min-heap); `floor` is the k-th largest, -∞ until k were seen. */
class TopValues {
  private readonly heap: Float64Array;
  private size = 0;
  constructor(private readonly k: number) {
    this.heap = new Float64Array(k);
  }
  get floor(): number {
    return this.size < this.k ? -Infinity : this.heap[0]!;
  }
  offer(x: number): void {
    const h = this.heap;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0 && h[(i - 1) >> 1]! > x) {
        h[i] = h[(i - 1) >> 1]!;
        i = (i - 1) >> 1;
      }
      h[i] = x;
      return;
    }
    if (x <= h[0]!) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.k) break;
      const c = l + 1 < this.k && h[l + 1]! < h[l]! ? l + 1 : l;
      if (h[c]! >= x) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = x;
  }
}

/** Hash rows of one payload path, by chunk. */
function hashRows(db: BetterSqlite3.Database, collection: string, key: string): Map<number, Uint32Array> {
  const rows = db.prepare('select chunk, hashes from vector_quant_filters where collection = ? and key = ?').all(collection, key) as { chunk: number; hashes: Buffer }[];
  return new Map(rows.map((r) => [r.chunk, r.hashes.byteOffset % 4 === 0 ? new Uint32Array(r.hashes.buffer, r.hashes.byteOffset, r.hashes.byteLength / 4) : new Uint32Array(new Uint8Array(r.hashes).buffer)]));
}

// Bounds and seqs of every point, kept between searches: a large fresh array costs a page
// fault per 4 KB on first touch, more than the scan that fills it (searches are synchronous).
let scratch = { ub: new Float64Array(0), seqs: new Float64Array(0) };

function scan(db: BetterSqlite3.Database, chunks: Iterable<ChunkRow>, collection: string, meta: CopyMeta, t: QueryTables, k: number, filter: Filter | undefined, prune: boolean): Candidates {
  if (scratch.ub.length < meta.next_slot) scratch = { ub: new Float64Array(meta.next_slot), seqs: new Float64Array(meta.next_slot) };
  const { ub, seqs } = scratch;
  let count = 0;
  let pruned = false;
  const lower = new TopValues(Math.min(k, Math.max(1, meta.next_slot)));
  let floor = lower.floor;
  const keys = filter ? [...filter.hashes].map(([key, target]) => ({ target, rows: hashRows(db, collection, key) })) : [];
  const targets = keys.map((key) => key.target);
  const sigma = 1 / Math.sqrt(Math.max(1, t.dim - 1));
  const lutWorst = t.delta * t.rows; // every 2-dimension table entry off by half a step
  const scanner = codeScanner();
  for (const row of chunks) {
    const masks = keys.map((key) => key.rows.get(row.chunk));
    if (masks.some((m) => m === undefined)) continue; // no point of this chunk has a filtered path
    const chunk = CodeChunk.decode(t.dim, row.codes);
    const sums = scanner.scan(chunk.codes, chunk.slots / 16, t.luts, t.rows);
    for (let s = 0; s < chunk.slots; s++) {
      const seq = chunk.seqs[s]!;
      if (seq === 0) continue;
      if (masks.length > 0 && !matches(masks as Uint32Array[], targets, s)) continue;
      const lane = s & 15;
      const sum = sums[(s - lane) + (lane & 1 ? 8 + (lane >> 1) : lane >> 1)]!;
      const a = chunk.a[s]!;
      const e = chunk.e[s]!;
      const estimate = a * (t.base + t.delta * sum) - chunk.b[s]! * t.sumQ;
      const typical = ERROR_SIGMAS * Math.sqrt((e * sigma) ** 2 + (a * t.rounding) ** 2);
      const bound = Math.min(typical, e + a * lutWorst);
      if (prune && estimate + bound < floor) {
        pruned = true;
        continue;
      }
      ub[count] = estimate + bound;
      seqs[count++] = seq;
      if (estimate - bound > floor) {
        lower.offer(estimate - bound);
        floor = lower.floor;
      }
    }
  }
  return { ub, seqs, count, kthLowerBound: floor, pruned };
}

function matches(masks: Uint32Array[], targets: number[], slot: number): boolean {
  for (let i = 0; i < masks.length; i++) {
    const h = slot < masks[i]!.length ? masks[i]![slot]! : ABSENT;
    if (h !== targets[i] && h !== ANY) return false;
  }
  return true;
}

const better = (x: ScoredPoint, y: ScoredPoint) => y.score - x.score || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);

/**
 * Scores candidates exactly, best upper bound first, until none left can enter the top k. Each
 * round takes the candidates whose upper bound reaches a threshold: first the k-th best lower
 * bound; again with the k-th exact score if that came out lower (filter checks that failed).
 */
/** Reads points by seq: those that pass the filter, with their exact vectors. */
type PointReader = (seqs: number[]) => { seq: number; point: MemoPoint }[];

/** Reads from vector_points, checking the filter in SQL; through `known` (a memo) when given. */
function pointReader(db: BetterSqlite3.Database, filter: PayloadFilter | undefined, keep: ((seq: number, point: MemoPoint) => void) | undefined, known: Map<number, MemoPoint> | undefined): PointReader {
  const verify = payloadFilterSql(filter);
  const ok = verify.conditions.length > 0 ? `, (${verify.conditions.join(' and ')}) as ok` : ', 1 as ok';
  const fetch = db.prepare(`select seq, id, embedding${ok} from vector_points where seq in (select value from json_each(?))`);
  return (seqs) => {
    const found: { seq: number; point: MemoPoint }[] = [];
    const missing: number[] = [];
    for (const seq of seqs) {
      const point = known?.get(seq);
      if (point) found.push({ seq, point });
      else missing.push(seq);
    }
    if (missing.length === 0) return found;
    const rows = fetch.all(...verify.params, JSON.stringify(missing)) as { seq: number; id: string; embedding: Buffer; ok: number }[];
    for (const r of rows) {
      if (!r.ok) continue;
      const point = { id: r.id, vector: vectorOf(r.embedding) };
      keep?.(r.seq, point);
      found.push({ seq: r.seq, point });
    }
    return found;
  };
}

function rescore(read: PointReader, q: Float64Array, k: number, c: Candidates): ScoredPoint[] | undefined {
  const top: ScoredPoint[] = [];
  const done = new Uint8Array(c.count);
  const kth = () => (top.length < k ? -Infinity : top[k - 1]!.score);
  for (let threshold = c.kthLowerBound, previous = Infinity; threshold < previous; previous = threshold, threshold = Math.min(threshold, kth())) {
    if (c.pruned && threshold < c.kthLowerBound) return undefined; // points below it were left out
    const order: number[] = [];
    for (let i = 0; i < c.count; i++) if (!done[i] && c.ub[i]! >= threshold) order.push(i);
    order.sort((x, y) => c.ub[y]! - c.ub[x]!);
    for (let from = 0; from < order.length && c.ub[order[from]!]! >= kth(); from += RESCORE_BATCH) {
      const batch = order.slice(from, from + RESCORE_BATCH).filter((i) => c.ub[i]! >= kth());
      for (const i of batch) done[i] = 1;
      for (const { seq, point } of read(batch.map((i) => c.seqs[i]!))) insert(top, { seq, id: point.id, score: cosine(point, q) }, k);
    }
    if (threshold === -Infinity) break;
  }
  return top;
}

function insert(top: ScoredPoint[], p: ScoredPoint, k: number): void {
  if (top.length === k && better(p, top[k - 1]!) >= 0) return;
  let i = top.length;
  top.push(p);
  while (i > 0 && better(p, top[i - 1]!) < 0) {
    top[i] = top[i - 1]!;
    i--;
  }
  top[i] = p;
  if (top.length > k) top.length = k;
}

/** Cosine of a stored vector with the unit query, in float64 (a kept point's zeros skipped: they add nothing). */
function cosine(p: MemoPoint, q: Float64Array): number {
  const x = p.vector;
  if (p.nonZero) {
    const nz = p.nonZero;
    let dot = 0;
    for (let i = 0; i < nz.length; i++) dot += x[nz[i]!]! * q[nz[i]!]!;
    return dot / p.length!;
  }
  let dot = 0;
  let norm = 0;
  for (let d = 0; d < x.length; d++) {
    dot += x[d]! * q[d]!;
    norm += x[d]! * x[d]!;
  }
  return dot / Math.sqrt(norm);
}
