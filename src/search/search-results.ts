import type { DocumentStore } from '../store/document-store.js';
import type { SearchHit } from './fusion.js';
import { queryTerms } from './query-terms.js';
import { snippetOf, type Snippet } from './search-snippet.js';

/**
 * A hit as `inspect search` gives it: the chunk, the document it came from (null fields when
 * that document is gone from the warehouse), and the snippet with the query's words marked.
 * `metadata` is the document's own (what ingest kept beside title and link); every chunk of
 * the document carries it.
 */
export type SearchResult = {
  rank: number;
  score: number;
  title: string | null;
  link: string | null;
  category: string | null;
  author: string | null;
  source: string | null;
  document_id: string;
  id: string;
  chunk_index: number;
  token_count: number | null;
  metadata: Record<string, unknown> | null;
  lexical_rank?: number;
  vector_rank?: number;
} & Snippet & { text: string };

/**
 * The hits with what a person asks next: which document each came from (the warehouse read
 * once for all of them, SQL or MongoDB alike) and where the words matched.
 */
export async function describeHits(hits: SearchHit[], documents: Pick<DocumentStore, 'getMany'>, query: string): Promise<SearchResult[]> {
  const found = hits.length > 0 ? await documents.getMany([...new Set(hits.map((h) => h.document_id))]) : [];
  const byId = new Map(found.map((d) => [d.id, d]));
  const terms = queryTerms(query);
  return hits.map((h) => {
    const d = byId.get(h.document_id);
    return {
      rank: h.rank,
      score: h.score,
      title: d?.title ?? null,
      link: d?.link ?? null,
      category: d?.category ?? null,
      author: d?.author ?? null,
      source: d?.source ?? null,
      document_id: h.document_id,
      id: h.id,
      chunk_index: h.chunk_index,
      token_count: h.token_count ?? null,
      metadata: d?.metadata ?? null,
      lexical_rank: h.lexical_rank,
      vector_rank: h.vector_rank,
      ...snippetOf(h.text, terms),
      text: h.text,
    };
  });
}
