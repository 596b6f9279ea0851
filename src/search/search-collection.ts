import { sql, type Kysely } from 'kysely';
import { UsageError } from '../core/errors.js';
import type { Embedder } from '../embed/embedder.js';
import type { Database } from '../store/types.js';
import type { PayloadFilter, VectorStore } from '../vector/vector-store.js';
import { memoLexicalSearch } from './lexical-memo.js';
import { queryTerms } from './query-terms.js';
import { expandQuery, fuse, fuseScores, fusionDefaults, type Fusion, type SearchHit } from './fusion.js';

export { FUSIONS, type Fusion, type SearchHit } from './fusion.js';

export type SearchMode = 'vector' | 'lexical' | 'hybrid';
export const SEARCH_MODES: readonly SearchMode[] = ['vector', 'lexical', 'hybrid'];

export type SearchOptions = {
  /** The database that holds featurize's chunks and their lexical index (raw SQL: no table types needed). */
  db: Kysely<Database>;
  engine: 'sqlite' | 'postgres';
  vectors: VectorStore;
  collection: string;
  query: string;
  k: number;
  mode: SearchMode;
  filter?: PayloadFilter;
  /** The collection's embedder (embedderFromId); needed for vector and hybrid. */
  embedder?: Embedder;
  /** Default per embedder (fusionDefaults). */
  fusion?: Fusion;
  /** Reciprocal rank fusion: score = Σ weight / (rrfK + rank). */
  rrfK?: number;
  /** Weights of the two lists, in either fusion. */
  lexicalWeight?: number;
  vectorWeight?: number;
  /** Hybrid: how many top lexical hits' vectors expand the vector query (Rocchio); 0 for none. */
  feedback?: number;
  /** How deep each side is read before fusing. */
  depth?: number;
};

// Keys a lexical search can filter on: the columns of featurize_chunks. A Map, as the key comes
// from the user: an object's lookup found `constructor` and crashed on it.
const LEXICAL_FILTER_COLUMNS = new Map<string, 'document_id' | 'category' | 'idx'>([
  ['document_id', 'document_id'],
  ['category', 'category'],
  ['chunk_index', 'idx'],
]);

/**
 * BM25 over the chunks (SQLite FTS5; PostgreSQL full text ranks with ts_rank_cd instead).
 * `withText: false` leaves each hit's text empty: hybrid reads a hundred hits deep to keep a
 * handful, and reading every hit's text was a third of the lexical search's time.
 */
async function lexicalSearch(opts: Pick<SearchOptions, 'db' | 'engine' | 'collection' | 'query' | 'k' | 'filter'>, withText = true): Promise<SearchHit[]> {
  const terms = queryTerms(opts.query);
  if (terms.length === 0) return [];
  const filters = Object.entries(opts.filter ?? {}).map(([key, value]) => {
    const col = LEXICAL_FILTER_COLUMNS.get(key);
    if (!col) throw new UsageError(`--filter ${key}: lexical search filters on ${[...LEXICAL_FILTER_COLUMNS.keys()].join(', ')} (vector search on any payload key)`);
    return sql` and c.${sql.ref(col)} = ${value}`;
  });
  const where = sql.join(filters, sql``);
  const text = withText ? sql`c.text` : sql`'' as text`;
  type Row = { id: string; document_id: string; idx: number; token_count: number; text: string; score: number };
  let rows: Row[];
  // Hybrid's hundred-deep read, unfiltered: from the words' scores kept in memory (the same rows
  // and scores, see lexical-memo.ts), unless the index moved while it read them.
  const remembered = opts.engine === 'sqlite' && !withText && filters.length === 0 ? await memoLexicalSearch(opts.db, opts.collection, terms, opts.k) : undefined;
  if (remembered) rows = remembered;
  else if (opts.engine === 'sqlite') {
    const match = terms.map((t) => `"${t}"`).join(' OR ');
    const r = await sql<Row>`select c.id, c.document_id, c.idx, c.token_count, ${text}, bm25(featurize_chunks_fts) as score
      from featurize_chunks_fts join featurize_chunks c on c.seq = featurize_chunks_fts.rowid
      where featurize_chunks_fts match ${match} and c.collection = ${opts.collection}${where}
      order by score, c.id limit ${opts.k}`.execute(opts.db);
    // FTS5's bm25() is negative (lower is better); flip it so higher is better everywhere.
    rows = r.rows.map((x) => ({ ...x, score: -x.score }));
  } else {
    const tsq = terms.join(' | ');
    const r = await sql<Row>`select c.id, c.document_id, c.idx, c.token_count, ${text}, ts_rank_cd(to_tsvector('english', c.text), q) as score
      from featurize_chunks c, to_tsquery('english', ${tsq}) q
      where to_tsvector('english', c.text) @@ q and c.collection = ${opts.collection}${where}
      order by score desc, c.id limit ${opts.k}`.execute(opts.db);
    rows = r.rows;
  }
  return rows.map((x, i) => ({ rank: i + 1, id: x.id, document_id: x.document_id, chunk_index: Number(x.idx), token_count: Number(x.token_count), score: Number(x.score), text: x.text, lexical_rank: i + 1 }));
}

