/**
 * The inner loop of a quantized search: for blocks of 16 vectors whose 2-bit codes are stored
 * transposed (one 16-byte row per group of 4 dimensions, byte v = vector v of the block), add
 * up one 7-bit table entry per 2 dimensions with `i8x16.swizzle` (a 16-entry lookup on 16
 * vectors at once). This is the "fast scan" of product quantization (FAISS, ScaNN), in a
 * WebAssembly module of ~200 bytes written out below: no compiler, no download, and Node ≥ 20
 * runs WASM SIMD everywhere. It is ~10× a JavaScript table lookup over the same bytes.
 *
 * Per block the output is 16 u16 sums: vectors 0, 2, …, 14, then 1, 3, …, 15 (the even and
 * odd bytes of the 16-bit lanes). Sums fit: 2 entries of ≤ 127 per row, ≤ 256 rows (1024 dims)
 * → ≤ 65,024.
 */

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const simd = (op: number) => [0xfd, ...leb(op)];

// Opcodes (WebAssembly core + fixed-width SIMD).
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22, I32_CONST = 0x41, I32_ADD = 0x6a, I32_SUB = 0x6b, I32_EQZ = 0x45;
const BLOCK = 0x02, LOOP = 0x03, BR_IF = 0x0d, END = 0x0b, VOID = 0x40;
const V128_LOAD = simd(0x00), V128_STORE = simd(0x0b), V128_CONST = simd(0x0c), SWIZZLE = simd(0x0e), V128_AND = simd(0x4e);
const I8X16_SHR_U = simd(0x6d), I8X16_ADD = simd(0x6e), I16X8_SHL = simd(0x8b), I16X8_SHR_U = simd(0x8d), I16X8_ADD = simd(0x8e), I16X8_SUB = simd(0x91);
const mem = (offset: number) => [0, ...leb(offset)]; // alignment hint 1 byte: loads may be unaligned

// scan(codes, blocks, luts, rows, out): params 0..4; locals 5 row counter, 6 lut pointer,
// 7 acc (16-bit lanes: even byte + 256 × odd byte, wrapping), 8 odd-byte sums, 9 x, 10 s.
const [CODES, BLOCKS, LUTS, ROWS, OUT, J, LP, ACC, ODD, X, S] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const zero = [...V128_CONST, ...new Array<number>(16).fill(0)];
const lowNibbles = [...V128_CONST, ...new Array<number>(16).fill(0x0f)];
const body = [
  ...[2, 2, 0x7f, 4, 0x7b], // locals: 2 × i32, 4 × v128
  BLOCK, VOID, LOCAL_GET, BLOCKS, I32_EQZ, BR_IF, 0,
  LOOP, VOID,
  ...zero, LOCAL_SET, ACC, ...zero, LOCAL_SET, ODD,
  LOCAL_GET, LUTS, LOCAL_SET, LP, LOCAL_GET, ROWS, LOCAL_SET, J,
  LOOP, VOID,
  LOCAL_GET, CODES, ...V128_LOAD, ...mem(0), LOCAL_SET, X,
  // s = lut[2r][x & 15] + lut[2r+1][x >> 4], byte-wise (≤ 254)
  LOCAL_GET, LP, ...V128_LOAD, ...mem(0), LOCAL_GET, X, ...lowNibbles, ...V128_AND, ...SWIZZLE,
  LOCAL_GET, LP, ...V128_LOAD, ...mem(16), LOCAL_GET, X, I32_CONST, 4, ...I8X16_SHR_U, ...SWIZZLE,
  ...I8X16_ADD, LOCAL_TEE, S,
  LOCAL_GET, ACC, ...I16X8_ADD, LOCAL_SET, ACC,
  LOCAL_GET, S, I32_CONST, 8, ...I16X8_SHR_U, LOCAL_GET, ODD, ...I16X8_ADD, LOCAL_SET, ODD,
  LOCAL_GET, CODES, I32_CONST, 16, I32_ADD, LOCAL_SET, CODES,
  LOCAL_GET, LP, I32_CONST, 32, I32_ADD, LOCAL_SET, LP,
  LOCAL_GET, J, I32_CONST, 1, I32_SUB, LOCAL_TEE, J, BR_IF, 0,
  END,
  // even sums = acc − 256 × odd sums (mod 2^16, exact as the true sum < 2^16)
  LOCAL_GET, OUT, LOCAL_GET, ACC, LOCAL_GET, ODD, I32_CONST, 8, ...I16X8_SHL, ...I16X8_SUB, ...V128_STORE, ...mem(0),
  LOCAL_GET, OUT, LOCAL_GET, ODD, ...V128_STORE, ...mem(16),
  LOCAL_GET, OUT, I32_CONST, 32, I32_ADD, LOCAL_SET, OUT,
  LOCAL_GET, BLOCKS, I32_CONST, 1, I32_SUB, LOCAL_TEE, BLOCKS, BR_IF, 0,
  END, END, END,
];
const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]), // type: (i32 × 5) → ()
  ...section(3, [1, 0]), // one function of type 0
  ...section(5, [1, 0, 1]), // one memory, at least 1 page
  ...section(7, [2, ...name('scan'), 0, 0, ...name('memory'), 2, 0]),
  ...section(10, [1, ...leb(body.length), ...body]),
]);

