import { findTerms } from './query-terms.js';

/**
 * A hit's text cut to the part that matched: plain text (whitespace collapsed, "…" where it was
 * cut) and where the query's words are in it, as [start, end) offsets in Unicode code points
 * (what Python's and jq's string indexing count; JavaScript users take `Array.from(snippet)`).
 */
export type Snippet = { snippet: string; highlights: [number, number][] };

const SIZE = 160;
// Context kept before the first marked word, and how far a cut may move to fall between words.
const LEAD = 40;
const SNAP = 20;

const codePoints = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** The window of about `size` characters that holds the most distinct query words (then the most matches, then the earliest). */
function bestWindow(text: string, matches: { start: number; end: number; term: string }[], size: number): [number, number] {
  let best: [number, number] = [0, Math.min(text.length, size)];
  let bestScore = [-1, -1];
  for (const anchor of [0, ...matches.map((m) => Math.max(0, m.start - LEAD))]) {
    const from = Math.min(anchor, Math.max(0, text.length - size));
    const inside = matches.filter((m) => m.start >= from && m.end <= from + size);
    const score = [new Set(inside.map((m) => m.term)).size, inside.length];
    if (score[0]! > bestScore[0]! || (score[0] === bestScore[0] && score[1]! > bestScore[1]!)) {
      bestScore = score;
      best = [from, Math.min(text.length, from + size)];
    }
  }
  return best;
}

/** Moves the window's ends to the nearest spaces (the start back, the end forward), within SNAP characters. */
function snapToWords(text: string, [from, to]: [number, number]): [number, number] {
  if (from > 0) {
    const space = text.lastIndexOf(' ', from);
    if (space >= 0 && from - space <= SNAP) from = space + 1;
  }
  if (to < text.length) {
    const space = text.indexOf(' ', to);
    to = space >= 0 && space - to <= SNAP ? space : to;
  }
  return [from, to];
}

export function snippetOf(text: string, terms: string[], size = SIZE): Snippet {
  const flat = text.replace(/\s+/g, ' ').trim();
  const matches = findTerms(flat, terms);
  const [from, to] = snapToWords(flat, bestWindow(flat, matches, size));
  const prefix = from > 0 ? '…' : '';
  const snippet = `${prefix}${flat.slice(from, to)}${to < flat.length ? '…' : ''}`;
  const highlights = matches
    .filter((m) => m.start >= from && m.end <= to)
    .map((m): [number, number] => {
      const start = codePoints(prefix + flat.slice(from, m.start));
      return [start, start + codePoints(flat.slice(m.start, m.end))];
    });
  return { snippet, highlights };
}
