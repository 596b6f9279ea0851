/**
 * A token counter for pieces of one text; `range`, when there, counts text[from, to) as it
 * counts that slice, without making it (chunking counts every word of a document).
 */
export type PieceCounter = ((piece: string) => number) & { range?: (text: string, from: number, to: number) => number };

/**
 * One interface for every embedder. `id` names the embedder and its settings (what a
 * collection records, so vectors from another model are refused); `maxTokens` is the longest
 * input the model reads, counted with the embedder's own tokenizer (`countTokens`).
 */
export interface Embedder {
  /** Short kind: hashing, minilm, openai. */
  readonly name: string;
  /** Kind plus model and settings, e.g. `minilm:Xenova/all-MiniLM-L6-v2`. */
  readonly id: string;
  readonly dimension: number;
  readonly maxTokens: number;
  /** Which tokenizer `countTokens` uses, for reports. */
  readonly tokenizer: string;
  countTokens(text: string): number;
  /**
   * When counting is an estimate (hashing): a counter for the pieces of `text` whose counts
   * may be fractional and add up to the whole's, so chunking can sum words' counts.
   */
  counterFor?(text: string): PieceCounter;
  /** Unit vectors, one per text, in order. */
  embedBatch(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  close?(): Promise<void>;
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  if (s === 0) return v;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}
