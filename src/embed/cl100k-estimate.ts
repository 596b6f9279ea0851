import type { PieceCounter } from './embedder.js';
import { STOPWORDS } from './stopwords.js';

/**
 * A cheap estimate of a text's cl100k_base token count, meant to sit at or a little above the
 * real count: one pass over the UTF-16 code units, no vocabulary, nothing to load. It follows
 * cl100k's pre-tokenizer (letter runs, digits in threes, punctuation runs, whitespace runs) and
 * charges each piece about what BPE makes of it on average, rounded up: a short English word
 * is one token, a long or rare one a few; a digit group of up to three is one; a run of
 * punctuation about half a token a character; any other character a token or more.
 *
 * The costs were fitted on SciFact abstracts and this repository's own TypeScript, and
 * bench/featurize.ts reports the real cl100k counts of the chunks cut with it against the
 * limit (README: featurize). It stands in for cl100k where a chunk only has to stay under
 * a limit (the hashing embedder, which has no tokenizer of its own); OpenAI's chunks are still
 * counted exactly.
 */

// Letters-only word of length L (the leading space included): mean tokens per length on the
// fitting corpora with headroom; past the table, 0.3 a letter (long chemical or code names).
const WORD = [0, 1, 1, 1.05, 1.15, 1.15, 1.2, 1.25, 1.3, 1.45, 1.65, 1.85, 2.05, 2.25, 2.45, 2.85, 3.05];
// A run of ASCII punctuation of length L; past the table, 0.45 a character.
const PUNCT = [0, 1, 1.1, 1.3, 1.6, 2, 2.4];

// English function words, and code's keywords (its names are English words, and BPE has them).
const COMMON: ReadonlySet<string> = new Set([
  ...STOPWORDS,
  ...'const let var function return import export from else new this true false null undefined type string number await async class def self public private static void int'.split(' '),
]);

const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isLetter = (c: number) => isUpper(c) || isLower(c);
const isDigit = (c: number) => c >= 48 && c <= 57;
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
// What a single space before it joins in cl100k's pre-tokenizer: letters and ASCII punctuation.
const joinsSpace = (c: number) => c >= 128 || (!isDigit(c) && !isSpace(c));

// Acronyms and capitalised headings (ANOVA, INTRODUCTION) split into pieces of about two letters.
const capsCost = (k: number) => (k <= 5 ? 0.52 * k : Math.max(2.6, 0.3 * k));
const wordCost = (k: number) => (k < WORD.length ? WORD[k]! : 0.3 * k);

/** A word, or a camel-case piece: `upper` capitals, then `lower` small letters. */
function pieceCost(upper: number, lower: number): number {
  if (lower === 0) return upper === 1 ? 1 : capsCost(upper);
  return upper <= 1 ? wordCost(upper + lower) : capsCost(upper - 1) + wordCost(lower + 1);
}

/**
 * COMMON as a trie over the letters a-z (26 children per node, 0: none; node 0 the root), so
 * that a word is looked up while it is read, never cut out of the text: slicing and hashing
 * every word was most of englishShare, itself ~5% of featurize's preparing.
 */
const TRIE = buildTrie(COMMON);

function buildTrie(words: Iterable<string>): { next: Int32Array; word: Uint8Array } {
  const next: number[] = new Array<number>(26).fill(0);
  const ends = [0];
  for (const w of words) {
    if (!/^[a-z]+$/.test(w)) continue; // englishShare reads letters only: it could never meet one
    let node = 0;
    for (let i = 0; i < w.length; i++) {
      const at = node * 26 + w.charCodeAt(i) - 97;
      if (next[at] === 0) {
        next[at] = ends.length;
        ends.push(0);
        next.push(...new Array<number>(26).fill(0));
      }
      node = next[at]!;
    }
    ends[node] = 1;
  }
  return { next: Int32Array.from(next), word: Uint8Array.from(ends) };
}

/**
 * The share of a text's words that are English function words ("the", "of", "and"): about
 * 0.4 in English prose, near 0 in other languages, whose words BPE cuts into more pieces.
 * The first 8,000 characters tell. A word counts as it is, or lowercased when it starts with a
 * capital ("The"; "tHE" is not one).
 */
