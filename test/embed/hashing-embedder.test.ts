import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createHashingEmbedder, type HashingOptions } from '../../src/embed/hashing-embedder.js';
import { STOPWORDS } from '../../src/embed/stopwords.js';
import { REPO } from '../helpers/cli.js';

/**
 * The hashing embedder as its comment defines it, written the slow and obvious way: the feature
 * strings `w:word`, `b:word next` and `c:gram` (4-grams of `<word>`) built, each hashed with
 * FNV-1a from two seeds and finished with murmur3's fmix, counted in the order first seen, then
 * summed into their buckets with sublinear term frequency. The embedder computes the same hashes
 * without building a string and in fewer passes; its vectors must be these, bit for bit.
 */
function referenceVector(text: string, o: { dimension: number; bigramWeight: number; charGramWeight: number }): Float32Array {
  const words: string[] = [];
  const lower = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  for (const m of lower.matchAll(/[\p{L}\p{N}]+/gu)) if (!STOPWORDS.has(m[0])) words.push(stem(m[0]));
  const features = new Map<string, { bucket: number; sign: number; tf: number }>();
  const add = (feature: string, weight: number) => {
    const h0 = fmix(fnv(0x811c9dc5, feature));
    const h1 = fmix(fnv(0x811c9dc5 ^ 0x9e3779b9, feature));
    const key = `${h0}:${h1}`;
    const f = features.get(key);
    if (f) f.tf += weight;
    else features.set(key, { bucket: h0 % o.dimension, sign: h1 & 1 ? 1 : -1, tf: weight });
  };
  words.forEach((w, i) => {
    add(`w:${w}`, Math.min(1.5, 0.5 + w.length / 8));
    if (o.bigramWeight > 0 && i + 1 < words.length) add(`b:${w} ${words[i + 1]}`, o.bigramWeight);
    if (o.charGramWeight > 0 && w.length > 4) {
      const framed = `<${w}>`;
      for (let j = 0; j + 4 <= framed.length; j++) add(`c:${framed.slice(j, j + 4)}`, o.charGramWeight / Math.sqrt(w.length - 1));
    }
  });
  const v = new Float32Array(o.dimension);
  for (const f of features.values()) v[f.bucket]! += f.sign * (f.tf >= 1 ? 1 + Math.log(f.tf) : f.tf);
  let s = 0;
  for (const x of v) s += x * x;
  if (s > 0) for (let i = 0; i < v.length; i++) v[i]! *= 1 / Math.sqrt(s);
  return v;
}

function stem(w: string): string {
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ing') && w.length > 5) return w.slice(0, -3);
  if (w.endsWith('ed') && w.length > 4) return w.slice(0, -2);
  if (w.endsWith('es') && w.length > 4 && /(ch|sh|x|ss|z)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) return w.slice(0, -1);
  return w;
}

const fnv = (h: number, s: string) => {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
};

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Texts of every kind of character: pieces of words, suffixes the stemmer strips, marks, CJK, emoji, a lone surrogate. */
function randomTexts(count: number, seed: number): string[] {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pieces = ['a', 'b', 'e', 'o', 's', 'x', 'z', 'ch', 'sh', 'ing', 'ed', 'es', 'ies', 'sses', 'us', 'is', 'ss', 'the ', 'and ', ' ', ' ', '  ', '\n', '-', '.', ',', '1', '42', 'é', 'e\u0301', 'ß', 'İ', 'ǅ', 'ﬁ', 'Ａ', '日本語', 'Σ', '😀', '\ud800', 'x'.repeat(40)];
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(r() * 80) }, () => pieces[Math.floor(r() * pieces.length)]).join(''));
}

// Real prose and code: Readability's test pages (bench/data/extraction), in many languages.
function realTexts(): string[] {
  const pages = join(REPO, 'bench/data/extraction/readability');
  return readdirSync(pages)
    .sort()
    .slice(0, 40)
    .map((dir) => gunzipSync(readFileSync(join(pages, dir, 'source.html.gz'))).toString('utf8').slice(0, 6000));
}

describe('hashing embedder', () => {
  const settings: HashingOptions[] = [{}, { dimension: 300 }, { bigramWeight: 0 }, { charGramWeight: 0 }];
  for (const opts of settings)
    it(`makes the vectors of its definition, bit for bit (${JSON.stringify(opts)})`, async () => {
      const e = await createHashingEmbedder(opts);
      const o = { dimension: 1024, bigramWeight: 0.5, charGramWeight: 0.35, ...opts };
      const texts = [...randomTexts(400, 11), ...realTexts(), '', 'the', 'a b', 'abcde'];
      const vectors = await e.embedBatch(texts);
      // The indexes of the texts whose vectors differ (the texts themselves are long).
      const differ = texts.flatMap((t, i) => (Buffer.from(vectors[i]!.buffer).equals(Buffer.from(referenceVector(t, o).buffer)) ? [] : [i]));
      expect(differ).toEqual([]);
    });
});
