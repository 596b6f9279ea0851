import { describe, expect, it } from 'vitest';
import { queryTerms } from '../../src/search/query-terms.js';
import { snippetOf } from '../../src/search/search-snippet.js';

/** The marked words, read back through the documented offsets (code points). */
const marked = (s: { snippet: string; highlights: [number, number][] }) => s.highlights.map(([a, b]) => Array.from(s.snippet).slice(a, b).join(''));

describe('snippetOf', () => {
  it('keeps a short text whole and marks the query words, stemmed roughly as the index does', () => {
    const s = snippetOf('Hybrid search with reciprocal rank fusion\nbeat both.', queryTerms('ranking the fusions'));
    expect(s.snippet).toBe('Hybrid search with reciprocal rank fusion beat both.');
    expect(marked(s)).toEqual(['rank', 'fusion']);
  });

  it('cuts a long text around the densest match, between words, with … at the cuts', () => {
    const filler = 'lorem ipsum dolor sit amet '.repeat(20);
    const text = `${filler}the battery life of this phone is great, battery charging is fast. ${filler}`;
    const s = snippetOf(text, queryTerms('battery charging'));
    expect(s.snippet.startsWith('…')).toBe(true);
    expect(s.snippet.endsWith('…')).toBe(true);
    expect(s.snippet.length).toBeLessThan(200);
    expect(s.snippet).toMatch(/^… ?\S/);
    expect(marked(s)).toEqual(['battery', 'battery', 'charging']);
  });

  it('counts offsets in code points, past emoji and CJK', () => {
    const s = snippetOf('🚀 密集 retrieval 🚀 dense Retrieval', queryTerms('retrieval'));
    expect(s.highlights).toEqual([[5, 14], [23, 32]]);
    expect(marked(s)).toEqual(['retrieval', 'Retrieval']);
  });

  it('has no highlights when no word matched (a vector hit)', () => {
    expect(snippetOf('Cats knock coffee over.', queryTerms('keyboard')).highlights).toEqual([]);
  });
});
