import { codeBytes, quantizeVector, type VectorCode } from './quantize.js';

/** Slots per chunk: a write rewrites the chunks it touches (≤ ~120 KB each), a search reads them all. */
export const CHUNK_SLOTS = 1024;
/** Vectors per block of transposed codes (the 16 lanes of a SIMD register). */
const BLOCK = 16;
const PER_SLOT = 8 + 4 + 4 + 4; // seq, a, b, e

/**
 * One row of a collection's quantized copy: `slots` slots (a multiple of 16), each empty
 * (seq 0) or holding a point: its seq in vector_points, its (a, b, e) (see quantize.ts) and its
 * 2-bit codes. One blob, laid out [seqs f64][a f32][b f32][e f32][codes], the codes in blocks of
 * 16 vectors, row j of a block holding byte j of each of its 16 vectors (code-scan.ts).
 */
export class CodeChunk {
  readonly seqs: Float64Array;
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly e: Float32Array;
  readonly codes: Uint8Array;
  private readonly scratch: Uint8Array;

  private constructor(
    readonly dim: number,
    readonly slots: number,
    private readonly bytes: Uint8Array,
  ) {
    const n = slots;
    const buf = bytes.buffer;
    const o = bytes.byteOffset;
    this.seqs = new Float64Array(buf, o, n);
    this.a = new Float32Array(buf, o + 8 * n, n);
    this.b = new Float32Array(buf, o + 12 * n, n);
    this.e = new Float32Array(buf, o + 16 * n, n);
    this.codes = new Uint8Array(buf, o + PER_SLOT * n, n * codeBytes(dim));
    this.scratch = new Uint8Array(codeBytes(dim));
  }

  static empty(dim: number, slots: number): CodeChunk {
    return new CodeChunk(dim, slots, new Uint8Array(slots * (PER_SLOT + codeBytes(dim))));
  }

  /** A chunk from its blob: typed views on the blob itself when it is 8-byte aligned (no copy). */
  static decode(dim: number, blob: Uint8Array): CodeChunk {
    const per = PER_SLOT + codeBytes(dim);
    const slots = blob.byteLength / per;
    if (!Number.isInteger(slots) || slots % BLOCK !== 0) throw new Error(`quantized copy: a chunk of ${blob.byteLength} bytes does not hold ${dim}-dimension codes`);
    return new CodeChunk(dim, slots, blob.byteOffset % 8 === 0 ? blob : new Uint8Array(blob)); // a copy, aligned
  }

  /** The blob to store (a view, not a copy). */
  encode(): Buffer {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /** This chunk with room for at least `slots` slots (a multiple of 16), its contents kept. */
  grown(slots: number): CodeChunk {
    if (slots <= this.slots) return this;
    const next = CodeChunk.empty(this.dim, Math.ceil(slots / BLOCK) * BLOCK);
    next.seqs.set(this.seqs);
    next.a.set(this.a);
    next.b.set(this.b);
    next.e.set(this.e);
    next.codes.set(this.codes); // blocks keep their offsets: new blocks come after
    return next;
  }

  /** Puts a point in a slot; false (and the slot left empty) for a vector with no direction. */
  put(slot: number, seq: number, vector: ArrayLike<number>): boolean {
    return this.putCode(slot, seq, quantizeVector(vector, this.scratch, 0), this.scratch);
  }

  /** Puts a point quantized already (quantizeVector's code and bytes); false (and the slot left empty) for none. */
  putCode(slot: number, seq: number, code: VectorCode | undefined, bytes: Uint8Array): boolean {
    if (!code) {
      this.clear(slot);
      return false;
    }
    this.seqs[slot] = seq;
    this.a[slot] = code.a;
    this.b[slot] = code.b;
    this.e[slot] = code.e;
    const rows = this.scratch.length;
    const base = (slot >> 4) * rows * BLOCK + (slot & 15);
    for (let j = 0; j < rows; j++) this.codes[base + j * BLOCK] = bytes[j]!;
    return true;
  }

  clear(slot: number): void {
    this.seqs[slot] = 0;
    this.a[slot] = 0;
    this.b[slot] = 0;
    this.e[slot] = 0;
  }
}
