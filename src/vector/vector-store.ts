import { UsageError } from '../core/errors.js';
import type { WalConnection } from '../store/wal-checkpoints.js';

/**
 * One interface for vector stores: sqlite-vec in the SQLite file (embedded default) and Qdrant
 * (scale-out). Every implementation passes test/vector/vector-store.contract.ts.
 *
 * A collection records the embedder that wrote it and its dimension; vectors and queries from
 * another embedder are refused. A collection without an embedder holds payloads only
 * (`cleaned_<category>`). Point ids are UUIDs (what Qdrant accepts and our ids are).
 */
export type CollectionSpec = { embedder: string | null; dimension: number | null };
export type CollectionInfo = CollectionSpec & { name: string; count: number };

export type Payload = Record<string, unknown>;
export type Point = { id: string; vector?: Float32Array | number[]; payload: Payload };
export type StoredPoint = { id: string; payload: Payload; vector?: number[] };
export type Hit = { id: string; score: number; payload: Payload };

/** Equality on payload keys (all must match): `--filter key=value`. */
export type PayloadFilter = Record<string, string | number | boolean>;

/**
 * What a collection's quantized copy keeps of each point of a write (its 2-bit codes, its
 * (a, b, e) and its payload's hashes), computed ahead of the write: featurize's worker threads
 * compute it beside the vectors (quantized/point-codes.ts), and the writer thread, the bound on
 * 2 cores, only copies it in (it was ~1.6 of the writer's ~12 CPU-s on SciFact ×7). Typed arrays
 * and strings only: it crosses threads by structured clone (copied: worker-pool.ts says why).
 */
export type PointCodes = {
  dimension: number;
  /** The points' ids, in order: a write checks them against its points. */
  ids: string[];
  /** codeBytes(dimension) bytes per point, point after point. */
  codes: Uint8Array;
  /** a, b and e per point (quantized/quantize.ts); a is NaN for a point the copy leaves out (no direction). */
  abe: Float64Array;
  /** Every payload path any of the points has, and per point one hash per path (ABSENT: not there). */
  keys: string[];
  hashes: Uint32Array;
};

export interface VectorStore {
  readonly kind: 'sqlite-vec' | 'qdrant';
  /** A store in a SQLite file: its connection's WAL checkpoints, which a bulk writer moves to a thread of their own (featurize). */
  readonly wal?: WalConnection;
  /** Creates the collection, or checks that an existing one has the same embedder and dimension. */
  createCollection(name: string, spec: CollectionSpec): Promise<void>;
  getCollection(name: string): Promise<CollectionInfo | undefined>;
  listCollections(): Promise<CollectionInfo[]>;
  dropCollection(name: string): Promise<void>;
  /**
   * Inserts or replaces points; `embedder` must be the collection's (null for payload-only).
   * `codes`: the points' quantized codes computed ahead (encodePoints, e.g. in a worker thread),
   * for a store that keeps a quantized copy (sqlite-vec); a store without one ignores them.
   */
  upsert(name: string, points: Point[], embedder: string | null, codes?: PointCodes): Promise<void>;
  delete(name: string, ids: string[]): Promise<void>;
  get(name: string, ids: string[], opts?: { withVector?: boolean }): Promise<StoredPoint[]>;
  count(name: string, filter?: PayloadFilter): Promise<number>;
  /** The first `limit` points in id order (deterministic). */
  sample(name: string, limit: number, filter?: PayloadFilter): Promise<StoredPoint[]>;
  /** Exact nearest neighbours by cosine similarity (score: 1 is identical). */
  search(name: string, query: { vector: Float32Array | number[]; embedder: string; k: number; filter?: PayloadFilter }): Promise<Hit[]>;
  close(): Promise<void>;
}

const COLLECTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function checkCollectionName(name: string): void {
  if (!COLLECTION_NAME.test(name)) throw new UsageError(`collection name "${name}": use letters, digits, _ and - (at most 64)`);
}

/** The one error users see when vectors or queries come from the wrong embedder. */
export function checkEmbedder(collection: CollectionInfo, embedder: string | null, what: 'vectors' | 'query'): void {
  if (collection.embedder === embedder) return;
  if (collection.embedder === null) throw new UsageError(`collection ${collection.name} holds payloads only; it has no vectors to ${what === 'query' ? 'search' : 'store'}`);
  throw new UsageError(
    `collection ${collection.name} holds ${collection.embedder} vectors (${collection.dimension} dimensions); refusing ${what} from ${embedder ?? 'no embedder'} ` +
      `(use --embedder matching the collection, or featurize with --recreate to rebuild it)`,
  );
}

export function checkDimension(collection: CollectionInfo, vector: ArrayLike<number>): void {
  if (collection.dimension !== null && vector.length !== collection.dimension) {
    throw new UsageError(`collection ${collection.name}: vector has ${vector.length} dimensions, the collection ${collection.dimension}`);
  }
}

export function parseFilters(values: string[] | undefined): PayloadFilter | undefined {
  if (!values || values.length === 0) return undefined;
  // No prototype: `f['__proto__'] = …` on a plain object set its prototype and the filter was dropped.
  const f: PayloadFilter = Object.create(null);
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--filter ${v}: expected key=value`);
    const key = v.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key)) throw new UsageError(`--filter ${v}: key must be letters, digits, _ and .`);
    const raw = v.slice(eq + 1);
    f[key] = raw === 'true' ? true : raw === 'false' ? false : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  }
  return f;
}
