import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { payloadFilterSql } from '../../src/vector/payload-filter-sql.js';
import { codeScanner, jsCodeScanner } from '../../src/vector/quantized/code-scan.js';
import { CodeChunk } from '../../src/vector/quantized/code-chunk.js';
import { ANY, filterHashes, payloadHashes } from '../../src/vector/quantized/payload-hashes.js';
import { codeBytes, quantizeVector, queryTables } from '../../src/vector/quantized/quantize.js';
import type { Payload, PayloadFilter } from '../../src/vector/vector-store.js';
import { randomVector, rng } from './exact-search.js';

describe('the quantized copy, part by part', () => {
  it('the WASM SIMD scan sums the same table entries as plain JavaScript', () => {
    const r = rng(1);
    for (const dim of [4, 30, 384, 1024]) {
      const rows = codeBytes(dim);
      const blocks = 37;
      const codes = Uint8Array.from({ length: blocks * rows * 16 }, () => Math.floor(r() * 256));
      const luts = Uint8Array.from({ length: rows * 32 }, () => Math.floor(r() * 128));
      expect(Array.from(codeScanner().scan(codes, blocks, luts, rows)), `dimension ${dim}`).toEqual(Array.from(jsCodeScanner().scan(codes, blocks, luts, rows)));
    }
  });

  it('never misses an estimate by more than its worst-case bound, and is typically well inside it', () => {
    const r = rng(2);
    for (const dim of [3, 16, 96, 384]) {
      const chunk = CodeChunk.empty(dim, 256);
      const vectors = Array.from({ length: 256 }, () => randomVector(r, dim));
      vectors.forEach((v, s) => chunk.put(s, s + 1, v));
      let beyondTypical = 0;
      for (let t = 0; t < 20; t++) {
        const q = randomVector(r, dim);
        const norm = Math.hypot(...q);
        const tables = queryTables(q.map((x) => x / norm));
        const sums = codeScanner().scan(chunk.codes, 16, tables.luts, tables.rows);
        vectors.forEach((v, s) => {
          const lane = s & 15;
          const sum = sums[s - lane + (lane & 1 ? 8 + (lane >> 1) : lane >> 1)]!;
          const estimate = chunk.a[s]! * (tables.base + tables.delta * sum) - chunk.b[s]! * tables.sumQ;
          const truth = v.reduce((acc, x, d) => acc + x * q[d]!, 0) / (Math.hypot(...v) * norm);
          const worst = chunk.e[s]! + chunk.a[s]! * tables.delta * tables.rows;
          expect(Math.abs(estimate - truth)).toBeLessThanOrEqual(worst * (1 + 1e-5) + 1e-6);
          if (Math.abs(estimate - truth) > (3 * chunk.e[s]!) / Math.sqrt(Math.max(1, dim - 1)) + 3 * chunk.a[s]! * tables.rounding) beyondTypical++;
        });
      }
      expect(beyondTypical / (20 * 256), `dimension ${dim}`).toBeLessThan(0.01);
    }
  });

  it('codes a mostly-zero vector exactly as a pass over every dimension does (bytes and estimator)', () => {
    const r = rng(5);
    for (const dim of [5, 30, 384, 1024]) {
      for (const density of [0.02, 0.2, 0.6, 1]) {
        for (let t = 0; t < 20; t++) {
          const v: number[] = Array.from({ length: dim }, () => (r() < density ? (r() < 0.5 ? -1 : 1) * Math.floor(1 + r() * 4) * (r() < 0.3 ? 0.37 : 1) : 0));
          if (!v.some((x) => x !== 0)) v[0] = 1;
          const bytes = codeBytes(dim);
          const got = new Uint8Array(bytes + 2).fill(0xaa);
          const want = new Uint8Array(bytes + 2).fill(0xaa);
          expect(quantizeVector(v, got, 1), `dimension ${dim}, density ${density}`).toEqual(denseQuantize(v, want, 1));
          expect(Array.from(got)).toEqual(Array.from(want));
        }
      }
    }
  });

  it('takes a zero vector out and keeps codes of other slots when a chunk grows', () => {
    const chunk = CodeChunk.empty(8, 16);
    expect(quantizeVector([0, 0, 0, 0, 0, 0, 0, 0], new Uint8Array(2), 0)).toBeUndefined();
    expect(chunk.put(3, 42, [1, 2, 3, 4, 5, 6, 7, 8])).toBe(true);
    expect(chunk.put(4, 43, new Array<number>(8).fill(0))).toBe(false);
    const grown = chunk.grown(100);
    expect(grown.slots).toBe(112);
    expect([grown.seqs[3], grown.seqs[4]]).toEqual([42, 0]);
    expect(Array.from(grown.codes.subarray(0, 32))).toEqual(Array.from(chunk.codes.subarray(0, 32)));
    expect(CodeChunk.decode(8, grown.encode()).seqs[3]).toBe(42);
  });

  it('payload hashes never miss a point that SQLite’s json_extract filter matches', () => {
    const payloads: Payload[] = [
      { a: 1, b: 'x', c: true, d: null },
      { a: 1.0, b: '1', c: false, e: [1, 2] },
      { a: '1', b: 'x', c: 1, meta: { lang: 'fr', n: 2, deep: { x: { y: 'z' } } } },
      { a: -0, b: 'é', c: 0, meta: { lang: 'en', tags: ['fr'] } },
      { a: 12345678901, b: 'x y', 'odd key': 1, 'dotted.key': 2 },
      { meta: '{"lang":"fr"}', e: '[1,2]' },
      { b: 'y'.repeat(300), meta: { lang: 'l'.repeat(257) } }, // longer than hashed: ANY, checked by SQL
    ];
    const filters: PayloadFilter[] = [
      { a: 1 }, { a: '1' }, { a: 0 }, { a: 12345678901 }, { b: 'x' }, { b: '1' }, { b: 'é' }, { b: 'x y' },
      { c: true }, { c: false }, { c: 1 }, { c: 0 }, { d: 'null' }, { e: '[1,2]' }, { 'meta.lang': 'fr' }, { 'meta.n': 2 },
      { 'meta.deep.x.y': 'z' }, { 'meta.tags': '["fr"]' }, { meta: '{"lang":"fr"}' }, { 'dotted.key': 2 }, { a: 1, c: true },
      { b: 'y'.repeat(300) }, { b: 'y'.repeat(299) }, { 'meta.lang': 'l'.repeat(257) },
    ];
    const sqlite = new Database(':memory:');
    let matched = 0;
    for (const filter of filters) {
      const f = payloadFilterSql(filter);
      const test = sqlite.prepare(`select ${f.conditions.join(' and ')} as ok from (select ? as payload)`);
      const wanted = filterHashes(filter)!;
      for (const payload of payloads) {
        const sqlSays = (test.get(...f.params, JSON.stringify(payload)) as { ok: number | null }).ok === 1;
        const hashes = payloadHashes(payload);
        const hashSays = [...wanted].every(([key, h]) => hashes.get(key) === h || hashes.get(key) === ANY);
        if (sqlSays) matched++;
        expect(hashSays || !sqlSays, `${JSON.stringify(filter)} on ${JSON.stringify(payload)}`).toBe(true);
        // And they narrow: a plain value that SQL rejects is rejected by its hash too.
        if (!sqlSays && [...wanted.keys()].every((k) => hashes.get(k) !== ANY)) expect(hashSays, `${JSON.stringify(filter)} on ${JSON.stringify(payload)}`).toBe(false);
      }
    }
    expect(matched).toBeGreaterThan(10);
    expect(filterHashes({ 'a.b.c.d.e': 1 })).toBeUndefined(); // deeper than hashed: the plain scan answers
  });

  it('a vector more than half near zero is coded on no worse a grid than if the dense grids were tried too', () => {
    const r = rng(6);
    const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
    let skipped = 0;
    for (const zeros of [0.4, 0.5, 0.6, 0.9]) {
      for (const shape of [gauss, () => r() * 2 - 1, () => gauss() ** 3]) {
        for (let t = 0; t < 40; t++) {
          const v = Array.from({ length: 384 }, () => (r() < zeros ? 0 : shape()));
          if (!v.some((x) => x !== 0)) v[0] = 1;
          const every = denseQuantize(v, new Uint8Array(96), 0, { allGrids: true });
          const chosen = quantizeVector(v, new Uint8Array(96), 0)!;
          if (every.skipsDense) skipped++;
          expect(chosen.e, `zeros ${zeros}`).toBeLessThanOrEqual(every.e);
        }
      }
    }
    expect(skipped).toBeGreaterThan(200); // the rule is met: most of these vectors skip the dense grids
  });
});

