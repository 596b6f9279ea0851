import type BetterSqlite3 from 'better-sqlite3';
import type { Payload } from '../vector-store.js';
import { CHUNK_SLOTS, CodeChunk } from './code-chunk.js';
import { ABSENT, payloadHashes } from './payload-hashes.js';
import type { PointCode } from './point-codes.js';

/**
 * A collection's quantized copy, in the same SQLite file as its points (so in the same
 * transactions): 2-bit codes per point in chunk rows of 1024 slots (code-chunk.ts), per
 * filterable payload path a row of value hashes per chunk (payload-hashes.ts), the slot of
 * every point, and one meta row.
 *
 * Never stale: every write of the store updates the copy in the transaction that writes the
 * points. Anything else that writes vector_points (an older llmops, a hand-made SQL fix, a
 * crash test) is caught by triggers that bump the meta row's `generation` on every insert,
 * update and delete of the collection's points; the store records the generation its copy
 * reflects (`built`), and a copy whose `built` is behind is rebuilt from the points before it is
 * used. A copy's first commit adds a random stamp (≥ 2^40) to its generation, so that no other
 * copy, in this file or another, goes through the same generations (copy-cache.ts keys on them).
 * A collection without a copy (a file written before it existed) gets one on its first
 * write or search. The tables and triggers are the store's own, made on first use, like the
 * vec0 tables they replace: kysely's migrations know nothing of them.
 */
const FORMAT = 1;

/** Generations from this value up carry a stamp: see CopyWriter.commit and copy-cache.ts. */
export const STAMPED = 2 ** 40;

const SCHEMA = `
create table if not exists vector_quant_meta (
  collection text primary key, format integer not null, dimension integer not null,
  generation integer not null, built integer not null, next_slot integer not null, free_slots blob);
create table if not exists vector_quant_chunks (
  collection text not null, chunk integer not null, codes blob not null, primary key (collection, chunk));
create table if not exists vector_quant_filters (
  collection text not null, key text not null, chunk integer not null, hashes blob not null, primary key (collection, key, chunk));
create table if not exists vector_quant_slots (seq integer primary key, collection text not null, slot integer not null);
create index if not exists vector_quant_slots_collection on vector_quant_slots (collection);
create trigger if not exists vector_quant_points_insert after insert on vector_points begin
  update vector_quant_meta set generation = generation + 1 where collection = new.collection; end;
create trigger if not exists vector_quant_points_update after update on vector_points begin
  update vector_quant_meta set generation = generation + 1 where collection in (old.collection, new.collection); end;
create trigger if not exists vector_quant_points_delete after delete on vector_points begin
  update vector_quant_meta set generation = generation + 1 where collection = old.collection; end;
`;

export type CopyMeta = { format: number; dimension: number; generation: number; built: number; next_slot: number; free_slots: Buffer | null };

/** The copy can answer a search when it exists, is of this format and reflects every write. */
export const isFresh = (meta: CopyMeta | undefined, dimension: number): meta is CopyMeta =>
  meta !== undefined && meta.format === FORMAT && meta.dimension === dimension && meta.built === meta.generation;

function hasCopyTables(db: BetterSqlite3.Database): boolean {
  return db.prepare("select 1 from sqlite_master where type = 'table' and name = 'vector_quant_meta'").get() !== undefined;
}

export function readMeta(db: BetterSqlite3.Database, collection: string): CopyMeta | undefined {
  if (!hasCopyTables(db)) return undefined;
  return db.prepare('select format, dimension, generation, built, next_slot, free_slots from vector_quant_meta where collection = ?').get(collection) as CopyMeta | undefined;
}

/** Inside a write transaction: makes the tables and triggers if this file has none yet. */
export function ensureCopySchema(db: BetterSqlite3.Database): void {
  if (!hasCopyTables(db)) db.exec(SCHEMA);
}

/** Inside a write transaction: forgets a collection's copy. */
export function dropCopy(db: BetterSqlite3.Database, collection: string): void {
  if (!hasCopyTables(db)) return;
  for (const table of ['vector_quant_chunks', 'vector_quant_filters', 'vector_quant_slots', 'vector_quant_meta']) {
    db.prepare(`delete from ${table} where collection = ?`).run(collection);
  }
}

