import type { AnswerSource } from '../../src/answer/answer-types.js';

/** A retrieved chunk as the retriever hands it to the answer stage. */
export function source(i: number, text: string, over: Partial<AnswerSource> = {}): AnswerSource {
  return {
    rank: i,
    score: 1 / i,
    title: `Document ${i}`,
    link: `https://example.org/doc-${i}`,
    category: 'articles',
    author: null,
    source: 'test',
    document_id: `doc-${i}`,
    id: `chunk-${i}`,
    chunk_index: i - 1,
    token_count: null,
    metadata: null,
    snippet: text.slice(0, 60),
    highlights: [],
    text,
    collection: 'embedded_articles',
    ...over,
  };
}

/** Plain prose of about `words` words (no sentence repeats a neighbour exactly). */
export function prose(words: number, seed = 'alpha'): string {
  const vocab = ['river', 'stone', 'market', 'lantern', 'orchard', 'signal', 'harbor', 'meadow', 'copper', 'violet'];
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(i % 12 === 0 ? `${seed}${i}` : vocab[(i * 7) % vocab.length]!);
  return `${out.join(' ')}.`;
}
