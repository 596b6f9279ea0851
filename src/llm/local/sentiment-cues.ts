// The cue table: every word or phrase the offline classifier knows, with all its roles,
// built once from sentiment-lexicon.ts; inflected words fall back to their base form.

import {
  BOOSTERS,
  CLAUSE_BREAKS,
  COMPARISON_MARKERS,
  CONCESSIVE_WORDS,
  CONTRAST_WORDS,
  DIRECTION_DOWN,
  DIRECTION_UP,
  ENGLISH_FUNCTION_WORDS,
  EXCESS_WORDS,
  EXPECTATION_FILLERS,
  EXPECTATION_NOUNS,
  EXPECTATION_VERBS,
  HEDGES,
  NEGATIVE_WORDS,
  NEGATORS,
  NEUTRAL_WORDS,
  NOT_NEGATION,
  REMEDY_WORDS,
  PHRASES,
  POSITIVE_WORDS,
  QUANTITIES,
  type DirectionList,
  type WeightedList,
} from './sentiment-lexicon.js';

export type Cue = {
  valence: number;
  /** Signed strength of a direction word (+up / −down), 0 if none. */
  dir: number;
  /** Valence of a direction word with no quantity in reach. */
  unpaired: number;
  /** Quantity polarity: +1 more is good, −1 more is bad, 0 no sign (or not a quantity). */
  quantity: number;
  /** A quantity noun, possibly one without a sign ("interest rates"). */
  measure: boolean;
  /** Intensifier/dampener multiplier, 0 if not a modifier. */
  boost: number;
  /** Booster for an "excess" word ("too"), 0 if not one. */
  excess: number;
  negator: boolean;
  /** "solved", "fixed", "prevent": the trouble named right after it is not news. */
  remedy: boolean;
  contrast: boolean;
  concessive: boolean;
  compare: boolean;
  /** Ends the reach of negation and pairing (like punctuation). */
  breaks: boolean;
  /** Recognised English (function word or lexicon entry). */
  english: boolean;
  /** A function word ("the", "much"): never the thing "too" complains about. */
  func: boolean;
};

function emptyCue(): Cue {
  return {
    valence: 0, dir: 0, unpaired: 0, quantity: 0, measure: false, boost: 0, excess: 0,
    negator: false, remedy: false, contrast: false, concessive: false, compare: false,
    breaks: false, english: true, func: false,
  };
}

/** Lexicon keys use `_` between tokens; the table uses spaces. */
const keyOf = (entry: string): string => entry.replace(/_/g, ' ');

function buildCues(): { cues: Map<string, Cue>; phraseLength: Map<string, number> } {
  const cues = new Map<string, Cue>();
  const phraseLength = new Map<string, number>(); // first token -> longest phrase length
  const cue = (entry: string): Cue => {
    const key = keyOf(entry);
    let c = cues.get(key);
    if (!c) {
      c = emptyCue();
      cues.set(key, c);
      const parts = key.split(' ');
      if (parts.length > 1) {
        phraseLength.set(parts[0], Math.max(phraseLength.get(parts[0]) ?? 0, parts.length));
      }
    }
    return c;
  };
  const each = (list: string[], set: (c: Cue) => void) => list.forEach((w) => set(cue(w)));
  const weighted = (lists: WeightedList, set: (c: Cue, weight: number) => void) => {
    for (const [weight, list] of lists) each(list.trim().split(/\s+/), (c) => set(c, weight));
  };
  const directions = (lists: DirectionList, sign: 1 | -1) => {
    for (const [strength, unpaired, list] of lists) {
      each(list.trim().split(/\s+/), (c) => { c.dir = sign * strength; c.unpaired = unpaired; });
    }
  };

  each(ENGLISH_FUNCTION_WORDS, (c) => { c.func = true; });
  each(NEUTRAL_WORDS, () => {});
  weighted(POSITIVE_WORDS, (c, w) => { c.valence = w; });
  weighted(NEGATIVE_WORDS, (c, w) => { c.valence = -w; });
  weighted(HEDGES, (c, w) => { c.valence = w; });
  weighted(PHRASES, (c, w) => { c.valence = w; });
  for (const [w, verbs] of EXPECTATION_VERBS) {
    for (const verb of verbs.trim().split(/\s+/)) {
      for (const noun of EXPECTATION_NOUNS) {
        cue(`${verb}_${noun}`).valence = w;
        for (const filler of EXPECTATION_FILLERS) cue(`${verb}_${filler}_${noun}`).valence = w;
      }
    }
  }
  weighted(BOOSTERS, (c, w) => { c.boost = w; });
  weighted(EXCESS_WORDS, (c, w) => { c.excess = w; });
  weighted(QUANTITIES, (c, w) => { c.quantity = w; c.measure = true; });
  directions(DIRECTION_UP, 1);
  directions(DIRECTION_DOWN, -1);
  each(NEGATORS, (c) => { c.negator = true; });
  each(REMEDY_WORDS, (c) => { c.remedy = true; });
  each(NOT_NEGATION, () => {}); // a phrase with no role: hides the negator inside it
  each(CONTRAST_WORDS, (c) => { c.contrast = true; });
  each(CONCESSIVE_WORDS, (c) => { c.concessive = true; });
  each(CLAUSE_BREAKS, (c) => { c.breaks = true; });
  each(COMPARISON_MARKERS, (c) => { c.compare = true; });
  // A quantity phrase means what its head noun means: "operating loss" is a loss.
  for (const [key, c] of cues) {
    const head = key.slice(key.lastIndexOf(' ') + 1);
    if (c.quantity && !c.valence && head !== key) c.valence = cues.get(head)?.valence ?? 0;
  }
  return { cues, phraseLength };
}