/** Inside a write transaction: a new, empty copy (a collection just created, or about to be rebuilt). */
export function createCopy(db: BetterSqlite3.Database, collection: string, dimension: number): void {
  ensureCopySchema(db);
  const old = db.prepare('select generation from vector_quant_meta where collection = ?').get(collection) as { generation: number } | undefined;
  dropCopy(db, collection);
  const generation = old?.generation ?? 0;
  db.prepare('insert into vector_quant_meta (collection, format, dimension, generation, built, next_slot, free_slots) values (?, ?, ?, ?, ?, 0, null)').run(
    collection,
    FORMAT,
    dimension,
    generation,
    generation,
  );
}

/** Inside a write transaction: the copy rebuilt from the collection's points, in seq order. */
export function rebuildCopy(db: BetterSqlite3.Database, collection: string, dimension: number): void {
  createCopy(db, collection, dimension);
  const writer = new CopyWriter(db, collection, dimension);
  // Pages, not one iterator: better-sqlite3 runs no other statement while one iterates.
  const page = db.prepare('select seq, embedding, payload from vector_points where collection = ? and seq > ? and embedding is not null order by seq limit 2000');
  for (let after = 0; ; ) {
    const rows = page.all(collection, after) as { seq: number; embedding: Buffer; payload: string }[];
    if (rows.length === 0) break;
    for (const r of rows) writer.put(r.seq, vectorOf(r.embedding), JSON.parse(r.payload) as Payload);
    after = rows[rows.length - 1]!.seq;
  }
  writer.commit(); // compact: every slot below next_slot is taken
}

