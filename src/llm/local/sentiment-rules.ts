// The rules of the offline classifier over a token list: clause weights for contrast,
// modifiers (boosters, negators, capitals, names), direction words paired with quantities,
// and numeric comparisons.

import { NEGATION_TRANSPARENT } from './sentiment-lexicon.js';
import { Kind, type Token } from './sentiment-tokens.js';
import { CAPS_FACTOR, NAME_FACTOR, NEGATION_FACTOR, NEGATION_WINDOW, PAIR_BACK, PAIR_FORWARD, PAIR_VALENCE } from './sentiment-tuning.js';

const isSentenceEnd = (t: Token) =>
  t.kind === Kind.Punct && (t.text === '.' || t.text === '!' || t.text === '?');
/** Punctuation or a clause word: negation and pairing do not reach across it. */
const isBarrier = (t: Token) =>
  (t.kind === Kind.Punct) || t.cue.breaks || t.cue.contrast || t.cue.concessive;

/**
 * Clause weights for contrast. "X but Y" — X ×0.5, Y ×1.5. "Although X, Y" and
 * "Y, despite X" — the concessive clause X ×0.5, the rest of the sentence ×1.5.
 * The reach is the sentence (and, for a sentence-initial "However,", the sentence before),
 * which also keeps the cost linear on long texts.
 */
export function clauseWeights(tokens: Token[]): Float64Array | null {
  // Most sentences have no contrast at all: no array needed.
  if (!tokens.some((t) => t.cue.contrast || t.cue.concessive)) return null;
  const w = new Float64Array(tokens.length).fill(1);
  let sentenceStart = 0;
  let previousSentenceStart = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (isSentenceEnd(t)) {
      previousSentenceStart = sentenceStart;
      sentenceStart = k + 1;
      continue;
    }
    if (t.inPhrase || !(t.cue.contrast || t.cue.concessive)) continue;
    const sentenceEnd = findSentenceEnd(tokens, k);
    if (t.cue.contrast) {
      if (!isContrastHere(tokens, k)) continue;
      const from = k === sentenceStart ? previousSentenceStart : sentenceStart;
      for (let i = from; i < k; i++) w[i] *= 0.5;
      for (let i = k + 1; i < sentenceEnd; i++) w[i] *= 1.5;
    } else {
      let end = k + 1;
      while (end < sentenceEnd && tokens[end].text !== ',' && tokens[end].text !== ';') end++;
      // The main clause is after the comma ("Although X, Y") or, when the concessive clause
      // runs to the end of the sentence, before it ("Y despite X").
      const [mainFrom, mainTo] = end < sentenceEnd ? [end, sentenceEnd] : [sentenceStart, k];
      for (let i = k; i < end; i++) w[i] *= 0.5;
      for (let i = mainFrom; i < mainTo; i++) w[i] *= 1.5;
    }
  }
  return w;
}

function findSentenceEnd(tokens: Token[], k: number): number {
  let end = k + 1;
  while (end < tokens.length && !isSentenceEnd(tokens[end])) end++;
  return end;
}

/** "yet" contrasts only at a clause start ("…, yet it works"), not in "not yet"; a
 * sentence-final "however" ("Stocks fell, however.") has nothing after it to favour. */
function isContrastHere(tokens: Token[], k: number): boolean {
  const next = tokens[k + 1];
  if (!next || isSentenceEnd(next)) return false;
  return tokens[k].text !== 'yet' || k === 0 || tokens[k - 1].kind === Kind.Punct;
}

/** Product of the modifiers acting on token i: boosters just before it (and, for a
 * direction word, -ly adverbs just after), a negator in reach, capitals. */
export function modifier(tokens: Token[], i: number, lookAhead: boolean): number {
  let m = 1;
  // Boosters: the two tokens before, the further one a little weaker.
  for (let d = 1, seen = 0; seen < 2 && i - d >= 0; d++) {
    const t = tokens[i - d];
    if (t.inPhrase) continue;
    if (isBarrier(t)) break;
    seen++;
    if (t.cue.boost) m *= seen === 1 ? t.cue.boost : 1 + (t.cue.boost - 1) * 0.8;
  }
  if (lookAhead) {
    for (let d = 1; d <= 2 && i + d < tokens.length; d++) {
      const t = tokens[i + d];
      if (isBarrier(t)) break;
      if (t.cue.boost && !t.inPhrase) { m *= t.cue.boost; break; }
    }
  }
  if (negatedAt(tokens, i)) m *= NEGATION_FACTOR;
  if (tokens[i].caps) m *= CAPS_FACTOR;
  if (tokens[i].name) m *= NAME_FACTOR;
  return m;
}

const TRANSPARENT = new Set(NEGATION_TRANSPARENT);

/** Is there a negator within NEGATION_WINDOW tokens before i, in the same clause? Copulas,
 * articles, "or" and the like do not count towards the window. */
export function negatedAt(tokens: Token[], i: number): boolean {
  for (let d = 1, seen = 0; seen < NEGATION_WINDOW && i - d >= 0; d++) {
    const t = tokens[i - d];
    if (t.inPhrase) continue;
    if (isBarrier(t)) return false;
    if (t.cue.negator) return true;
    if (TRANSPARENT.has(t.text)) continue;
    seen++;
  }
  return false;
}

/** Is the trouble at token i the object of a remedy ("solved my problem") just before? */
export function remedied(tokens: Token[], i: number): boolean {
  for (let d = 1, seen = 0; seen < 3 && i - d >= 0; d++) {
    const t = tokens[i - d];
    if (t.inPhrase) continue;
    if (isBarrier(t)) return false;
    seen++;
    if (t.cue.remedy) return true;
  }
  return false;
}