/** Sums of table entries per vector for `blocks` blocks of codes; see the file comment. */
export type CodeScanner = {
  /** `codes`: blocks × rows × 16 bytes; `luts`: rows × 32 bytes; returns blocks × 16 sums. */
  scan(codes: Uint8Array, blocks: number, luts: Uint8Array, rows: number): Uint16Array;
};

// The few WebAssembly APIs used here (the project's TypeScript libs have no WebAssembly types).
type WasmMemory = { buffer: ArrayBuffer; grow(pages: number): number };
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
};

let cached: CodeScanner | undefined;

/** The WASM SIMD scanner, compiled once per process; the JavaScript one where WASM SIMD is missing. */
export function codeScanner(): CodeScanner {
  if (cached) return cached;
  cached = typeof WebAssembly === 'object' && WebAssembly.validate(MODULE) ? wasmScanner() : jsCodeScanner();
  return cached;
}

function wasmScanner(): CodeScanner {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(MODULE));
  const memory = instance.exports.memory as WasmMemory;
  const run = instance.exports.scan as (codes: number, blocks: number, luts: number, rows: number, out: number) => void;
  return {
    scan(codes, blocks, luts, rows) {
      const codeBytes = blocks * rows * 16;
      const lutAt = codeBytes;
      const outAt = lutAt + rows * 32;
      const need = outAt + blocks * 32;
      // The memory grows to the largest chunk seen and stays: no fresh pages on later searches.
      if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
      const heap = new Uint8Array(memory.buffer);
      heap.set(codes.subarray(0, codeBytes), 0);
      heap.set(luts.subarray(0, rows * 32), lutAt);
      run(0, blocks, lutAt, rows, outAt);
      return new Uint16Array(memory.buffer, outAt, blocks * 16);
    },
  };
}

/** The same sums in plain JavaScript (a runtime without WASM SIMD). */
export function jsCodeScanner(): CodeScanner {
  return {
    scan(codes, blocks, luts, rows) {
      const out = new Uint16Array(blocks * 16);
      for (let b = 0; b < blocks; b++) {
        const base = b * rows * 16;
        for (let v = 0; v < 16; v++) {
          let sum = 0;
          for (let r = 0; r < rows; r++) {
            const x = codes[base + r * 16 + v]!;
            sum += luts[r * 32 + (x & 15)]! + luts[r * 32 + 16 + (x >> 4)]!;
          }
          out[b * 16 + (v & 1 ? 8 + (v >> 1) : v >> 1)] = sum;
        }
      }
      return out;
    },
  };
}