export function vectorOf(blob: Buffer): Float32Array {
  const bytes = blob.byteOffset % 4 === 0 ? blob : new Uint8Array(blob);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/**
 * The changes of one write transaction: points put into or taken out of their slots, chunks
 * and hash rows loaded once and written back once at `commit`, which also records that the
 * copy reflects the points as they now are.
 */
export class CopyWriter {
  private readonly chunks = new Map<number, CodeChunk>();
  private readonly hashes = new Map<number, Map<string, Uint32Array>>();
  private nextSlot: number;
  private readonly free: number[];
  private readonly sql: Record<'findSlot' | 'addSlot' | 'dropSlot' | 'chunk' | 'hashes', BetterSqlite3.Statement>;
  /** The highest seq with a slot (of any collection) when this writer began, and the seqs it gave one since. */
  private readonly maxSlotted: number;
  private readonly allocated = new Set<number>();

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly collection: string,
    private readonly dimension: number,
  ) {
    const meta = readMeta(db, collection)!;
    this.nextSlot = meta.next_slot;
    this.free = meta.free_slots ? Array.from(new Uint32Array(new Uint8Array(meta.free_slots).buffer)) : [];
    this.sql = {
      findSlot: db.prepare('select slot from vector_quant_slots where seq = ? and collection = ?'),
      addSlot: db.prepare('insert or replace into vector_quant_slots (seq, collection, slot) values (?, ?, ?)'),
      dropSlot: db.prepare('delete from vector_quant_slots where seq = ?'),
      chunk: db.prepare('select codes from vector_quant_chunks where collection = ? and chunk = ?'),
      hashes: db.prepare('select key, hashes from vector_quant_filters where collection = ? and chunk = ?'),
    };
    this.maxSlotted = (db.prepare('select max(seq) as seq from vector_quant_slots').get() as { seq: number | null }).seq ?? -Infinity;
  }

  /**
   * Puts a point (its vector, or null for one with no direction) in its slot, or takes it out;
   * `pre`: its code, bytes and hashes computed already (point-codes.ts), not computed here.
   */
  put(seq: number, vector: ArrayLike<number> | null, payload: Payload, pre?: PointCode): void {
    const row = this.slotOf(seq);
    if (!vector) {
      if (row) this.remove(seq);
      return;
    }
    const slot = row?.slot ?? this.allocate(seq);
    const { chunk, n, at } = this.locate(slot);
    if (!(pre ? chunk.putCode(at, seq, pre.code, pre.bytes) : chunk.put(at, seq, vector))) {
      this.remove(seq);
      return;
    }
    const rows = this.hashRows(n, chunk.slots);
    for (const h of rows.values()) h[at] = ABSENT;
    for (const [key, hash] of pre?.hashes ?? payloadHashes(payload)) {
      let h = rows.get(key);
      if (!h) rows.set(key, (h = new Uint32Array(chunk.slots)));
      h[at] = hash;
    }
  }

  /** Takes a point out of the copy (deleted, or its vector is now zero). */
  remove(seq: number): void {
    const row = this.slotOf(seq);
    if (!row) return;
    const { chunk, n, at } = this.locate(row.slot);
    chunk.clear(at);
    for (const h of this.hashRows(n, chunk.slots).values()) h[at] = ABSENT;
    this.sql.dropSlot.run(seq);
    this.free.push(row.slot);
  }

  /** Writes the changes; true when over half the slots are empty (time to rebuild the copy compact). */
  commit(): boolean {
    const saveChunk = this.db.prepare('insert or replace into vector_quant_chunks (collection, chunk, codes) values (?, ?, ?)');
    for (const [n, chunk] of this.chunks) saveChunk.run(this.collection, n, chunk.encode());
    const saveHashes = this.db.prepare('insert or replace into vector_quant_filters (collection, key, chunk, hashes) values (?, ?, ?, ?)');
    for (const [n, rows] of this.hashes) for (const [key, h] of rows) saveHashes.run(this.collection, key, n, Buffer.from(h.buffer, h.byteOffset, h.byteLength));
    const free = this.free.length > 0 ? Buffer.from(Uint32Array.from(this.free).buffer) : null;
    // A copy's first commit moves its generation to a random stamp (copy-cache.ts: a cached
    // copy is matched by generation, which must then belong to this copy alone).
    const stamped = 'case when generation < @stamped then generation + @stamp else generation end';
    this.db
      .prepare(`update vector_quant_meta set next_slot = @next, free_slots = @free, generation = ${stamped}, built = ${stamped} where collection = @collection`)
      .run({ next: this.nextSlot, free, stamped: STAMPED, stamp: STAMPED + Math.floor(Math.random() * (2 ** 52 - STAMPED)), collection: this.collection });
    return this.free.length > CHUNK_SLOTS && this.free.length * 2 > this.nextSlot;
  }

  private allocate(seq: number): number {
    const slot = this.free.pop() ?? this.nextSlot++;
    this.sql.addSlot.run(seq, this.collection, slot);
    this.allocated.add(seq);
    return slot;
  }

  /**
   * The point's slot, if it has one. A point newer than every slotted one when this writer began
   * (a featurize run's new chunks: nearly every put) has none unless this writer gave it one:
   * no lookup for it (one query per point, a tenth of the copy's share of a batch).
   */
  private slotOf(seq: number): { slot: number } | undefined {
    if (seq > this.maxSlotted && !this.allocated.has(seq)) return undefined;
    return this.sql.findSlot.get(seq, this.collection) as { slot: number } | undefined;
  }

  private locate(slot: number): { chunk: CodeChunk; n: number; at: number } {
    const n = Math.floor(slot / CHUNK_SLOTS);
    const at = slot % CHUNK_SLOTS;
    let chunk = this.chunks.get(n);
    if (!chunk) {
      const row = this.sql.chunk.get(this.collection, n) as { codes: Buffer } | undefined;
      chunk = row ? CodeChunk.decode(this.dimension, row.codes) : CodeChunk.empty(this.dimension, 16);
    }
    // Chunks grow by doubling (16 … 1024 slots): a small collection keeps small rows.
    if (at >= chunk.slots) chunk = chunk.grown(Math.min(CHUNK_SLOTS, Math.max(at + 1, chunk.slots * 2)));
    this.chunks.set(n, chunk);
    return { chunk, n, at };
  }

  /** The hash rows of a chunk, each as long as the chunk. */
  private hashRows(n: number, slots: number): Map<string, Uint32Array> {
    let rows = this.hashes.get(n);
    if (!rows) {
      rows = new Map();
      const stored = this.sql.hashes.all(this.collection, n) as { key: string; hashes: Buffer }[];
      for (const r of stored) rows.set(r.key, new Uint32Array(new Uint8Array(r.hashes).buffer));
      this.hashes.set(n, rows);
    }
    for (const [key, h] of rows) {
      if (h.length >= slots) continue;
      const longer = new Uint32Array(slots);
      longer.set(h);
      rows.set(key, longer);
    }
    return rows;
  }
}
