import { describe, expect, it } from 'vitest';
import { citedNumbers, resolveCitations } from '../../src/answer/citations.js';
import { packSources } from '../../src/answer/pack-sources.js';
import { countTokens } from '../../src/answer/token-count.js';
import { source } from './sources.js';

describe('citation parsing', () => {
  it('reads [1], [1, 3] and [1][2], each number once, in order of first mention', () => {
    expect(citedNumbers('Rivers carry silt [2].', 5)).toEqual([2]);
    expect(citedNumbers('Both say so [1, 3]. Again [3].', 5)).toEqual([1, 3]);
    expect(citedNumbers('Stacked [4][2] and spaced [ 5 ].', 5)).toEqual([4, 2, 5]);
    expect(citedNumbers('A range [1-3] and an en dash [4–5].', 5)).toEqual([1, 2, 3, 4, 5]);
  });

  it('ignores numbers no source has, and brackets that are not citations', () => {
    expect(citedNumbers('See [0], [6] and [1, 9].', 5)).toEqual([1]);
    expect(citedNumbers('In [2020] and [1990-2020], per [a] and [1.5].', 5)).toEqual([]);
    expect(citedNumbers('No sources at all [1].', 0)).toEqual([]);
  });

  it('resolves each cited number to its source: title, link, document and chunk', () => {
    const packed = packSources([source(1, 'First text.'), source(2, 'Second text.', { title: null, link: null, chunk_index: 7 }), source(3, 'Third.')], 1000, countTokens);
    const cites = resolveCitations('Yes [3][2]; also [8].', packed);
    expect(cites).toEqual([
      { n: 2, title: null, link: null, document_id: 'doc-2', chunk_id: 'chunk-2', chunk_index: 7, collection: 'embedded_articles', score: 0.5, snippet: 'Second text.' },
      { n: 3, title: 'Document 3', link: 'https://example.org/doc-3', document_id: 'doc-3', chunk_id: 'chunk-3', chunk_index: 2, collection: 'embedded_articles', score: 1 / 3, snippet: 'Third.' },
    ]);
  });
});
