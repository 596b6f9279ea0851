import { l2normalize, type Embedder } from './embedder.js';
import { cl100kEstimator, estimateCl100k } from './cl100k-estimate.js';
import { STOPWORDS } from './stopwords.js';
import { UsageError } from '../core/errors.js';

export type HashingOptions = {
  /** Vector length. More dimensions, fewer collisions. */
  dimension?: number;
  /** Weight of word bigrams relative to words. */
  bigramWeight?: number;
  /** Weight of character n-grams inside words (catches morphology: "biomaterial" ~ "biomaterials"). */
  charGramWeight?: number;
  /** Longest input accepted, in cl100k_base tokens (estimated: see cl100k-estimate.ts). */
  maxTokens?: number;
};

const HASHING_DEFAULTS = { dimension: 1024, bigramWeight: 0.5, charGramWeight: 0.35, maxTokens: 512 } as const;
// A chunk has a few hundred features: past this, more buckets only cost memory and disk (a
// 10^8-dimension run wrote 1.2 GB for two short documents).
const MAX_DIMENSION = 16_384;
// Bump when the features change: vectors of another version are not comparable.
const HASHING_VERSION = 1;

/**
 * An embedder that needs no weights and no network: the signed feature hashing trick over
 * stemmed words, word bigrams and character 4-grams, with sublinear term frequency and a
 * length prior standing in for IDF (long words are rarer), L2-normalised. Deterministic on
 * every machine, so vectors written today match queries tomorrow.
 */
export async function createHashingEmbedder(opts: HashingOptions = {}): Promise<Embedder> {
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  const o = { ...HASHING_DEFAULTS, ...given } as Required<HashingOptions>;
  if (!Number.isInteger(o.dimension) || o.dimension < 1 || o.dimension > MAX_DIMENSION) {
    throw new UsageError(`hashing embedder: --dimension must be a whole number from 1 to ${MAX_DIMENSION}; got ${o.dimension}`);
  }
  return {
    name: 'hashing',
    id: `hashing:v${HASHING_VERSION}-d${o.dimension}-b${o.bigramWeight}-c${o.charGramWeight}`,
    dimension: o.dimension,
    maxTokens: o.maxTokens,
    // No tokenizer of its own: chunks are sized by a cheap estimate at or a little above
    // cl100k (no BPE to load or run; bench/featurize.ts reports the real counts of its chunks).
    tokenizer: 'cl100k_base estimate',
    countTokens: estimateCl100k,
    counterFor: cl100kEstimator,
    async embedBatch(texts) {
      return texts.map((t) => hashingVector(t, o));
    },
  };
}

/** Settings back from an id such as `v1-d1024-b0.5-c0.35`. */
export function parseHashingId(rest: string): HashingOptions {
  const m = /^v\d+-d(\d+)-b([\d.]+)-c([\d.]+)$/.exec(rest);
  if (!m) return {};
  return { dimension: Number(m[1]), bigramWeight: Number(m[2]), charGramWeight: Number(m[3]) };
}

// Nothing past ASCII: NFKD and the combining marks' removal change nothing, and the words are
// runs of [a-z0-9] once lowercased. Most chunks of English prose and code are ASCII, and the
// Unicode path (normalize, a \p{M} replace, a \p{L}\p{N} regex) was a third of the embedder.
const NON_ASCII = /[^\x00-\x7f]/;

function featureWords(text: string): string[] {
  if (!NON_ASCII.test(text)) return asciiFeatureWords(text.toLowerCase());
  const words: string[] = [];
  const lower = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  for (const m of lower.matchAll(/[\p{L}\p{N}]+/gu)) {
    const w = m[0];
    if (STOPWORDS.has(w)) continue;
    words.push(stem(w));
  }
  return words;
}