/**
 * quantize.ts as it was before it skipped zeros: every grid visits every dimension. With
 * `allGrids`, the dense grids are tried whatever the share of near-zero dimensions.
 */
function denseQuantize(v: number[], out: Uint8Array, at: number, opts: { allGrids?: boolean } = {}) {
  const dim = v.length;
  const norm = v.reduce((n, x) => n + x * x, 0);
  const inv = 1 / Math.sqrt(norm);
  const x = v.map((e) => e * inv);
  const max = Math.max(...x.map(Math.abs));
  const level = (e: number, inv: number, offset: number) => Math.min(3, Math.max(0, Math.floor(e * inv + offset + 0.5)));
  let best = { cos: -1, step: 1, offset: 1.5, cx: 1 };
  const better = (offset: number, step: number) => {
    let cx = 0;
    let cc = 0;
    for (const e of x) {
      const c = level(e, 1 / step, offset) - offset;
      cx += c * e;
      cc += c * c;
    }
    const cos = cx / Math.sqrt(cc);
    if (cos > best.cos) best = { cos, step, offset, cx };
  };
  const small = x.filter((e) => Math.abs(e) < 0.05 * max).length;
  const skipsDense = small * 2 > dim;
  if (!skipsDense || opts.allGrids) for (const f of [1, 0.8, 0.62, 0.48]) better(1.5, (f * max) / 2);
  if (small * 4 > dim) for (const offset of [1, 2]) for (const f of [1, 0.5, 0.25]) better(offset, f * max);
  out.fill(0, at, at + codeBytes(dim));
  x.forEach((e, d) => (out[at + (d >> 2)]! |= level(e, 1 / best.step, best.offset) << ((d & 3) * 2)));
  const a = 1 / best.cx;
  return { a, b: a * best.offset, e: Math.sqrt(Math.max(0, 1 - best.cos * best.cos)) / best.cos, ...(opts.allGrids ? { skipsDense } : {}) };
}
