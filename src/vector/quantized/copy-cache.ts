import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { STAMPED, type CopyMeta } from './quantized-copy.js';

/**
 * The chunk rows of a collection's quantized copy, read by a search without going through
 * SQLite when it can. SQLite hands out a 116 KB blob by walking ~30 overflow pages, ~10 ms for
 * the 100 rows of 100k points even from its own page cache, where one read of a plain file of
 * the same bytes takes ~1.5 ms. So a search keeps the rows it read:
 *
 * - in memory, for the next search of the same store (a long-lived process: serve, chat);
 * - in a file beside the database (`<db>-vq-<collection>`), for the next process (a one-shot
 *   `inspect search`), written once per state of the copy (tmp file, then rename).
 *
 * Either is used only for the state it was taken from: the copy's `generation`, which a write
 * of the collection's points always moves (triggers) and which starts at a random stamp when
 * a copy is first written (quantized-copy.ts), so no other collection, incarnation or file has
 * it. Copies not yet stamped (written by an older llmops and not since) are read from SQLite.
 * A cache file that is missing, unreadable, torn or of another state is ignored; one that
 * cannot be written (a read-only directory) is skipped: the rows come from SQLite as before.
 */
export type ChunkRow = { chunk: number; codes: Uint8Array };

/** Below this many slots the SQLite read is already fast (< 1 ms): no file. */
const MIN_FILE_SLOTS = 8192;
const MAGIC = 0x51564c4c; // 'LLVQ'
const VERSION = 1;

export class CopyCache {
  private last: { collection: string; generation: number; rows: ChunkRow[] } | undefined;

  /** `dbPath`: the database file (absolute), or undefined for no cache file (in memory). */
  constructor(private readonly dbPath: string | undefined) {}

  /** Inside a read transaction, on a copy that isFresh: its chunk rows. */
  rows(db: BetterSqlite3.Database, collection: string, meta: CopyMeta): ChunkRow[] {
    const stamped = meta.generation >= STAMPED;
    const last = this.last;
    if (stamped && last && last.collection === collection && last.generation === meta.generation) return last.rows;
    const file = stamped && meta.next_slot >= MIN_FILE_SLOTS ? this.fileOf(collection) : undefined;
    let rows = file ? readCacheFile(file, collection, meta) : undefined;
    if (!rows) {
      rows = db.prepare('select chunk, codes from vector_quant_chunks where collection = ?').all(collection) as ChunkRow[];
      if (file) writeCacheFile(file, collection, meta, rows);
    }
    this.last = stamped ? { collection, generation: meta.generation, rows } : undefined;
    return rows;
  }

  /** Forgets a collection (dropped): its memory and its file. */
  forget(collection: string): void {
    if (this.last?.collection === collection) this.last = undefined;
    const file = this.fileOf(collection);
    if (file) removeQuietly(file);
  }

  private fileOf(collection: string): string | undefined {
    return this.dbPath === undefined ? undefined : `${this.dbPath}-vq-${collection}`;
  }
}

/**
 * The file: a header of u32 words [magic, version, dimension, next_slot, chunk count, name
 * length], the generation (f64), the name (UTF-8, padded to 8 bytes), then per chunk its number
 * and byte length (u32 pairs), then the chunk blobs, each starting on an 8-byte boundary (the
 * typed views of code-chunk.ts lie on them without a copy).
 */
const pad8 = (n: number) => Math.ceil(n / 8) * 8;

function layout(collection: string, count: number) {
  const name = Buffer.from(collection, 'utf8');
  const head = 6 * 4 + 8;
  const index = head + pad8(name.length);
  const data = pad8(index + count * 8);
  return { name, head, index, data };
}

function readCacheFile(file: string, collection: string, meta: CopyMeta): ChunkRow[] | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.byteLength < 32 || buf.byteOffset % 8 !== 0) return undefined;
  const words = new Uint32Array(buf.buffer, buf.byteOffset, 6);
  const [magic, version, dimension, nextSlot, count, nameLength] = words as unknown as number[];
  if (magic !== MAGIC || version !== VERSION || dimension !== meta.dimension || nextSlot !== meta.next_slot) return undefined;
  if (buf.readDoubleLE(24) !== meta.generation) return undefined;
  const { name, index, data } = layout(collection, count!);
  if (nameLength !== name.length || !buf.subarray(32, 32 + name.length).equals(name) || buf.byteLength < data) return undefined;
  const rows: ChunkRow[] = [];
  let at = data;
  for (let i = 0; i < count!; i++) {
    const chunk = buf.readUInt32LE(index + 8 * i);
    const length = buf.readUInt32LE(index + 8 * i + 4);
    if (at + length > buf.byteLength) return undefined; // torn
    rows.push({ chunk, codes: buf.subarray(at, at + length) });
    at = pad8(at + length);
  }
  return at === pad8(buf.byteLength) ? rows : undefined;
}

function writeCacheFile(file: string, collection: string, meta: CopyMeta, rows: ChunkRow[]): void {
  const { name, index, data } = layout(collection, rows.length);
  let size = data;
  for (const r of rows) size = pad8(size + r.codes.byteLength);
  const buf = Buffer.alloc(size);
  [MAGIC, VERSION, meta.dimension, meta.next_slot, rows.length, name.length].forEach((w, i) => buf.writeUInt32LE(w, 4 * i));
  buf.writeDoubleLE(meta.generation, 24);
  name.copy(buf, 32);
  let at = data;
  rows.forEach((r, i) => {
    buf.writeUInt32LE(r.chunk, index + 8 * i);
    buf.writeUInt32LE(r.codes.byteLength, index + 8 * i + 4);
    buf.set(r.codes, at);
    at = pad8(at + r.codes.byteLength);
  });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(tmp, buf);
    renameSync(tmp, file); // atomic: a reader sees the old file or the whole new one
  } catch {
    removeQuietly(tmp); // a read-only directory, a full disk: searches read SQLite instead
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // not there, or not ours to remove
  }
}
