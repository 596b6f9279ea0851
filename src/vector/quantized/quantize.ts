/**
 * 2-bit scalar quantization of a vector's direction, and the query side that scores it.
 *
 * A vector x (normalised to x̂) becomes one code u_d ∈ {0,1,2,3} per dimension on a grid of
 * its own: level c_d = step·(u_d − offset). Its cosine with a unit query q is then estimated
 * from the codes alone as  est = (q·c)/(c·x̂) = a·(q·u) − b·Σq  with a = step/(c·x̂),
 * b = a·offset (the RaBitQ estimator, unbiased). Writing c/‖c‖ = cosθ·x̂ + sinθ·w (w ⊥ x̂), the
 * error is exactly tanθ·(q·w): at most e = tanθ, and for any q not built against this vector,
 * about e/√(D−1) times a standard normal. Each vector keeps (a, b, e) beside its codes, so a
 * search knows how far every estimate may be off and re-scores only vectors that could still
 * make the top k.
 *
 * The grid (offset and step) is chosen per vector for the smallest angle θ: dense vectors get
 * the symmetric grid ±0.5, ±1.5 steps; vectors with many zeros (sparse features, the hashing
 * embedder) also try grids with a zero level, and those mostly zero try only those.
 */

/** Bytes of codes per vector: 4 dimensions per byte. */
export const codeBytes = (dim: number) => Math.ceil(dim / 4);

export type VectorCode = { a: number; b: number; e: number };

const DENSE_STEPS = [1, 0.8, 0.62, 0.48];
const SPARSE_GRIDS = [1, 2];

let unit = new Float64Array(0);
let nonzero = new Int32Array(0);

/**
 * Writes the packed codes of `v` (byte j: dims 4j..4j+3, two bits each, low bits first) into
 * `out` at `at`, and returns the vector's (a, b, e); `undefined` for a zero vector.
 *
 * The grids are tried over the non-zero dimensions only, the zeros counted once per grid: a
 * hashing embedder's vector is mostly zeros, and this was most of a featurize batch's write
 * time. Exactly the same result as visiting every dimension: a zero adds nothing to c·x, and
 * c·c sums quarter-integers, which float64 adds exactly in any order.
 */
export function quantizeVector(v: ArrayLike<number>, out: Uint8Array, at: number): VectorCode | undefined {
  const dim = v.length;
  let norm = 0;
  for (let d = 0; d < dim; d++) norm += v[d]! * v[d]!;
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  if (unit.length !== dim) {
    unit = new Float64Array(dim);
    nonzero = new Int32Array(dim);
  }
  const x = unit;
  const nz = nonzero;
  let n = 0;
  const inv = 1 / Math.sqrt(norm);
  let max = 0;
  for (let d = 0; d < dim; d++) {
    const xd = v[d]! * inv;
    x[d] = xd;
    if (xd !== 0) nz[n++] = d;
    if (Math.abs(xd) > max) max = Math.abs(xd);
  }
  const s: Sparse = { x, nz, n, zeros: dim - n };
  let best = { cos: -1, step: 1, offset: 1.5, cx: 1 };
  let small = s.zeros;
  for (let i = 0; i < n; i++) if (Math.abs(x[nz[i]!]!) < 0.05 * max) small++;
  // A grid without a zero level puts every near-zero dimension half a step off: with more than
  // half of them near zero, none of the dense grids was ever the best (0 of 1,500 SciFact
  // hashing vectors, 0 of 5,400 random ones with 30-60% zeros), and trying them was 4 of the 10
  // passes of quantizing a hashing vector.
  if (small * 2 <= dim) for (const f of DENSE_STEPS) best = better(s, 1.5, (f * max) / 2, best);
  if (small * 4 > dim) for (const offset of SPARSE_GRIDS) for (const f of [1, 0.5, 0.25]) best = better(s, offset, f * max, best);

  const { step, offset, cos, cx } = best;
  // A vector the grid cannot follow at all (in practice never): no estimate, always re-scored.
  if (!(cos > 1e-6)) return { a: 0, b: 0, e: Infinity };
  const inv1 = 1 / step;
  // Every dimension at the zero's level, then the non-zero ones put in.
  const z = level(0, inv1, offset);
  const bytes = codeBytes(dim);
  out.fill(z | (z << 2) | (z << 4) | (z << 6), at, at + bytes);
  if (dim % 4 !== 0) out[at + bytes - 1]! &= (1 << (2 * (dim % 4))) - 1;
  for (let i = 0; i < n; i++) {
    const d = nz[i]!;
    const shift = (d & 3) * 2;
    out[at + (d >> 2)] = (out[at + (d >> 2)]! & ~(3 << shift)) | (level(x[d]!, inv1, offset) << shift);
  }
  const a = 1 / cx; // step/(c·x̂) with c in units of step
  return { a, b: a * offset, e: Math.sqrt(Math.max(0, 1 - cos * cos)) / cos };
}