/** The query's vector; `feedback` (vectors of top hits) pulls it toward them (expandQuery). */
async function queryVector(opts: Pick<SearchOptions, 'query' | 'embedder'>, feedback: ArrayLike<number>[] = []): Promise<Float32Array | number[]> {
  if (!opts.embedder) throw new UsageError('vector search needs the collection embedder');
  const [vector] = await opts.embedder.embedBatch([opts.query]);
  return feedback.length > 0 ? expandQuery(vector!, feedback) : vector!;
}

async function vectorSearch(opts: Pick<SearchOptions, 'vectors' | 'collection' | 'query' | 'k' | 'filter' | 'embedder'>, vector?: Float32Array | number[]): Promise<SearchHit[]> {
  if (!opts.embedder) throw new UsageError('vector search needs the collection embedder');
  vector ??= await queryVector(opts);
  const hits = await opts.vectors.search(opts.collection, { vector, embedder: opts.embedder.id, k: opts.k, filter: opts.filter });
  return hits.map((h, i) => ({
    rank: i + 1,
    id: h.id,
    document_id: String(h.payload.document_id ?? ''),
    chunk_index: Number(h.payload.chunk_index ?? 0),
    token_count: typeof h.payload.token_count === 'number' ? h.payload.token_count : undefined,
    score: h.score,
    text: String(h.payload.text ?? ''),
    vector_rank: i + 1,
  }));
}

/** The one search path: `inspect search` and bench/retrieval both call it. */
export async function searchCollection(opts: SearchOptions): Promise<SearchHit[]> {
  if (opts.mode === 'lexical') return lexicalSearch(opts);
  if (opts.mode === 'vector') return vectorSearch(opts);
  const { lex, vec, lexicalWeight, vectorWeight, fusion, rrfK } = await hybridLists(opts);
  const fused =
    fusion === 'convex'
      ? // BM25 (and ts_rank_cd) is never below 0: a known floor, so a short lexical list keeps its scale.
        fuseScores([{ hits: lex, weight: lexicalWeight, floor: 0 }, { hits: vec, weight: vectorWeight }], opts.k)
      : fuse([{ hits: lex, weight: lexicalWeight }, { hits: vec, weight: vectorWeight }], opts.k, rrfK);
  return withChunkTexts(opts, fused);
}

/** A hybrid search's two lists before they are fused (lexical hits without their text), and how to fuse them. */
export type HybridLists = { lex: SearchHit[]; vec: SearchHit[]; lexicalWeight: number; vectorWeight: number; fusion: Fusion; rrfK: number };

/** The lexical and vector lists of a hybrid search, each `depth` deep. */
export async function hybridLists(opts: Omit<SearchOptions, 'mode'>): Promise<HybridLists> {
  const depth = Math.max(opts.depth ?? 100, opts.k);
  const d = fusionDefaults(opts.embedder?.name, opts.fusion);
  const feedback = opts.feedback ?? d.feedback;
  let lex: SearchHit[];
  let vec: SearchHit[];
  if (feedback > 0) {
    lex = await lexicalSearch({ ...opts, k: depth }, false);
    const top = await opts.vectors.get(opts.collection, lex.slice(0, feedback).map((h) => h.id), { withVector: true });
    vec = await vectorSearch({ ...opts, k: depth }, await queryVector(opts, top.flatMap((p) => (p.vector ? [p.vector] : []))));
  } else {
    [lex, vec] = await Promise.all([lexicalSearch({ ...opts, k: depth }, false), vectorSearch({ ...opts, k: depth })]);
  }
  return { lex, vec, lexicalWeight: opts.lexicalWeight ?? 1, vectorWeight: opts.vectorWeight ?? d.vectorWeight, fusion: d.fusion, rrfK: opts.rrfK ?? d.rrfK };
}

/** The chunk's own text on every fused hit the lexical list found: the text it would have brought (an empty one gives way to the vector hit's, as in the fusion). */
export async function withChunkTexts(opts: Pick<SearchOptions, 'db' | 'collection'>, hits: SearchHit[]): Promise<SearchHit[]> {
  const ids = hits.filter((h) => h.lexical_rank !== undefined).map((h) => h.id);
  if (ids.length === 0) return hits;
  const r = await sql<{ id: string; text: string }>`select id, text from featurize_chunks where collection = ${opts.collection} and id in (${sql.join(ids)})`.execute(opts.db);
  const texts = new Map(r.rows.map((x) => [x.id, x.text]));
  return hits.map((h) => (h.lexical_rank !== undefined ? { ...h, text: texts.get(h.id) || h.text } : h));
}
