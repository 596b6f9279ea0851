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
// Steps 1-2 are sentiment-tokens.ts and sentiment-cues.ts, 3-5 sentiment-rules.ts and
// sentiment-score.ts, 6 this file; every tuned number is in sentiment-tuning.ts.

import { excessBoost } from './sentiment-rules.js';
import { score, type Evidence, type SentimentContribution } from './sentiment-score.js';
import { attachCues, markNames, tokenize } from './sentiment-tokens.js';
import {
  ALPHA,
  EXCLAMATION_STEP,
  FOREIGN_CONFIDENCE,
  MIN_ENGLISH,
  MIN_WORDS_FOR_LANGUAGE,
  NEUTRAL_THRESHOLD,
  SHORT_BASE,
  SHORT_SLOPE,
} from './sentiment-tuning.js';

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

/** The |compound| a text of `words` words needs to be called positive or negative. */
function neutralThreshold(words: number): number {
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

