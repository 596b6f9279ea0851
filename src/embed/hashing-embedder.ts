import { l2normalize, type Embedder } from './embedder.js';
import { TokenCounter } from './cl100k-tokenizer.js';
import { STOPWORDS } from './stopwords.js';

export type HashingOptions = {
  /** Vector length. More dimensions, fewer collisions. */
  dimension?: number;
  /** Weight of word bigrams relative to words. */
  bigramWeight?: number;
  /** Weight of character n-grams inside words (catches morphology: "biomaterial" ~ "biomaterials"). */
  charGramWeight?: number;
  /** Longest input accepted, counted with cl100k_base. */
  maxTokens?: number;
};

const HASHING_DEFAULTS = { dimension: 1024, bigramWeight: 0.5, charGramWeight: 0.35, maxTokens: 512 } as const;
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
  const counter = new TokenCounter();
  return {
    name: 'hashing',
    id: `hashing:v${HASHING_VERSION}-d${o.dimension}-b${o.bigramWeight}-c${o.charGramWeight}`,
    dimension: o.dimension,
    maxTokens: o.maxTokens,
    tokenizer: 'cl100k_base',
    countTokens: (text) => counter.count(text),
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

function featureWords(text: string): string[] {
  const words: string[] = [];
  const lower = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  for (const m of lower.matchAll(/[\p{L}\p{N}]+/gu)) {
    const w = m[0];
    if (STOPWORDS.has(w)) continue;
    words.push(stem(w));
  }
  return words;
}

/** A light suffix stripper: enough to meet plural and tense variants, cheap and predictable. */
function stem(w: string): string {
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ing') && w.length > 5) return w.slice(0, -3);
  if (w.endsWith('ed') && w.length > 4) return w.slice(0, -2);
  if (w.endsWith('es') && w.length > 4 && /(ch|sh|x|ss|z)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

function fnv1a(s: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // final avalanche (murmur3 fmix32) so nearby strings spread over the whole range
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashingVector(text: string, o: Required<Omit<HashingOptions, 'maxTokens'>> & { maxTokens?: number }): Float32Array {
  const words = featureWords(text);
  const tf = new Map<string, number>();
  const add = (f: string, w: number) => tf.set(f, (tf.get(f) ?? 0) + w);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    add(`w:${w}`, Math.min(1.5, 0.5 + w.length / 8));
    if (o.bigramWeight > 0 && i + 1 < words.length) add(`b:${w} ${words[i + 1]}`, o.bigramWeight);
    if (o.charGramWeight > 0 && w.length > 4) {
      const padded = `<${w}>`;
      const n = padded.length - 3;
      for (let j = 0; j < n; j++) add(`c:${padded.slice(j, j + 4)}`, o.charGramWeight / Math.sqrt(n));
    }
  }
  const v = new Float32Array(o.dimension);
  for (const [f, count] of tf) {
    const h = fnv1a(f, 0);
    const sign = fnv1a(f, 0x9e3779b9) & 1 ? 1 : -1;
    // sublinear tf: a word said ten times is not ten times the topic
    v[h % o.dimension]! += sign * (count >= 1 ? 1 + Math.log(count) : count);
  }
  return l2normalize(v);
}