type Grid = { cos: number; step: number; offset: number; cx: number };
/** A unit vector with the indexes of its `n` non-zero dimensions. */
type Sparse = { x: Float64Array; nz: Int32Array; n: number; zeros: number };

/** The grid (offset, step) if it follows x̂ more closely than `best` (a smaller angle θ), else `best`. */
function better({ x, nz, n, zeros }: Sparse, offset: number, step: number, best: Grid): Grid {
  let cx = 0;
  const inv = 1 / step;
  const c0 = level(0, inv, offset) - offset;
  let cc = zeros * c0 * c0;
  for (let i = 0; i < n; i++) {
    const xd = x[nz[i]!]!;
    const c = level(xd, inv, offset) - offset;
    cx += c * xd;
    cc += c * c;
  }
  const cos = cx / Math.sqrt(cc);
  return cos > best.cos ? { cos, step, offset, cx } : best;
}

/** The code of x on the grid step·(u − offset), u ∈ 0..3 (nearest level, clamped); `inv` is 1/step. */
function level(x: number, inv: number, offset: number): number {
  const u = Math.floor(x * inv + offset + 0.5);
  return u < 0 ? 0 : u > 3 ? 3 : u;
}

/**
 * What a scan needs of a query: per group of 4 dimensions (a row) two 16-entry tables (one per
 * pair of dimensions) of q·u partial sums, rounded to 7 bits on one common scale `delta`.
 * q·u ≈ base + delta·(sum of entries); `rounding` is the standard deviation of that rounding.
 */
export type QueryTables = { luts: Uint8Array; rows: number; delta: number; base: number; sumQ: number; rounding: number; dim: number };

export function queryTables(q: ArrayLike<number>): QueryTables {
  const dim = q.length;
  const rows = codeBytes(dim);
  const pairs = rows * 2;
  const at = (d: number) => (d < dim ? q[d]! : 0);
  let sumQ = 0;
  for (let d = 0; d < dim; d++) sumQ += q[d]!;
  let widest = 0;
  for (let p = 0; p < pairs; p++) widest = Math.max(widest, 3 * (Math.abs(at(2 * p)) + Math.abs(at(2 * p + 1))));
  const delta = widest > 0 ? widest / 127 : 1;
  const luts = new Uint8Array(rows * 32);
  let base = 0;
  for (let p = 0; p < pairs; p++) {
    const q0 = at(2 * p);
    const q1 = at(2 * p + 1);
    const min = Math.min(0, 3 * q0) + Math.min(0, 3 * q1);
    base += min;
    for (let n = 0; n < 16; n++) luts[p * 16 + n] = Math.round((q0 * (n & 3) + q1 * (n >> 2) - min) / delta);
  }
  return { luts, rows, delta, base, sumQ, rounding: delta * Math.sqrt(pairs / 12), dim };
}
