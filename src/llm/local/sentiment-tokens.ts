// Tokens of the offline classifier: lower-cased words, numbers and punctuation ("don't" ->
// do + n't), each with its cue from the table, phrases matched longest first.

import { CUES, lookupWord, PHRASE_LENGTH, UNKNOWN, type Cue } from './sentiment-cues.js';

export const enum Kind { Word, Number, Punct }

export type Token = {
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
export function markNames(tokens: Token[]): void {
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

export function tokenize(text: string): Token[] {
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
export function attachCues(tokens: Token[]): void {
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
