// Hybrid search merges a lexical and a vector hit list: rank fusion, score fusion, the query
// expansion that feeds one list from the other, and the defaults per embedder.

/** How hybrid mode merges its two lists: reciprocal ranks, or a weighted sum of normalised scores. */
export type Fusion = 'rrf' | 'convex';
export const FUSIONS: readonly Fusion[] = ['rrf', 'convex'];

/** A chunk found by a search, ranked in its list (or in the fused one); higher scores are better. */
export type SearchHit = {
  rank: number;
  id: string;
  document_id: string;
  chunk_index: number;
  /** The chunk's length in its embedder's tokens. */
  token_count?: number;
  score: number;
  text: string;
  lexical_rank?: number;
  vector_rank?: number;
};

/** Adds up each hit's contributions over the lists (keeping both ranks) and ranks the sums. */
function combine(lists: { hits: SearchHit[]; contribution: (h: SearchHit) => number }[], k: number): SearchHit[] {
  const byId = new Map<string, SearchHit>();
  for (const { hits, contribution } of lists) {
    for (const h of hits) {
      const cur = byId.get(h.id) ?? { ...h, score: 0 };
      cur.score += contribution(h);
      if (h.lexical_rank !== undefined) cur.lexical_rank = h.lexical_rank;
      if (h.vector_rank !== undefined) cur.vector_rank = h.vector_rank;
      if (!cur.text) cur.text = h.text;
      cur.token_count ??= h.token_count;
      byId.set(h.id, cur);
    }
  }
  return [...byId.values()]
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, k)
    .map((h, i) => ({ ...h, rank: i + 1 }));
}

/** Reciprocal rank fusion (Cormack et al. 2009): robust to the two scores' different scales. */
export function fuse(lists: { hits: SearchHit[]; weight: number }[], k: number, rrfK = 60): SearchHit[] {
  return combine(lists.map(({ hits, weight }) => ({ hits, contribution: (h: SearchHit) => weight / (rrfK + h.rank) })), k);
}

/**
 * Convex combination of normalised scores (Bruch et al. 2023, "An Analysis of Fusion Functions
 * for Hybrid Retrieval"): score = Σ weight · norm(score) / Σ weight. Each list is scaled to
 * [0, 1] between its `floor` (a known lower bound — 0 for BM25 — else the list's lowest score)
 * and its best score; a hit missing from a list scores 0 there. A list whose scores are all
 * equal (one hit, say) scores 1 throughout.
 */
export function fuseScores(lists: { hits: SearchHit[]; weight: number; floor?: number }[], k: number): SearchHit[] {
  const total = lists.reduce((s, l) => s + l.weight, 0) || 1;
  const scaled = lists.map(({ hits, weight, floor }) => {
    let hi = -Infinity;
    let lo = floor ?? Infinity;
    for (const h of hits) {
      hi = Math.max(hi, h.score);
      lo = Math.min(lo, h.score);
    }
    return { hits, contribution: (h: SearchHit) => (weight / total) * (hi > lo ? (h.score - lo) / (hi - lo) : 1) };
  });
  return combine(scaled, k);
}

/**
 * Rocchio query expansion: the unit query plus `beta` times the mean of the unit feedback
 * vectors, unit again. Pulls the query toward the words its best matches use.
 */
export function expandQuery(query: ArrayLike<number>, feedback: ArrayLike<number>[], beta = 1): Float32Array {
  const unit = (v: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
    return s > 0 ? 1 / Math.sqrt(s) : 0;
  };
  const out = new Float32Array(query.length);
  const qn = unit(query);
  for (let i = 0; i < out.length; i++) out[i] = query[i]! * qn;
  const useful = feedback.filter((f) => f.length === query.length && unit(f) > 0);
  for (const f of useful) {
    const c = (beta / useful.length) * unit(f);
    for (let i = 0; i < out.length; i++) out[i]! += f[i]! * c;
  }
  const n = unit(out);
  for (let i = 0; i < out.length; i++) out[i]! *= n;
  return out;
}

export type FusionSettings = { fusion: Fusion; rrfK: number; vectorWeight: number; feedback: number };

/**
 * Hybrid defaults per embedder. Semantic embedders (MiniLM, OpenAI) bring what BM25 misses, so
 * both lists count the same in rank fusion (the textbook k = 60). Hashing vectors are a noisier
 * copy of the lexical signal — fused as they are they made hybrid worse than BM25 alone on
 * SciFact (bench/retrieval.ts) — so hybrid first expands the vector query with the vector of
 * the best lexical hit (pseudo-relevance feedback: the words that document uses), then adds the
 * two normalised scores with equal weights; score fusion beats RRF when one side is weaker.
 */
export function fusionDefaults(embedderName: string | undefined, fusion?: Fusion): FusionSettings {
  if (embedderName !== 'hashing') return { fusion: fusion ?? 'rrf', rrfK: 60, vectorWeight: 1, feedback: 0 };
  // Asked for rank fusion, hashing vectors only break ties near the top (k = 10, weight 0.15).
  return (fusion ?? 'convex') === 'convex' ? { fusion: 'convex', rrfK: 60, vectorWeight: 1, feedback: 1 } : { fusion: 'rrf', rrfK: 10, vectorWeight: 0.15, feedback: 1 };
}
