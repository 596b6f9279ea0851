import { describe, expect, it } from 'vitest';
import { jaccard, MinHashLsh, NearDuplicateFilter, shingles } from '../../src/dedup/minhash-lsh.js';

/** A seeded generator of sentences, and near copies made by small edits. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const WORDS = 'order refund account password billing plan invoice shipping delivery card team export mobile app data support email login reset upgrade cancel trial discount student annual monthly price charge receipt address phone device sync backup'.split(' ');
function text(r: () => number, n = 40) {
  return Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');
}
function edit(r: () => number, t: string, edits: number) {
  const w = t.split(' ');
  for (let i = 0; i < edits; i++) w[Math.floor(r() * w.length)] = WORDS[Math.floor(r() * WORDS.length)]!;
  return w.join(' ');
}

describe('MinHash LSH', () => {
  it('finds every pair at or above the threshold in a generated set (recall ≥ 0.95)', () => {
    const r = rng(1);
    const docs: string[] = [];
    for (let i = 0; i < 400; i++) {
      const base = text(r);
      docs.push(base);
      if (i % 2 === 0) docs.push(edit(r, base, 1));
      if (i % 5 === 0) docs.push(base.toUpperCase().replace(/ /g, '  '));
    }
    const sets = docs.map((d) => shingles(d));
    const truth: [number, number][] = [];
    for (let i = 0; i < docs.length; i++) for (let j = i + 1; j < docs.length; j++) if (jaccard(sets[i]!, sets[j]!) >= 0.85) truth.push([i, j]);
    expect(truth.length).toBeGreaterThan(250);
    const index = new MinHashLsh<number>({ threshold: 0.85 });
    const prepared = docs.map((d) => index.prepare(d));
    prepared.forEach((p, i) => index.add(i, p));
    let found = 0;
    for (const [i, j] of truth) if (index.candidates(prepared[i]!).some((c) => c.id === j)) found++;
    expect(found / truth.length).toBeGreaterThanOrEqual(0.95);
  });

  it('clusters a stream: keeps the first, drops the near copies with their similarity', () => {
    const f = new NearDuplicateFilter<string>({ threshold: 0.85 });
    const base = 'The refund for an annual plan is prorated after thirty days, and paid back to the original card. Monthly plans are not refunded, but you can cancel at any time before the next billing date.';
    expect(f.offer('a', base)).toBeUndefined();
    expect(f.offer('b', base.replace('thirty', '30'))?.id).toBe('a');
    expect(f.offer('c', 'Completely different text about exporting data from the mobile app.')).toBeUndefined();
    expect(f.offer('d', `  ${base.toUpperCase()} `)?.similarity).toBe(1);
    const c = f.clusters.get('a')!;
    expect(c.dropped.map((d) => d.id)).toEqual(['b', 'd']);
    expect(c.dropped[0]!.similarity).toBeGreaterThanOrEqual(0.85);
  });
});
