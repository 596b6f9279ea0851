import type { SearchResult } from '../search/search-results.js';

/**
 * What the answer side gives back, the same in `ask --json`, NDJSON, `chat` and `serve`.
 */

/** A retrieved chunk offered to the model as source [n], with the collection it came from. */
export type AnswerSource = SearchResult & { collection: string };

/** A source the answer cites as `[n]`, resolved to its document. */
export type Citation = {
  n: number;
  title: string | null;
  link: string | null;
  document_id: string;
  chunk_id: string;
  chunk_index: number;
  collection: string;
  score: number;
  /** The chunk's text around the match, for a reader who wants to check. */
  snippet: string;
};

export type Answer = {
  question: string;
  answer: string;
  citations: Citation[];
  /** `generated` by a model; `extractive` (no model: the best-matching sentences of the sources). */
  mode: 'generated' | 'extractive';
  provider: string;
  model: string;
  usage: { input_tokens: number; output_tokens: number };
  cost_usd: number;
  trace_id: string;
  /** The call in the call log (null for extractive answers and cache hits without one). */
  call_id: string | null;
  finish_reason: string;
};