/** The same words as the Unicode path, from lowercased ASCII text: its runs of letters and digits. */
function asciiFeatureWords(lower: string): string[] {
  const words: string[] = [];
  const n = lower.length;
  let i = 0;
  while (i < n) {
    let c = lower.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57))) {
      i++;
      continue;
    }
    const start = i;
    // Never read past the end: charCodeAt(n) is NaN, and the optimized code that read it was
    // thrown away ("out of bounds") in every thread that embeds, then compiled again.
    while (++i < n) {
      c = lower.charCodeAt(i);
      if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57))) break;
    }
    const w = lower.slice(start, i);
    if (!STOPWORDS.has(w)) words.push(stem(w));
  }
  return words;
}

/** A light suffix stripper: enough to meet plural and tense variants, cheap and predictable. */
function stem(w: string): string {
  if (w.length <= 3 || hasDigit(w)) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ing') && w.length > 5) return w.slice(0, -3);
  if (w.endsWith('ed') && w.length > 4) return w.slice(0, -2);
  if (w.endsWith('es') && w.length > 4 && /(ch|sh|x|ss|z)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

function hasDigit(w: string): boolean {
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

const FNV_OFFSET = 0x811c9dc5;
const SIGN_SEED = 0x9e3779b9;
const FNV_PRIME = 0x01000193;

/** FNV-1a over `s`'s UTF-16 units, from state `h`. */
function fnvStep(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Final avalanche (murmur3 fmix32) so nearby strings spread over the whole range. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Term frequencies of a text's features, keyed by the feature's two hashes (bucket and sign:
 * 64 bits, so two features of one text never meet), in the order features first appear.
 * An open-addressing table in typed arrays, reused from text to text: the features are never
 * built as strings (`w:word`, `c:gram`), which made most of the embedder's time and garbage.
 */
class FeatureCounts {
  private cap = 0;
  private mask = 0;
  private h0 = new Uint32Array(0);
  private h1 = new Uint32Array(0);
  private tf = new Float64Array(0);
  private used = new Uint8Array(0);
  /** Slots in first-appearance order. */
  order = new Int32Array(0);
  size = 0;

  reset(features: number): void {
    let cap = 64;
    while (cap < features * 2) cap *= 2;
    if (cap > this.cap) {
      this.cap = cap;
      this.mask = cap - 1;
      this.h0 = new Uint32Array(cap);
      this.h1 = new Uint32Array(cap);
      this.tf = new Float64Array(cap);
      this.used = new Uint8Array(cap);
      this.order = new Int32Array(cap);
    } else for (let k = 0; k < this.size; k++) this.used[this.order[k]!] = 0;
    this.size = 0;
  }

  /** Adds `w` to the feature hashed from FNV states `a` (seed 0) and `b` (sign seed). */
  add(a: number, b: number, w: number): void {
    const h0 = fmix(a);
    const h1 = fmix(b);
    let slot = (h0 ^ Math.imul(h1, 0x9e3779b1)) & this.mask;
    while (this.used[slot]) {
      if (this.h0[slot] === h0 && this.h1[slot] === h1) {
        this.tf[slot]! += w;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    this.used[slot] = 1;
    this.h0[slot] = h0;
    this.h1[slot] = h1;
    this.tf[slot] = w;
    this.order[this.size++] = slot;
  }

  bucket(slot: number): number {
    return this.h0[slot]!;
  }
  sign(slot: number): number {
    return this.h1[slot]! & 1 ? 1 : -1;
  }
  count(slot: number): number {
    return this.tf[slot]!;
  }
}

const counts = new FeatureCounts();
// FNV states after each feature kind's prefix, for both seeds.
const W0 = fnvStep(FNV_OFFSET, 'w:');
const W1 = fnvStep(FNV_OFFSET ^ SIGN_SEED, 'w:');
const B0 = fnvStep(FNV_OFFSET, 'b:');
const B1 = fnvStep(FNV_OFFSET ^ SIGN_SEED, 'b:');
const C0 = fnvStep(FNV_OFFSET, 'c:');
const C1 = fnvStep(FNV_OFFSET ^ SIGN_SEED, 'c:');

// A word's characters between '<' and '>', for its 4-grams (grown as long words come).
let framed = new Int32Array(64);

/**
 * Words (`w:word`), bigrams (`b:word next`) and character 4-grams of `<word>` (`c:gram`), each
 * hashed with FNV-1a under two seeds (bucket, sign), weighted, with sublinear term frequency.
 * The hashes are those of the feature strings, computed without building them.
 *
 * One pass over a word's characters advances all six FNV states it takes part in: its own
 * feature (two seeds), the bigram it begins (`b:word `, two seeds) and the one it ends (the
 * previous word's states, two seeds); separate passes were most of the embedder's time. The
 * features are added in the order they always were (word, its bigram with the next, its
 * 4-grams): the order decides the sums of colliding buckets to the last bit.
 */
function hashingVector(text: string, o: Required<Omit<HashingOptions, 'maxTokens'>> & { maxTokens?: number }): Float32Array {
  const words = featureWords(text);
  let features = 0;
  for (const w of words) features += 2 + (w.length > 4 ? w.length - 1 : 0);
  counts.reset(features);
  const bigrams = o.bigramWeight > 0;
  const grams = o.charGramWeight > 0;
  // The bigram states of the previous word ("b:prev "), for both seeds.
  let p0 = 0;
  let p1 = 0;
  let previous = '';
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const len = w.length;
    let a = W0;
    let b = W1;
    let c = B0;
    let d = B1;
    let x = p0;
    let y = p1;
    for (let k = 0; k < len; k++) {
      const ch = w.charCodeAt(k);
      a = Math.imul(a ^ ch, FNV_PRIME);
      b = Math.imul(b ^ ch, FNV_PRIME);
      c = Math.imul(c ^ ch, FNV_PRIME);
      d = Math.imul(d ^ ch, FNV_PRIME);
      x = Math.imul(x ^ ch, FNV_PRIME);
      y = Math.imul(y ^ ch, FNV_PRIME);
    }
    if (i > 0) {
      if (bigrams) counts.add(x, y, o.bigramWeight);
      if (grams) addCharGrams(previous, o.charGramWeight);
    }
    counts.add(a, b, Math.min(1.5, 0.5 + len / 8));
    p0 = Math.imul(c ^ 32, FNV_PRIME);
    p1 = Math.imul(d ^ 32, FNV_PRIME);
    previous = w;
  }
  if (grams && words.length > 0) addCharGrams(previous, o.charGramWeight);
  const dim = o.dimension;
  const v = new Float32Array(dim);
  // A power of two takes the bucket's low bits: the same index as %, without a float modulo
  // (a bucket hash is a uint32, past the integer range V8's % stays in).
  const mask = (dim & (dim - 1)) === 0 ? dim - 1 : -1;
  for (let k = 0; k < counts.size; k++) {
    const slot = counts.order[k]!;
    const count = counts.count(slot);
    const h = counts.bucket(slot);
    // sublinear tf: a word said ten times is not ten times the topic
    v[mask >= 0 ? h & mask : h % dim]! += counts.sign(slot) * (count >= 1 ? 1 + Math.log(count) : count);
  }
  return l2normalize(v);
}

/** The 4-grams of `<w>` (words longer than 4), each hashed under both seeds, weighted by 1/√grams. */
function addCharGrams(w: string, charGramWeight: number): void {
  const len = w.length;
  if (len <= 4) return;
  if (framed.length < len + 2) framed = new Int32Array(2 * (len + 2));
  const f = framed;
  f[0] = 60; // '<'
  for (let k = 0; k < len; k++) f[k + 1] = w.charCodeAt(k);
  f[len + 1] = 62; // '>'
  const n = len - 1;
  const weight = charGramWeight / Math.sqrt(n);
  for (let j = 0; j < n; j++) {
    let x = C0;
    let y = C1;
    for (let k = j; k < j + 4; k++) {
      const ch = f[k]!;
      x = Math.imul(x ^ ch, FNV_PRIME);
      y = Math.imul(y ^ ch, FNV_PRIME);
    }
    counts.add(x, y, weight);
  }
}
