// Sums the evidence of a tokenized text: direction and comparison rules first (so their
// quantities are not scored twice), then valence words and excess ("too long").

import { clauseWeights, comparisonScore, modifier, negatedAt, nearestQuantity, nextHead, questionMask, remedied } from './sentiment-rules.js';
import { Kind, type Token } from './sentiment-tokens.js';
import { deniedNegative, EXCESS_VALENCE, NEGATION_FACTOR, PAIR_VALENCE, QUESTION_FACTOR } from './sentiment-tuning.js';

export type Evidence = {
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

export function score(tokens: Token[], trace?: SentimentContribution[]): Evidence {
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
