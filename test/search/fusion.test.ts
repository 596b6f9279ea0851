import { describe, expect, it } from 'vitest';
import { expandQuery, fuse, fuseScores, fusionDefaults, type SearchHit } from '../../src/search/fusion.js';

const hits = (scores: [string, number][], side: 'lexical' | 'vector'): SearchHit[] =>
  scores.map(([id, score], i) => ({ rank: i + 1, id, document_id: id, chunk_index: 0, score, text: id, [`${side}_rank`]: i + 1 }));

describe('score fusion (convex combination of normalised scores)', () => {
  it('a hit strong in both lists outranks hits strong in only one', () => {
    const lex = hits([['lexOnly', 12], ['both', 11], ['c', 2]], 'lexical');
    const vec = hits([['vecOnly', 0.9], ['both', 0.85], ['d', 0.1]], 'vector');
    const fused = fuseScores([{ hits: lex, weight: 1, floor: 0 }, { hits: vec, weight: 1 }], 10);
    expect(fused[0]!.id).toBe('both');
    expect(fused[0]).toMatchObject({ rank: 1, lexical_rank: 2, vector_rank: 2 });
    expect(fused.map((h) => h.rank)).toEqual([1, 2, 3, 4, 5]);
    // the scale of each list does not matter: BM25 in the tens, cosine below 1
    const scaled = fuseScores([{ hits: hits([['lexOnly', 1200], ['both', 1100], ['c', 200]], 'lexical'), weight: 1, floor: 0 }, { hits: vec, weight: 1 }], 10);
    expect(scaled.map((h) => h.id)).toEqual(fused.map((h) => h.id));
  });

  it('weights tip the balance, and the heavier list wins', () => {
    const lex = hits([['a', 10], ['b', 1]], 'lexical');
    const vec = hits([['b', 0.9], ['a', 0.1]], 'vector');
    expect(fuseScores([{ hits: lex, weight: 3 }, { hits: vec, weight: 1 }], 2)[0]!.id).toBe('a');
    expect(fuseScores([{ hits: lex, weight: 1 }, { hits: vec, weight: 3 }], 2)[0]!.id).toBe('b');
  });

  it('a single hit, all-equal scores and empty lists give finite scores, never NaN', () => {
    const one = fuseScores([{ hits: hits([['x', 3]], 'lexical'), weight: 1 }, { hits: [], weight: 1 }], 5);
    expect(one).toHaveLength(1);
    expect(one[0]!.score).toBe(0.5);
    const flat = fuseScores([{ hits: hits([['x', 0.4], ['y', 0.4]], 'vector'), weight: 1 }, { hits: hits([['y', 0], ['z', 0]], 'lexical'), weight: 1, floor: 0 }], 5);
    for (const h of flat) expect(Number.isFinite(h.score)).toBe(true);
    expect(flat[0]!.id).toBe('y');
    expect(fuseScores([{ hits: [], weight: 1 }], 5)).toEqual([]);
  });

  it('a known floor keeps a short list on its scale: the weaker of two BM25 hits is not zeroed', () => {
    const lex = hits([['a', 10], ['b', 8]], 'lexical');
    const withFloor = fuseScores([{ hits: lex, weight: 1, floor: 0 }], 2);
    expect(withFloor.map((h) => h.score)).toEqual([1, 0.8]);
    const minMax = fuseScores([{ hits: lex, weight: 1 }], 2);
    expect(minMax.map((h) => h.score)).toEqual([1, 0]);
  });
});

describe('query expansion (Rocchio)', () => {
  it('moves the query toward its feedback and stays a unit vector', () => {
    const q = [1, 0, 0];
    const e = expandQuery(q, [[0, 2, 0]]);
    expect(Math.hypot(...e)).toBeCloseTo(1, 6);
    expect(e[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(e[1]).toBeCloseTo(Math.SQRT1_2, 6);
    // no (or unusable) feedback: the query itself, normalised
    expect([...expandQuery([3, 4], [])]).toEqual([0.6000000238418579, 0.800000011920929]);
    expect([...expandQuery([3, 4], [[0, 0], [1, 2, 3]])]).toEqual([...expandQuery([3, 4], [])]);
  });
});

describe('fusion defaults', () => {
  it('semantic embedders keep equal-weight rank fusion without feedback; hashing fuses scores after feedback', () => {
    expect(fusionDefaults('minilm')).toEqual({ fusion: 'rrf', rrfK: 60, vectorWeight: 1, feedback: 0 });
    expect(fusionDefaults('openai')).toMatchObject({ fusion: 'rrf', feedback: 0 });
    expect(fusionDefaults('hashing')).toMatchObject({ fusion: 'convex', vectorWeight: 1, feedback: 1 });
    expect(fusionDefaults('hashing', 'rrf')).toMatchObject({ fusion: 'rrf', rrfK: 10, vectorWeight: 0.15 });
  });

  it('rank fusion still adds weight / (k + rank)', () => {
    const fused = fuse([{ hits: hits([['a', 5], ['b', 4]], 'lexical'), weight: 1 }, { hits: hits([['b', 0.9]], 'vector'), weight: 1 }], 5, 60);
    expect(fused[0]!.id).toBe('b');
    expect(fused[0]!.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
  });
});
