import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { STAMPED, type CopyMeta } from './quantized-copy.js';

/**
 * The chunk rows of a collection's quantized copy, read by a search without going through
 * SQLite when it can. SQLite hands out a 116 KB blob by walking ~30 overflow pages, ~10 ms for
 * the 100 rows of 100k points even from its own page cache, where one read of a plain file of
 * the same bytes takes ~1.5 ms. So a search that had to read the rows from SQLite keeps them:
 *
 * - in a file beside the database (`<db>-vq-<collection>`), for the next process (a one-shot
 *   `inspect search`), written once per state of the copy (tmp file, then rename), and read
 *   from then on a row at a time (see `use`);
 * - in memory, for the next search of the same store (a long-lived process: serve, chat).
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

  /**
   * Inside a read transaction, on a copy that isFresh: `fn` given the copy's chunk rows, which
   * it may iterate more than once. Rows from a cache file are read one at a time into a buffer
   * that the next one reuses (valid until the iteration moves on): a fresh process then touches
   * ~120 KB of new memory instead of the whole copy, and new pages are what a one-shot search
   * pays most for (a page fault per 4 KB; on a virtual machine, ~25 µs each).
   */
  use<T>(db: BetterSqlite3.Database, collection: string, meta: CopyMeta, fn: (rows: Iterable<ChunkRow>) => T): T {
    const stamped = meta.generation >= STAMPED;
    const last = this.last;
    if (stamped && last && last.collection === collection && last.generation === meta.generation) return fn(last.rows);
    const file = stamped && meta.next_slot >= MIN_FILE_SLOTS ? this.fileOf(collection) : undefined;
    const cached = file ? openCacheFile(file, collection, meta) : undefined;
    if (cached) {
      try {
        return fn(cached.rows);
      } finally {
        closeSync(cached.fd);
      }
    }
    const rows = db.prepare('select chunk, codes from vector_quant_chunks where collection = ?').all(collection) as ChunkRow[];
    if (file) writeCacheFile(file, collection, meta, rows);
    this.last = stamped ? { collection, generation: meta.generation, rows } : undefined;
    return fn(rows);
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

/** The cache file open, if it holds this state of the copy whole; its rows streamed (see `use`). */
function openCacheFile(file: string, collection: string, meta: CopyMeta): { fd: number; rows: Iterable<ChunkRow> } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  let valid: { chunk: number; length: number; at: number }[] | undefined;
  try {
    valid = readIndex(fd, collection, meta);
  } catch {
    valid = undefined; // unreadable: as if missing
  }
  if (!valid) {
    closeSync(fd);
    return undefined;
  }
  const entries = valid;
  const rows = {
    *[Symbol.iterator](): Iterator<ChunkRow> {
      for (const e of entries) {
        if (buffer.byteLength < e.length) buffer = new Uint8Array(e.length); // offset 0: 8-byte aligned
        readFully(fd, buffer, e.length, e.at);
        yield { chunk: e.chunk, codes: buffer.subarray(0, e.length) };
      }
    },
  };
  return { fd, rows };
}

/** The one buffer cache file rows are read into, grown to the largest row and kept. */
let buffer = new Uint8Array(0);

function readFully(fd: number, into: Uint8Array, length: number, position: number): void {
  for (let done = 0; done < length; ) {
    const n = readSync(fd, into, done, length - done, position + done);
    if (n === 0) throw new Error('quantized copy cache: file ended early');
    done += n;
  }
}

/** Where each chunk lies in the file, when its header says it holds this state and its size adds up. */
function readIndex(fd: number, collection: string, meta: CopyMeta): { chunk: number; length: number; at: number }[] | undefined {
  const head = Buffer.alloc(32);
  if (readSync(fd, head, 0, 32, 0) !== 32) return undefined;
  const [magic, version, dimension, nextSlot, count, nameLength] = [0, 1, 2, 3, 4, 5].map((i) => head.readUInt32LE(4 * i));
  if (magic !== MAGIC || version !== VERSION || dimension !== meta.dimension || nextSlot !== meta.next_slot) return undefined;
  if (head.readDoubleLE(24) !== meta.generation) return undefined;
  const { name, index, data } = layout(collection, count!);
  if (nameLength !== name.length) return undefined;
  const top = Buffer.alloc(data);
  if (readSync(fd, top, 0, data, 0) !== data || !top.subarray(32, 32 + name.length).equals(name)) return undefined;
  const entries: { chunk: number; length: number; at: number }[] = [];
  let at = data;
  for (let i = 0; i < count!; i++) {
    const length = top.readUInt32LE(index + 8 * i + 4);
    entries.push({ chunk: top.readUInt32LE(index + 8 * i), length, at });
    at = pad8(at + length);
  }
  return fstatSync(fd).size === at ? entries : undefined; // torn, or longer: not what was written
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
