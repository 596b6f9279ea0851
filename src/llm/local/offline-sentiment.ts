// Offline sentence sentiment: a lexicon-and-rules classifier used by `llmops analyse` when
// no API key is configured. No network, no model file, no dependencies.
//
// How a sentence is scored:
//   1. Tokenize (lower-cased words, numbers, punctuation; "don't" -> do + n't).
//   2. Look every token up in one cue table built from sentiment-lexicon.ts, matching
//      phrases first ("beat expectations", "laid off"), then words, then inflections.
//   3. Weigh clauses: after "but"/"however" ×1.5, before ×0.5; an "although"/"despite"
//      clause ×0.5 and the main clause ×1.5.
//   4. Direction rules: "rose", "fell", "narrowed"… take their sign from the nearest
//      quantity noun: costs fell (+), revenue fell (−), operating loss narrowed (+). A
//      numeric comparison ("EUR 5 mn, compared to EUR 7 mn") is scored the same way.
//   5. Valence words, each scaled by nearby intensifiers/dampeners, flipped by a negator
//      within three tokens (copulas, articles and "or" do not count: "isn't very funny or
//      clever"), emphasised when in capitals. A denied negative is faint praise ("not
//      terrible"), not praise; hedges ("okay", "fine", "nothing special") weigh little, so
//      a middling verdict stays neutral.
//   6. Sum, add "!" emphasis, squash to a compound score in (−1, 1); below a threshold
//      tuned on data the sentence is neutral.

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
  NEGATION_TRANSPARENT,
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

export type SentimentLabel = 'positive' | 'neutral' | 'negative';
export type OfflineSentiment = {
  label: SentimentLabel;
  /** 0..1; higher when the evidence is stronger, one-sided and in recognisable English. */
  confidence: number;
  /** Compound score, −1 (very negative) .. +1 (very positive). */
  score: number;
};

/** The model name recorded with each result. Bump when scores change materially. */
export const OFFLINE_SENTIMENT_MODEL = 'llmops-lexicon-v2';
/**
 * Earlier names of the same classifier, still accepted in a profile. They run the current
 * rules and results are recorded under the current name, so a cache keyed by model never
 * serves an answer of the older rules (v2: hedges, faint praise and review vocabulary).
 */
export const OFFLINE_SENTIMENT_ALIASES: Record<string, string> = { 'llmops-lexicon-v1': OFFLINE_SENTIMENT_MODEL };

// ---------------------------------------------------------------------------------------
// Tunable constants. The neutral threshold was chosen on data (bench/sentiment-accuracy.ts
// --sweep): a long sentence needs one clear sentiment word to leave neutral; in a short
// text (a review, a support message) one mild word ("slow", "decent") is enough, because
// it is a larger share of what was said.
// ---------------------------------------------------------------------------------------

/** |compound| below this is neutral, for texts of about 13 words or more. */
export const NEUTRAL_THRESHOLD = 0.3;
/** Shorter texts: threshold = min(NEUTRAL_THRESHOLD, SHORT_BASE + SHORT_SLOPE × words). */
const SHORT_BASE = 0.22;
const SHORT_SLOPE = 0.006;
/** Normalisation constant of the compound score (VADER uses 15). */
const ALPHA = 15;
/** Valence of a direction word paired with a quantity ("profit rose"). */
const PAIR_VALENCE = 2.0;
/** A negator flips and weakens: "not bad" is mildly good, not "good" (VADER's 0.74). */
const NEGATION_FACTOR = -0.74;
/** A denied negative ("not bad", "nothing terrible") is worth at most this much, less the
 * stronger the word: denying disaster is faint praise ("not terrible" ≈ meh), denying a
 * nuisance is a plain good ("no problems"). */
function deniedNegative(valence: number): number {
  const v = -valence;
  return Math.min(-NEGATION_FACTOR * v, Math.max(0.5, 2.2 - 0.5 * v));
}
/** Positive words in a question count this much. */
const QUESTION_FACTOR = 0.4;
/** How many tokens back a negator reaches. */
const NEGATION_WINDOW = 3;
/** How far a direction word looks for its quantity, backwards (subject) and forwards. */
const PAIR_BACK = 8;
const PAIR_FORWARD = 5;
/** Emphasis: "!" adds to the magnitude (up to 4 marks); capitals multiply a word. */
const EXCLAMATION_STEP = 0.29;
const CAPS_FACTOR = 1.3;
/** Below this share of recognised English words (in texts of more than MIN_WORDS_FOR_LANGUAGE
 * words) the text is treated as another language: neutral, low confidence. */