export function englishShare(text: string): number {
  const n = Math.min(text.length, 8_000);
  const { next, word } = TRIE;
  let words = 0;
  let common = 0;
  for (let i = 0; i < n; ) {
    const first = text.charCodeAt(i);
    if (!isLetter(first)) {
      i++;
      continue;
    }
    words++;
    const fold = first < 97 ? 32 : 0; // a capital: every letter lowercased
    let node = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (!isLetter(c)) break;
      if (node < 0) continue;
      const l = (c | fold) - 97;
      const child = l >= 0 && l < 26 ? next[node * 26 + l]! : 0;
      node = child > 0 ? child : -1;
    }
    if (node > 0 && word[node]) common++;
  }
  // Too few words to tell (a title, a query): taken as English, the usual case.
  return words < 30 ? 1 : common / words;
}

/**
 * An estimator for the pieces of `text` (a document): fractional, so that the estimates of its
 * pieces add up to the estimate of the whole (round the sum up). Letters cost more in a text
 * with few English function words.
 */
export function cl100kEstimator(text: string): PieceCounter {
  const scale = wordScale(text);
  return Object.assign((piece: string) => estimate(piece, scale, 0, piece.length), { range: (s: string, from: number, to: number) => estimate(s, scale, from, to) });
}

/** What a letter costs in `text`: more in a text with few English function words. */
function wordScale(text: string): number {
  const share = englishShare(text);
  return share >= 0.2 ? 1.12 : 1.12 + (0.2 - share) * 2.5;
}

/** A little above the cl100k_base token count of `text`, usually. */
export function estimateCl100k(text: string): number {
  // Not through cl100kEstimator: making its counter per call made a word's count 5× slower.
  return Math.ceil(estimate(text, wordScale(text), 0, text.length));
}

/** The estimate of text[from, to), exactly as of that slice, without making it. */
function estimate(text: string, wordScale: number, from: number, to: number): number {
  const n = to;
  let total = 0;
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    const start = i;
    if (isLetter(c)) {
      // By camel-case pieces ("create|Worker|Pool", "ID|Ag|NC" in base64), each an uppercase
      // run and the lowercase run after it.
      let cost = 0;
      while (i < n && isLetter(text.charCodeAt(i))) {
        let upper = 0;
        let lower = 0;
        while (i < n && isUpper(text.charCodeAt(i))) i++, upper++;
        while (i < n && isLower(text.charCodeAt(i))) i++, lower++;
        cost += pieceCost(upper, lower);
      }
      total += wordScale * cost;
    } else if (isDigit(c)) {
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      total += Math.ceil((i - start) / 3);
    } else if (c === 32) {
      // One space before a word or punctuation belongs to its token; a longer run is a token of its own.
      while (i < n && text.charCodeAt(i) === 32) i++;
      if (i - start > 1 || i === n || !joinsSpace(text.charCodeAt(i))) total += 1 + Math.floor((i - start) / 64);
    } else if (isSpace(c)) {
      // Newlines are a token, and the indentation after them another unless it is one space.
      let indent = 0;
      while (i < n && isSpace(text.charCodeAt(i))) indent = text.charCodeAt(i++) === 10 ? 0 : indent + 1;
      total += 1 + (indent > 1 ? 1 : 0) + Math.floor((i - start) / 12);
    } else if (c < 128) {
      while (i < n && text.charCodeAt(i) < 128 && !isLetter(text.charCodeAt(i)) && !isDigit(text.charCodeAt(i)) && !isSpace(text.charCodeAt(i))) i++;
      const len = i - start;
      total += len < PUNCT.length ? PUNCT[len]! : 0.45 * len;
    } else {
      // Beyond ASCII BPE has far fewer merges: accented and Greek or Cyrillic letters cost about a
      // token each, CJK up to two, and each half of an emoji's surrogate pair a token.
      i++;
      total += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 1.9;
    }
  }
  return total;
}
