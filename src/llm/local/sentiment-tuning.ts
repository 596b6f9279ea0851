// Tunable constants of the offline sentiment classifier, in one place. The neutral threshold
// was chosen on data (bench/sentiment-accuracy.ts --sweep): a long sentence needs one clear
// sentiment word to leave neutral; in a short text (a review, a support message) one mild
// word ("slow", "decent") is enough, because it is a larger share of what was said.

/** |compound| below this is neutral, for texts of about 13 words or more. */
export const NEUTRAL_THRESHOLD = 0.3;
/** Shorter texts: threshold = min(NEUTRAL_THRESHOLD, SHORT_BASE + SHORT_SLOPE × words). */
export const SHORT_BASE = 0.22;
export const SHORT_SLOPE = 0.006;
/** Normalisation constant of the compound score (VADER uses 15). */
export const ALPHA = 15;
/** Valence of a direction word paired with a quantity ("profit rose"). */
export const PAIR_VALENCE = 2.0;
/** A negator flips and weakens: "not bad" is mildly good, not "good" (VADER's 0.74). */
export const NEGATION_FACTOR = -0.74;
/** A denied negative ("not bad", "nothing terrible") is worth at most this much, less the
 * stronger the word: denying disaster is faint praise ("not terrible" ≈ meh), denying a
 * nuisance is a plain good ("no problems"). */
export function deniedNegative(valence: number): number {
  const v = -valence;
  return Math.min(-NEGATION_FACTOR * v, Math.max(0.5, 2.2 - 0.5 * v));
}
/** Positive words in a question count this much. */
export const QUESTION_FACTOR = 0.4;
/** How many tokens back a negator reaches. */
export const NEGATION_WINDOW = 3;
/** How far a direction word looks for its quantity, backwards (subject) and forwards. */
export const PAIR_BACK = 8;
export const PAIR_FORWARD = 5;
/** Emphasis: "!" adds to the magnitude (up to 4 marks); capitals multiply a word. */
export const EXCLAMATION_STEP = 0.29;
export const CAPS_FACTOR = 1.3;
/** Below this share of recognised English words (in texts of more than MIN_WORDS_FOR_LANGUAGE
 * words) the text is treated as another language: neutral, low confidence. */
export const MIN_ENGLISH = 0.2;
export const MIN_WORDS_FOR_LANGUAGE = 3;
/** The most confidence a text in another language can get. */
export const FOREIGN_CONFIDENCE = 0.25;
/** A sentiment word inside a probable name ("Great Britain") keeps this share. */
export const NAME_FACTOR = 0.2;
/** Excess without a sentiment word: "too long", "way too small". */
export const EXCESS_VALENCE = -1.2;
