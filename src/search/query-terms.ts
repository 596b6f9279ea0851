import { boundedMemo } from '../core/bounded-memo.js';
import { STOPWORDS } from '../embed/stopwords.js';

// The words of a query as the lexical index sees them, and whether a word of a text is one of
// them: what BM25 matched is what a snippet marks.

const WORD = /[\p{L}\p{N}]+/gu;

/** Query words for the lexical index: letters and digits, no stopwords, each once. */
export function queryTerms(query: string): string[] {
  const terms = new Set<string>();
  for (const m of query.toLowerCase().normalize('NFKC').matchAll(WORD)) if (!STOPWORDS.has(m[0])) terms.add(m[0]);
  return [...terms].slice(0, 64);
}

// Built once (the bundler turns \p{…} literals into `new RegExp` calls, which ran per word);
// and each word's key kept: a server marks the same words in snippet after snippet.
const MARKS = /\p{M}/gu;
const DIGITS = /^\p{N}+$/u;
const MAX_WORD_KEYS = 50_000;
const wordKeys = new Map<string, string>();

/**
 * A word's comparable form: lowercased, accents off, common English endings off. Rougher than
 * the index's Porter stemmer (FTS5) or PostgreSQL's, but it meets them on the usual cases:
 * "ranks", "ranking" and "ranked" all mark for "rank".
 */
function wordKey(word: string): string {
  let key = wordKeys.get(word);
  if (key === undefined) {
    const w = word.normalize('NFKD').replace(MARKS, '').toLowerCase();
    const stem = w.replace(/sses$/, 'ss').replace(/i(?:es|ed)$/, 'y').replace(/(?:ing|ed)$/, '').replace(/([^s])s$/, '$1').replace(/e$/, '');
    key = DIGITS.test(w) || stem.length < 3 ? w : stem;
    if (wordKeys.size >= MAX_WORD_KEYS) wordKeys.clear();
    wordKeys.set(word, key);
  }
  return key;
}

/** A text's words: where each is and its key. */
type TextWords = { starts: Int32Array; ends: Int32Array; keys: string[] };

// Each text's words, kept by text: a server marks the words of the same retrieved chunks for
// question after question, and cutting a chunk into words and keying each was most of a
// snippet's cost. Weighed as the text's characters (it is the key) and 16 a word (two offsets
// and a key); past 32 M the memo starts over.
const textWords = boundedMemo<string, TextWords>(32_000_000, (text, w) => text.length + 16 * w.keys.length + 1);

function wordsOf(text: string): TextWords {
  return textWords(text, () => {
    const starts: number[] = [];
    const ends: number[] = [];
    const keys: string[] = [];
    for (const m of text.matchAll(WORD)) {
      starts.push(m.index);
      ends.push(m.index + m[0].length);
      keys.push(wordKey(m[0]));
    }
    return { starts: Int32Array.from(starts), ends: Int32Array.from(ends), keys };
  });
}

/** Where the query's words occur in `text`: UTF-16 [start, end) ranges, in text order. */
export function findTerms(text: string, terms: string[]): { start: number; end: number; term: string }[] {
  if (terms.length === 0) return [];
  const keys = new Map(terms.map((t) => [wordKey(t), t]));
  const out: { start: number; end: number; term: string }[] = [];
  const w = wordsOf(text);
  for (let i = 0; i < w.keys.length; i++) {
    const term = keys.get(w.keys[i]!);
    if (term !== undefined) out.push({ start: w.starts[i]!, end: w.ends[i]!, term });
  }
  return out;
}