export const { cues: CUES, phraseLength: PHRASE_LENGTH } = buildCues();
export const UNKNOWN: Cue = { ...emptyCue(), english: false };

// Inflection fallback, memoised: most tokens of a text are not in the table, and each miss
// costs a few candidate lookups, so remember the answer (bounded, cleared when full).
const inflectionMemo = new Map<string, Cue>();
const MEMO_LIMIT = 50_000;

/** Candidate base forms of an inflected word, most specific first. */
function baseForms(w: string): string[] {
  const out: string[] = [];
  const n = w.length;
  if (n > 4 && w.endsWith('ies')) out.push(w.slice(0, -3) + 'y');
  if (n > 3 && w.endsWith('es')) out.push(w.slice(0, -2));
  if (n > 3 && w.endsWith('s') && !w.endsWith('ss')) out.push(w.slice(0, -1));
  if (n > 4 && w.endsWith('ed')) {
    const stem = w.slice(0, -2);
    out.push(stem, stem + 'e');
    if (stem.at(-1) === stem.at(-2)) out.push(stem.slice(0, -1)); // stopped -> stop
    if (w.endsWith('ied')) out.push(w.slice(0, -3) + 'y');
  }
  if (n > 5 && w.endsWith('ing')) {
    const stem = w.slice(0, -3);
    out.push(stem, stem + 'e');
    if (stem.at(-1) === stem.at(-2)) out.push(stem.slice(0, -1));
  }
  if (n > 4 && (w.endsWith('er') || w.endsWith('est'))) {
    // Comparatives and superlatives: slower, safest, easier, nicer.
    const stem = w.slice(0, w.endsWith('er') ? -2 : -3);
    out.push(stem, stem + 'e');
    if (stem.endsWith('i')) out.push(stem.slice(0, -1) + 'y');
    if (stem.at(-1) === stem.at(-2)) out.push(stem.slice(0, -1)); // bigger -> big
  }
  if (n > 4 && w.endsWith('ly')) {
    if (w.endsWith('ily')) out.push(w.slice(0, -3) + 'y'); // happily -> happy
    if (w.endsWith('bly')) out.push(w.slice(0, -1) + 'e'); // terribly -> terrible
    out.push(w.slice(0, -2));
  }
  return out;
}

/** Only sentiment-bearing roles transfer to an inflection ("fails" like "fail"). */
function inflectedCue(c: Cue): Cue {
  return { ...UNKNOWN, english: true, valence: c.valence, dir: c.dir, unpaired: c.unpaired,
    quantity: c.quantity, measure: c.measure };
}

export function lookupWord(w: string): Cue {
  const exact = CUES.get(w);
  if (exact) return exact;
  const memo = inflectionMemo.get(w);
  if (memo) return memo;
  let found = UNKNOWN;
  for (const base of baseForms(w)) {
    const c = CUES.get(base);
    if (c && (c.valence !== 0 || c.dir !== 0 || c.measure)) { found = inflectedCue(c); break; }
  }
  // Hyphenated compounds ("ground-breaking", "well-known"): take the part with the
  // strongest valence, so "top-quality" and "loss-making" still register.
  if (found === UNKNOWN && w.includes('-')) {
    for (const part of w.split('-')) {
      const c = part ? lookupWord(part) : UNKNOWN;
      if (c.english && found === UNKNOWN) found = { ...UNKNOWN, english: true };
      if (Math.abs(c.valence) > Math.abs(found.valence)) found = inflectedCue(c);
    }
  }
  if (inflectionMemo.size >= MEMO_LIMIT) inflectionMemo.clear();
  inflectionMemo.set(w, found);
  return found;
}
