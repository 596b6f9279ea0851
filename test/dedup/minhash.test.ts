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

  it('texts alike below the threshold (a template filled in): each lookup compares with at most bands × bucketScan, and says so', () => {
    const r = rng(7);
    const vocabulary = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}q`);
    const template = Array.from({ length: 60 }, () => vocabulary[Math.floor(r() * vocabulary.length)]!);
    const texts = Array.from({ length: 1200 }, () => {
      const t = [...template];
      for (let k = 0; k < 4; k++) t[Math.floor(r() * t.length)] = vocabulary[Math.floor(r() * vocabulary.length)]!;
      return t.join(' ');
    });
    const last = 200;
    const stream = (bucketScan?: number) => {
      const f = new NearDuplicateFilter<number>({ threshold: 0.85, bucketScan });
      let before = 0;
      const drops = texts.flatMap((t, i) => {
        if (i === texts.length - last) before = f.index.compared;
        const m = f.offer(i, t);
        return m ? [{ i, ...m }] : [];
      });
      // Exact comparisons per lookup, over the last ones (when most texts are kept already).
      return { f, drops, perLookup: (f.index.compared - before) / last };
    };
    const capped = stream();
    const all = stream(Infinity);
    const { bands, bucketScan } = capped.f.index;
    expect(bucketScan).toBe(64);
    // Without the cap a text is compared with most of those kept before it (quadratic in all);
    // with it, with a bounded number however many came before.
    expect(all.perLookup).toBeGreaterThan(texts.length / 2);
    expect(capped.perLookup).toBeLessThanOrEqual(bands * bucketScan);
    expect(capped.perLookup * 3).toBeLessThan(all.perLookup);
    expect(capped.f.crowded).toBeGreaterThan(texts.length / 2);
    expect(all.f.crowded).toBe(0);
    // What is dropped is still a duplicate, confirmed exactly; most of them are still found.
    const sets = texts.map((t) => shingles(t));
    for (const d of capped.drops) expect(jaccard(sets[d.i]!, sets[d.id]!)).toBeGreaterThanOrEqual(0.85);
    expect(all.drops.length).toBeGreaterThan(20);
    expect(capped.drops.length).toBeGreaterThanOrEqual(all.drops.length * 0.8);
  });

  it('a stream of unrelated texts meets no crowded bucket', () => {
    const r = rng(3);
    const f = new NearDuplicateFilter<number>({ threshold: 0.85 });
    for (let i = 0; i < 600; i++) f.offer(i, text(r));
    expect(f.crowded).toBe(0);
  });
});