const MIN_ENGLISH = 0.2;
const MIN_WORDS_FOR_LANGUAGE = 3;
/** The most confidence a text in another language can get. */
const FOREIGN_CONFIDENCE = 0.25;
/** A sentiment word inside a probable name ("Great Britain") keeps this share. */
const NAME_FACTOR = 0.2;
/** Excess without a sentiment word: "too long", "way too small". */
const EXCESS_VALENCE = -1.2;

// ---------------------------------------------------------------------------------------
// Cue table: every word or phrase the classifier knows, with all its roles.
// ---------------------------------------------------------------------------------------

type Cue = {
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

const { cues: CUES, phraseLength: PHRASE_LENGTH } = buildCues();
const UNKNOWN: Cue = { ...emptyCue(), english: false };

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

function lookupWord(w: string): Cue {
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

// ---------------------------------------------------------------------------------------
// Tokenizer.
// ---------------------------------------------------------------------------------------

const enum Kind { Word, Number, Punct }

type Token = {
  text: string; // lower case
  kind: Kind;
  caps: boolean; // written in capitals ("GREAT")
  title: boolean; // written with an initial capital ("Great")
  /** Probably part of a name ("Great Britain", "Steel Works"): its sentiment barely counts. */
  name: boolean;
  cue: Cue;
  /** Part of a phrase started at an earlier token: its meaning is on the phrase head. */
  inPhrase: boolean;
  value: number; // numeric value of a number token
};

// Numbers (1,234.5 and -0.4, but not the "-2012" of "2009-2012"), words (with inner
// apostrophes and hyphens), and the punctuation that matters for clauses and emphasis.
// "%" is kept as a word-like unit token so that "rose 5 %" stays one clause.
const TOKEN_RE = /((?<![\p{L}\p{N}])-?\d+(?:[.,]\d+)*)|([\p{L}]+(?:['’\-][\p{L}]+)*)|([!?.,;:%])/gu;

function pushWord(tokens: Token[], raw: string): void {
  let lower = raw.toLowerCase();
  if (lower.includes('’')) lower = lower.replace(/’/g, "'");
  const caps = raw.length > 1 && raw === raw.toUpperCase() && raw !== lower;
  const title = !caps && raw[0] !== lower[0];
  if (lower.endsWith("n't")) {
    // "don't" -> "do" + "n't"; "can't" -> "ca" + "n't" (matches pre-split text like "do n't").
    const base = lower.slice(0, -3);
    if (base) tokens.push(newToken(base, Kind.Word, caps, title));
    tokens.push(newToken("n't", Kind.Word, caps, false));
    return;
  }
  const apostrophe = lower.indexOf("'");
  if (apostrophe > 0) lower = lower.slice(0, apostrophe); // "company's" -> "company"
  tokens.push(newToken(lower, Kind.Word, caps, title));
}

function newToken(text: string, kind: Kind, caps: boolean, title: boolean, value = 0): Token {
  return { text, kind, caps, title, name: false, cue: UNKNOWN, inPhrase: false, value };
}

/**
 * Mark probable names: a capitalised word that does not start a sentence and has a
 * capitalised neighbour ("Great Britain", "Sheffield Steel Works", "Best Buy"). Skipped for
 * Title Case Headlines, where every word is capitalised.
 */
function markNames(tokens: Token[]): void {
  let words = 0, titled = 0;
  for (const t of tokens) if (t.kind === Kind.Word) { words++; if (t.title) titled++; }
  if (words >= 4 && titled / words > 0.6) return;
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i];
    // Capitals next to a capitalised word are a name too ("BEST Logistics"); capitals next
    // to capitals are emphasis ("SO GOOD").
    if (!(t.title || t.caps) || tokens[i - 1].kind === Kind.Punct) continue;
    const prev = tokens[i - 1], next = tokens[i + 1];
    if ((prev.title || next?.title) || (t.title && (prev.caps || next?.caps))) t.name = true;
  }
}

function tokenize(text: string): Token[] {
  // "EUR3 .1 m" is how some financial news feeds split decimals; rejoin them.
  const normalised = text.includes(' .') ? text.replace(/(\d) \.(\d)/g, '$1.$2') : text;
  const tokens: Token[] = [];
  for (const m of normalised.matchAll(TOKEN_RE)) {
    if (m[1] !== undefined) {
      tokens.push(newToken(m[1], Kind.Number, false, false, Number(m[1].replace(/,/g, ''))));
    } else if (m[2] !== undefined) {
      pushWord(tokens, m[2]);
    } else if (m[3] === '%') {
      tokens.push(newToken('%', Kind.Word, false, false)); // a unit, not a clause boundary
    } else {
      tokens.push(newToken(m[3], Kind.Punct, false, false));
    }
  }
  return tokens;
}

/** Attach cues, longest phrase first; later tokens of a phrase are marked `inPhrase`. */
function attachCues(tokens: Token[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === Kind.Punct || t.inPhrase) continue;
    const maxLen = Math.min(PHRASE_LENGTH.get(t.text) ?? 0, tokens.length - i);
    for (let len = maxLen; len >= 2; len--) {
      let key = t.text;
      for (let k = 1; k < len; k++) key += ' ' + tokens[i + k].text;
      const c = CUES.get(key);
      if (c) {
        t.cue = c;
        for (let k = 1; k < len; k++) tokens[i + k].inPhrase = true;
        break;
      }
    }
    if (t.cue === UNKNOWN && t.kind === Kind.Word) t.cue = lookupWord(t.text);
  }
}

// ---------------------------------------------------------------------------------------
// Rules.
// ---------------------------------------------------------------------------------------

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
function clauseWeights(tokens: Token[]): Float64Array | null {
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
function modifier(tokens: Token[], i: number, lookAhead: boolean): number {
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
function negatedAt(tokens: Token[], i: number): boolean {
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
function remedied(tokens: Token[], i: number): boolean {
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
function nearestQuantity(tokens: Token[], i: number): number {
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
function comparisonScore(tokens: Token[], m: number, used: Uint8Array): number {
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

// ---------------------------------------------------------------------------------------
// Classifier.
// ---------------------------------------------------------------------------------------

type Evidence = {
  raw: number; positive: number; negative: number; count: number; words: number;
  exclamations: number;
  /** Share of words that are recognised English (function words or lexicon entries). */
  english: number;
  /** Share of words that are English function words ("the", "is", "and"). */
  func: number;
};

/** One scored piece of evidence, for explainSentiment(). */
export type SentimentContribution = { text: string; rule: string; value: number };

/** Sums the evidence; records each piece in `trace` when one is given. */
class Tally {
  raw = 0;
  positive = 0;
  negative = 0;
  count = 0;
  constructor(private readonly tokens: Token[], private readonly trace?: SentimentContribution[]) {}

  add(value: number, at: number, rule: string, to = at): void {
    if (!value) return;
    this.count++;
    this.raw += value;
    if (value > 0) this.positive += value; else this.negative -= value;
    if (this.trace) {
      const [a, b] = at <= to ? [at, Math.max(to, nextHead(this.tokens, at) - 1)] : [to, at];
      const text = this.tokens.slice(a, b + 1).map((t) => t.text).join(' ');
      this.trace.push({ text, rule, value: Math.round(value * 1000) / 1000 });
    }
  }
}

function score(tokens: Token[], trace?: SentimentContribution[]): Evidence {
  const clauses = clauseWeights(tokens);
  const weights = (i: number) => (clauses ? clauses[i] : 1);
  const used = new Uint8Array(tokens.length); // quantities consumed by a direction rule
  const asked = questionMask(tokens);
  const tally = new Tally(tokens, trace);

  // Direction and comparison rules first, so their quantities are not scored again.
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.inPhrase) continue;
    if (t.cue.dir) {
      const q = nearestQuantity(tokens, i);
      if (q >= 0) {
        used[q] = 1;
        const v = t.cue.dir * tokens[q].cue.quantity * PAIR_VALENCE;
        tally.add(v * modifier(tokens, i, true) * weights(i), i, 'direction', q);
      } else {
        // A judging word that is also a direction ("slashed") keeps its own valence.
        const v = t.cue.valence || t.cue.unpaired;
        tally.add(v * modifier(tokens, i, true) * weights(i), i, 'direction (no quantity)');
      }
    } else if (t.cue.compare || t.text === 'from') {
      tally.add(comparisonScore(tokens, i, used) * weights(i), i, 'comparison');
    }
  }

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.inPhrase || t.cue.dir || used[i]) continue;
    if (t.cue.valence) {
      if (t.cue.valence < 0 && remedied(tokens, i)) continue;
      const m = modifier(tokens, i, false);
      // Litotes: "not terrible" is faint praise, not praise; "no problems" is plainly good.
      const v = t.cue.valence < 0 && m < 0 ? deniedNegative(t.cue.valence) * (m / NEGATION_FACTOR) : t.cue.valence * m;
      // Praise inside a question is seldom praise ("Who needs love like this?").
      const q = asked && asked[i] && v > 0 ? QUESTION_FACTOR : 1;
      tally.add(v * q * weights(i), i, m < 0 && t.cue.valence < 0 ? 'denied negative' : 'word');
    } else if (t.cue.excess) {
      // "too long": excess with no sentiment word after it is a complaint.
      const j = nextHead(tokens, i);
      const next = tokens[j];
      if (next && next.kind === Kind.Word && !next.cue.func && !next.title) {
        const v = EXCESS_VALENCE * t.cue.excess * (negatedAt(tokens, i) ? NEGATION_FACTOR : 1);
        tally.add(v * weights(i), i, 'excess', j);
      }
    }
  }

  let words = 0, known = 0, func = 0, exclamations = 0;
  for (const t of tokens) {
    if (t.text === '!') exclamations++;
    if (t.kind !== Kind.Word || t.text === '%') continue;
    words++;
    if (t.cue.english || t.inPhrase) known++;
    if (t.cue.func) func++;
  }
  return { raw: tally.raw, positive: tally.positive, negative: tally.negative,
    count: tally.count, english: words ? known / words : 0, func: words ? func / words : 0, words,
    exclamations };
}

/** Which tokens sit in a sentence that ends with "?" (null when none does). */
function questionMask(tokens: Token[]): Uint8Array | null {
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
function nextHead(tokens: Token[], i: number): number {
  let j = i + 1;
  while (j < tokens.length && tokens[j].inPhrase) j++;
  return j;
}

/** Boosters are not sentiment on their own; "too" before a word boosts it. */
function excessBoost(tokens: Token[]): void {
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i];
    if (t.cue.excess && !t.inPhrase && tokens[nextHead(tokens, i)]?.cue.valence) {
      // Treated as an ordinary booster of the sentiment word that follows.
      t.cue = { ...t.cue, boost: t.cue.excess, excess: 0 };
    }
  }
}

/** The |compound| a text of `words` words needs to be called positive or negative. */
export function neutralThreshold(words: number): number {
  return Math.min(NEUTRAL_THRESHOLD, SHORT_BASE + SHORT_SLOPE * words);
}

/** Another language: few recognised words, or no English function words and only a few
 * lexicon hits (German "Das Essen war gut" matches "war", but has no "the"/"is"/"and").
 * Terse English reviews ("Great product, fast shipping") have many lexicon hits instead. */
function isForeign(e: Evidence): boolean {
  if (e.words <= MIN_WORDS_FOR_LANGUAGE) return false;
  return e.english < MIN_ENGLISH || (e.func < 0.1 && e.english < 0.35);
}

function compound(raw: number, exclamations: number): number {
  let x = raw;
  if (x !== 0) x += Math.sign(x) * Math.min(exclamations, 4) * EXCLAMATION_STEP;
  return x / Math.sqrt(x * x + ALPHA);
}

/**
 * Confidence in [0, 1], shaped on the bench data so that it tracks accuracy:
 * - neutral with no evidence at all is the surest neutral; neutral because the evidence
 *   was weak or cancelled out is barely better than a guess;
 * - a polar label grows surer with its margin over the threshold, less so when the text
 *   had evidence both ways;
 * - everything is scaled down when little of the text is recognisable English (another
 *   language, emoji, an empty string), where finding no evidence means little.
 */
function confidenceOf(label: SentimentLabel, c: number, threshold: number, e: Evidence): number {
  // Full weight from 20% recognised words up: news full of names is still English.
  const englishness = Math.min(1, Math.max(0, (e.english - 0.05) / 0.15));
  if (isForeign(e)) return FOREIGN_CONFIDENCE * englishness;
  let base: number;
  if (label === 'neutral') {
    base = e.count === 0 ? 0.8 : 0.6 - 0.1 * (Math.abs(c) / threshold);
  } else {
    const margin = Math.min(1, (Math.abs(c) / threshold - 1) / 2); // 0 at the threshold, 1 at 3×
    const mixed = e.positive > 0 && e.negative > 0;
    base = (0.55 + 0.3 * margin) * (mixed ? 0.85 : 1);
  }
  return Math.min(1, Math.max(0, base * englishness));
}

function analyse(text: string, trace?: SentimentContribution[]): OfflineSentiment {
  const tokens = tokenize(typeof text === 'string' ? text : '');
  if (tokens.length === 0) return { label: 'neutral', confidence: 0, score: 0 };
  attachCues(tokens);
  markNames(tokens);
  excessBoost(tokens);
  const evidence = score(tokens, trace);
  // Mostly unrecognised words (another language): a stray match — German "war" — is noise.
  const c = isForeign(evidence) ? 0 : compound(evidence.raw, evidence.exclamations);
  const threshold = neutralThreshold(evidence.words);
  const label: SentimentLabel =
    c >= threshold ? 'positive' : c <= -threshold ? 'negative' : 'neutral';
  return { label, confidence: confidenceOf(label, c, threshold, evidence), score: c };
}

export function classifySentiment(text: string): OfflineSentiment {
  return analyse(text);
}

/** The classification plus the evidence behind it (for debugging and --explain output). */
export function explainSentiment(
  text: string,
): OfflineSentiment & { evidence: SentimentContribution[] } {
  const evidence: SentimentContribution[] = [];
  return { ...analyse(text, evidence), evidence };
}
