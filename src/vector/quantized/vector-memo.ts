import { STAMPED, type CopyMeta } from './quantized-copy.js';

/**
 * A point read for re-scoring: its id and exact vector. A kept one also has the dimensions
 * where its vector is not 0 and its length (√Σx², summed in dimension order): re-scoring it
 * again skips the zeros (over half of a hashing vector) and the norm, for the same float64
 * cosine to the last bit.
 */
export type MemoPoint = { id: string; vector: Float32Array; nonZero?: Uint32Array; length?: number };

/** How much a store keeps: ~16k vectors of 1024 dimensions, ~43k of 384. */
const MEMO_BYTES = 64 * 1024 * 1024;

/**
 * The exact vectors that re-scoring read, kept for the next search of the same store. A
 * long-lived process (serve, chat, `ask --in`) re-scores much the same few hundred points per
 * question, and reading them from SQLite was a third of the server's CPU per answer
 * (bench/serve). Valid for one state of one collection's copy only — its `generation`, which
 * every write of the collection's points moves and which starts at a random stamp (see
 * copy-cache.ts) — and emptied when the search moves to another state or collection. Points
 * past the byte budget are simply not kept; unstamped copies (an older llmops's) get no memo.
 */
export class VectorMemo {
  private readonly collections = new Map<string, { generation: number; points: Map<number, MemoPoint>; bytes: number }>();
  private bytes = 0;

  constructor(private readonly budget = MEMO_BYTES) {}

  /**
   * The memo's points for this state of the collection's copy (a new, empty one when the copy
   * moved on), or undefined when it keeps none for it. Each collection keeps its own, so a
   * search over several collections does not empty one for another.
   */
  at(collection: string, meta: CopyMeta): Map<number, MemoPoint> | undefined {
    if (meta.generation < STAMPED) return undefined;
    const held = this.collections.get(collection);
    if (held && held.generation === meta.generation) return held.points;
    this.forget(collection);
    const fresh = { generation: meta.generation, points: new Map<number, MemoPoint>(), bytes: 0 };
    this.collections.set(collection, fresh);
    return fresh.points;
  }

  /** Keeps a point of `collection` read at the state last given to `at`, while the budget allows. */
  keep(collection: string, seq: number, point: MemoPoint): void {
    const held = this.collections.get(collection);
    // The most it can take (every dimension non-zero), checked before any copying: once the
    // budget is spent, a point read for re-scoring costs nothing more here.
    if (!held || this.bytes + 2 * point.vector.byteLength + 2 * point.id.length + 64 > this.budget) return;
    const vector = point.vector.slice();
    const nonZero: number[] = [];
    let norm = 0;
    for (let d = 0; d < vector.length; d++) {
      if (vector[d] === 0) continue;
      nonZero.push(d);
      norm += vector[d]! * vector[d]!;
    }
    const size = vector.byteLength + 4 * nonZero.length + 2 * point.id.length + 64;
    held.bytes += size;
    this.bytes += size;
    held.points.set(seq, { id: point.id, vector, nonZero: Uint32Array.from(nonZero), length: Math.sqrt(norm) });
  }

  /** Forgets a collection's points (dropped, or its copy moved on). */
  forget(collection: string): void {
    const held = this.collections.get(collection);
    if (!held) return;
    this.bytes -= held.bytes;
    this.collections.delete(collection);
  }
}
