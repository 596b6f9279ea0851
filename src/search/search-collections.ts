import type { Embedder } from '../embed/embedder.js';
import { fuse, fuseScores, type SearchHit } from './fusion.js';
import { hybridLists, withChunkTexts, type HybridLists, type SearchOptions } from './search-collection.js';

export type CollectionHit = SearchHit & { collection: string };

// Rank fusion across embedders whose cosines cannot be compared.
const RRF_K = 60;

/**
 * Hybrid search over several collections as if they were one. Fusing each collection's own
 * result by rank gave every collection's first hit the same score, a nearest chunk that shares
 * no word with the question as much as the one that answers it. Here the scores are merged
 * where they compare: the lexical scores all come from one index (one BM25 statistics over
 * every collection; ts_rank_cd scores each chunk alone), and cosines compare between the
 * collections of one embedder. So: one lexical list, one vector list per embedder, fused as a
 * single collection's two lists are (its embedder's fusion) when there is one embedder, by rank
 * otherwise.
 */
export async function searchCollections(opts: Omit<SearchOptions, 'mode' | 'collection' | 'embedder'>, collections: { name: string; embedder: Embedder }[]): Promise<CollectionHit[]> {
  const per = await Promise.all(collections.map(async (c) => ({ c, lists: await hybridLists({ ...opts, collection: c.name, embedder: c.embedder }) })));
  // Chunk ids are unique within a collection only: the merged lists key them by both.
  const keyed = (name: string, hits: SearchHit[]) => hits.map((h) => ({ ...h, id: `${name}\u0000${h.id}` }));
  const lexical = ranked(per.flatMap(({ c, lists }) => keyed(c.name, lists.lex)), 'lexical_rank');
  const byEmbedder = new Map<string, { hits: SearchHit[]; lists: HybridLists }>();
  for (const { c, lists } of per) {
    const group = byEmbedder.get(c.embedder.id) ?? { hits: [], lists };
    group.hits.push(...keyed(c.name, lists.vec));
    byEmbedder.set(c.embedder.id, group);
  }
  const vectors = [...byEmbedder.values()].map((g) => ({ hits: ranked(g.hits, 'vector_rank'), weight: g.lists.vectorWeight }));
  const one = byEmbedder.size === 1 ? per[0]!.lists : undefined;
  const fused =
    one?.fusion === 'convex'
      ? fuseScores([{ hits: lexical, weight: one.lexicalWeight, floor: 0 }, ...vectors], opts.k)
      : fuse([{ hits: lexical, weight: one?.lexicalWeight ?? 1 }, ...vectors], opts.k, one?.rrfK ?? RRF_K);
  return withTexts(opts, fused);
}

/** Best score first, ranks renumbered over the merged list. */
function ranked(hits: SearchHit[], rankKey: 'lexical_rank' | 'vector_rank'): SearchHit[] {
  return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).map((h, i) => ({ ...h, rank: i + 1, [rankKey]: i + 1 }));
}

/** Each hit back to its own collection's chunk id, with the chunk's text where only the lexical list found it. */
async function withTexts(opts: Pick<SearchOptions, 'db'>, fused: SearchHit[]): Promise<CollectionHit[]> {
  const hits = fused.map((h) => {
    const cut = h.id.indexOf('\u0000');
    return { ...h, id: h.id.slice(cut + 1), collection: h.id.slice(0, cut) };
  });
  const texts = new Map<string, string>();
  for (const collection of new Set(hits.map((h) => h.collection))) {
    for (const h of await withChunkTexts({ db: opts.db, collection }, hits.filter((x) => x.collection === collection))) texts.set(`${collection}\u0000${h.id}`, h.text);
  }
  return hits.map((h) => ({ ...h, text: texts.get(`${h.collection}\u0000${h.id}`) ?? h.text }));
}