/** Nearest quantity noun to token i in its clause: the subject before ("sales fell") or
 * the object after ("cut costs", "increase in demand"); the closer wins, ties go back. */
export function nearestQuantity(tokens: Token[], i: number): number {
  let back = -1;
  // Backwards a comma does not end the search: "Operating income was $4 m, up from…".
  for (let j = i - 1; j >= 0 && i - j <= PAIR_BACK; j--) {
    if (isBarrier(tokens[j]) && tokens[j].text !== ',') break;
    if (tokens[j].cue.measure && !tokens[j].inPhrase) { back = j; break; }
  }
  let fwd = -1;
  for (let j = i + 1; j < tokens.length && j - i <= PAIR_FORWARD; j++) {
    if (isBarrier(tokens[j])) break;
    if (tokens[j].cue.measure && !tokens[j].inPhrase) { fwd = j; break; }
  }
  if (back < 0 && fwd < 0) return -1;
  const nearest = back < 0 ? fwd : fwd < 0 ? back : i - back <= fwd - i ? back : fwd;
  return signedMeasure(tokens, nearest);
}

/** A sign-less measure takes the sign of the quantity naming it: "unemployment rate"
 * moves like unemployment, while "interest rate" has no sign. */
function signedMeasure(tokens: Token[], j: number): number {
  const before = tokens[j - 1];
  return tokens[j].cue.quantity === 0 && before?.cue.quantity && !before.inPhrase ? j - 1 : j;
}

/** "4.5 %", "12 pct": a rate, not an amount. */
function isPercent(tokens: Token[], i: number): boolean {
  const next = tokens[i + 1]?.text;
  return next === '%' || next === 'pct' || next === 'percent' || next === 'per';
}

/** "in 2008": a date, not an amount. */
const isYear = (t: Token) =>
  t.kind === Kind.Number && t.text.length === 4 && t.value >= 1950 && t.value <= 2100;

/**
 * "Revenue was $5 m, compared to $7 m" and "the loss went to $2 m from $5 m": the
 * direction comes from the numbers (or from "…, compared to a loss of …"), the sign from
 * the quantity. `m` is the marker ("compared to", or "from" after "to <number>").
 * Returns the score and marks the quantities used.
 */
export function comparisonScore(tokens: Token[], m: number, used: Uint8Array): number {
  const fromTo = tokens[m].text === 'from';
  let current = -1;
  let subject = -1;
  for (let j = m - 1; j >= 0 && m - j <= 16 && !isSentenceEnd(tokens[j]); j--) {
    const t = tokens[j];
    // With "rose to X from Y" the direction word has already said it.
    if (fromTo && t.cue.dir) return 0;
    if (t.kind === Kind.Number && current < 0 && !isYear(t)) {
      current = j;
      if (fromTo && tokens[j - 1]?.text !== 'to' && tokens[j - 2]?.text !== 'to') return 0;
    }
    if (t.cue.measure && !t.inPhrase && current >= 0) { subject = signedMeasure(tokens, j); break; }
  }
  if (subject < 0) return 0;
  let previous = -1;
  let other = -1;
  const reach = fromTo ? 3 : 8;
  for (let j = m + 1; j < tokens.length && j - m <= reach && !isSentenceEnd(tokens[j]); j++) {
    const t = tokens[j];
    if (t.cue.quantity && !t.inPhrase && other < 0) other = j;
    if (t.kind === Kind.Number && !isYear(t)) { previous = j; break; }
  }
  if (fromTo && previous < 0) return 0;
  // Compare like with like: "up 3 % compared with $15 m" is not a fall from 15 to 3.
  if (previous >= 0 && isPercent(tokens, current) !== isPercent(tokens, previous)) return 0;
  const polarity = tokens[subject].cue.quantity;
  used[subject] = 1;
  if (other >= 0) used[other] = 1;
  // "a profit of X compared to a loss of Y": the sign change is the news.
  if (other >= 0 && Math.sign(tokens[other].cue.quantity) !== Math.sign(polarity)) {
    return Math.sign(polarity) * PAIR_VALENCE;
  }
  if (previous < 0) return 0;
  const delta = tokens[current].value - tokens[previous].value;
  return Math.sign(delta) * polarity * PAIR_VALENCE;
}

/** Which tokens sit in a sentence that ends with "?" (null when none does). */
export function questionMask(tokens: Token[]): Uint8Array | null {
  if (!tokens.some((t) => t.text === '?')) return null;
  const mask = new Uint8Array(tokens.length);
  let inQuestion = 0;
  for (let k = tokens.length - 1; k >= 0; k--) {
    const t = tokens[k];
    if (isSentenceEnd(t)) inQuestion = t.text === '?' ? 1 : 0;
    else mask[k] = inQuestion;
  }
  return mask;
}

/** Index of the token after the word or phrase that starts at i. */
export function nextHead(tokens: Token[], i: number): number {
  let j = i + 1;
  while (j < tokens.length && tokens[j].inPhrase) j++;
  return j;
}

/** Boosters are not sentiment on their own; "too" before a word boosts it. */
export function excessBoost(tokens: Token[]): void {
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i];
    if (t.cue.excess && !t.inPhrase && tokens[nextHead(tokens, i)]?.cue.valence) {
      // Treated as an ordinary booster of the sentiment word that follows.
      t.cue = { ...t.cue, boost: t.cue.excess, excess: 0 };
    }
  }
}
