// Rule-based sentence segmentation with UTF-16 offsets.
//
// One left-to-right pass over char codes, driven by a 64 KiB flag table; work only happens at
// candidate boundaries (terminators and line breaks), where small bounded look-arounds decide.
// Every look-around either has a fixed cap or walks characters that the next decision never walks
// again, so the whole thing stays linear on any input.

import {
  ABBREVIATIONS,
  AbbrevKind,
  CAP_ONLY,
  MAX_ABBREVIATION_LENGTH,
  MONTH_NAMES,
  ORDINAL_DOT_LANGUAGES,
  SENTENCE_STARTERS,
} from './abbreviations.js';

export type SentenceSpan = { index: number; text: string; start: number; end: number };

/** Bump whenever the output for some input changes: stored splits are keyed by it. */
export const SPLITTER_VERSION = 1;

export type SplitOptions = {
  /** BCP 47 tag of the text's language, if known. Enables e.g. German ordinals ("3. Oktober"). */
  locale?: string;
};

export function splitSentences(content: string, opts?: SplitOptions): SentenceSpan[] {
  if (content.length === 0) return [];
  return new Scanner(content, usesOrdinalDots(opts?.locale)).run();
}

// ---------------------------------------------------------------------------------------------
// Character classes

const WS = 1; // exactly JavaScript's \s, so "trimmed" means what callers expect
const TERM = 2; // . ! ? … and friends: end a sentence only when whitespace follows
const STRONG = 4; // 。！？ । ۔ …: end a sentence even with no space after (CJK, Indic)
const NEWLINE = 8;
const PARA = 16; // U+2029 PARAGRAPH SEPARATOR: always a boundary
const CLOSER = 32; // quotes/brackets that stay with the sentence they close
const OPENER = 64; // quotes/brackets/markup that may precede a word

const FLAGS = buildFlags();

function buildFlags(): Uint8Array {
  const t = new Uint8Array(0x10000);
  const mark = (flag: number, chars: string) => {
    for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] |= flag;
  };
  mark(WS, '\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff');
  for (let c = 0x2000; c <= 0x200a; c++) t[c] |= WS;
  mark(TERM, '.!?\u2026\u203c\u2047\u2048\u2049\u203d\u061f');
  mark(STRONG, '\u3002\uff01\uff1f\uff61\ufe12\u0964\u0965\u06d4\u0589\u1362\u1367\u104b');
  mark(NEWLINE, '\n\r\u2028');
  mark(PARA, '\u2029');
  mark(CLOSER, '"\'\u201d\u2019\u201c\u2018\u00bb\u00ab\u203a)]}*_');
  mark(CLOSER, '\u300d\u300f\uff09\uff3d\uff5d\u3011\u3015\u3009\u300b\u3017\u3019\u301b\uff63\uff02\uff07\u301e\u301f');
  mark(OPENER, '"\'\u201c\u2018\u201e\u201a\u00ab\u00bb\u2039\u203a([{\u00bf\u00a1*_');
  mark(OPENER, '\u300c\u300e\uff08\uff3b\uff5b\u3010\u3014\u3008\u300a\u3016\u3018\u301a\uff62\u301d');
  return t;
}

const isWs = (c: number) => (FLAGS[c] & WS) !== 0;
const isHSpace = (c: number) => (FLAGS[c] & (WS | NEWLINE | PARA)) === WS;
const isLineBreak = (c: number) => (FLAGS[c] & (NEWLINE | PARA)) !== 0;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isAsciiLower = (c: number) => c >= 0x61 && c <= 0x7a;
const isAsciiUpper = (c: number) => c >= 0x41 && c <= 0x5a;
const isAsciiAlnum = (c: number) => isDigit(c) || isAsciiLower(c) || isAsciiUpper(c);
/** Han, kana and Hangul: a Latin terminator directly followed by these still ends a sentence. */
const isCjk = (c: number) =>
  (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af);

// What the next word starts with. Sticky regexes test one position without slicing.
const EOS = 0;
const UPPER = 1;
const LOWER = 2;
const DIGIT = 3;
const CASELESS = 4; // a letter of a script without case (Han, Arabic, Devanagari, ...)
const OTHER = 5;
type StartClass = typeof EOS | typeof UPPER | typeof LOWER | typeof DIGIT | typeof CASELESS | typeof OTHER;

const UPPER_AT = /[\p{Lu}\p{Lt}]/uy;
const LOWER_AT = /\p{Ll}/uy;
const LETTER_AT = /\p{L}/uy;
const DIGIT_AT = /\p{Nd}/uy;
const WORD_AT = /\p{L}{1,16}(?!\p{L})/uy;

function testAt(re: RegExp, s: string, i: number): boolean {
  re.lastIndex = i;
  return re.test(s);
}

function classAt(s: string, i: number): StartClass {
  if (i >= s.length) return EOS;
  const c = s.charCodeAt(i);
  if (c < 0x80) {
    if (isAsciiUpper(c)) return UPPER;
    if (isAsciiLower(c)) return LOWER;
    return isDigit(c) ? DIGIT : OTHER;
  }
  if (testAt(UPPER_AT, s, i)) return UPPER;
  if (testAt(LOWER_AT, s, i)) return LOWER;
  if (testAt(LETTER_AT, s, i)) return CASELESS;
  return testAt(DIGIT_AT, s, i) ? DIGIT : OTHER;
}

function startsWord(s: string, i: number): boolean {
  const c = classAt(s, i);
  return c !== OTHER && c !== EOS;
}

// Token shapes examined before a period.
const ACRONYM = /^(?:\p{L}{1,2}\.)+\p{L}{1,2}$/u; // U.S, Ph.D, a.m, EE.UU
const SINGLE_LETTER = /^\p{L}$/u; // initials: "J. R. R. Tolkien"
const ENUMERATOR = /^(?:\d{1,3}|[a-z]|x{0,3}(?:ix|iv|v?i{0,3})|X{0,3}(?:IX|IV|V?I{0,3}))$/; // "2." "b." "iv."
const SMALL_NUMBER = /^\d{1,3}$/;

/** Tokens longer than this before a period are ordinary words (or URLs): no lookup needed. */
const MAX_TOKEN = Math.max(16, MAX_ABBREVIATION_LENGTH);
/** Caps on bounded look-arounds. */
const MAX_OPENERS = 8;
const MAX_WORD = 64;

function usesOrdinalDots(locale: string | undefined): boolean {
  if (!locale) return false;
  return ORDINAL_DOT_LANGUAGES.has(locale.toLowerCase().split(/[-_]/)[0] ?? '');
}

// ---------------------------------------------------------------------------------------------
// Scanner

/** Shape of a physical line, judged from its first non-blank characters. */
const LineKind = { Blank: 0, Prose: 1, List: 2, Block: 3, Fence: 4 } as const;
type LineKind = (typeof LineKind)[keyof typeof LineKind];

class Scanner {
  private readonly out: SentenceSpan[] = [];
  private readonly n: number;
  /** Start of the pending (not yet emitted) segment; may point at whitespace. */
  private segStart = 0;
  private segFirstFor = -1;
  private segFirstPos = 0;
  // The physical line being scanned.
  private lineStart = 0;
  private lineIsList = false;
  private lineIsBlock = false;
  private inFence = false;
  // Cached widest line of the current block (run of non-blank lines), for the hard-wrap test.
  private widthFrom = -1;
  private widthEnd = -1;
  private width = 0;

  private readonly s: string;
  private readonly ordinalDots: boolean;

  constructor(s: string, ordinalDots: boolean) {
    this.s = s;
    this.n = s.length;
    this.ordinalDots = ordinalDots;
  }

  run(): SentenceSpan[] {
    const s = this.s;
    const n = this.n;
    this.enterLine(0, 0);
    let i = 0;
    while (i < n) {
      const f = FLAGS[s.charCodeAt(i)];
      if ((f & (TERM | STRONG | NEWLINE | PARA)) === 0) i++;
      else if ((f & (NEWLINE | PARA)) !== 0) i = this.onLineBreak(i, f);
      else i = this.onTerminator(i);
    }
    this.emit(this.segStart, n);
    return this.out;
  }

  private emit(start: number, end: number): void {
    const s = this.s;
    while (start < end && isWs(s.charCodeAt(start))) start++;
    while (end > start && isWs(s.charCodeAt(end - 1))) end--;
    if (start < end) this.out.push({ index: this.out.length, text: s.slice(start, end), start, end });
  }

  private cut(at: number, next: number): void {
    this.emit(this.segStart, at);
    this.segStart = next;
  }

  /** First non-whitespace position of the pending segment (cached per segment). */
  private segFirst(): number {
    if (this.segFirstFor !== this.segStart) {
      let p = this.segStart;
      while (p < this.n && isWs(this.s.charCodeAt(p))) p++;
      this.segFirstFor = this.segStart;
      this.segFirstPos = p;
    }
    return this.segFirstPos;
  }

  // ---- terminators -------------------------------------------------------------------------

  /** Handles a run of terminators and closers starting at i; returns where scanning resumes. */
  private onTerminator(i: number): number {
    const s = this.s;
    const n = this.n;
    let strong = false;
    let questionOrBang = false;
    let dots = 0;
    let ellipsis = false;
    let closers = false;
    let j = i;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      const f = FLAGS[c];
      if (f & STRONG) strong = true;
      else if (f & TERM) {
        if (c === 0x2e) dots++;
        else if (c === 0x2026) ellipsis = true;
        else questionOrBang = true;
      } else if (f & CLOSER) closers = true;
      else break;
    }
    // French spacing puts a (narrow) space before the closing guillemet: « Arrête. » Puis...
    // (» directly followed by a word is a German-style opening quote instead.)
    if (j + 1 < n && isHSpace(s.charCodeAt(j)) && s.charCodeAt(j + 1) === 0xbb && !startsWord(s, j + 2)) {
      j += 2;
      closers = true;
    }
    const ends = strong
      ? this.strongRunEnds(j, closers)
      : this.latinRunEnds(i, j, questionOrBang, dots > 1 || ellipsis, closers);
    if (ends) this.cut(j, j);
    return j;
  }

  /** 。！？ etc. end a sentence without a following space, except 「…？」と言った (quote + と/って). */
  private strongRunEnds(j: number, closers: boolean): boolean {
    if (!closers || j >= this.n) return true;
    const c = this.s.charCodeAt(j);
    return !(c === 0x3068 || (c === 0x3063 && this.s.charCodeAt(j + 1) === 0x3066));
  }

  private latinRunEnds(i: number, j: number, questionOrBang: boolean, ellipsis: boolean, closers: boolean): boolean {
    const s = this.s;
    // "3.5", "example.com", "U.S.A": no whitespace after, not a boundary.
    if (j < this.n) {
      const c = s.charCodeAt(j);
      if (!isWs(c) && !isCjk(c)) return false;
    }
    const k = this.nextWordStart(j);
    const next = classAt(s, k);
    if (next === EOS) return true;
    // "Really?" she asked. / "I'm fine." he said.
    if (closers && next === LOWER) return false;
    if (questionOrBang) return true;
    if (ellipsis) return this.ellipsisEnds(i, next);
    if (closers) return true;
    // Inside a spaced ellipsis ". . ."
    if (s.charCodeAt(j) === 0x20 && s.charCodeAt(j + 1) === 0x2e) return false;
    return this.periodEnds(i, k, next);
  }

  /** "I waited... Then" ends; "I was thinking... maybe" and "[...]" do not. */
  private ellipsisEnds(i: number, next: StartClass): boolean {
    const before = i > 0 ? this.s.charCodeAt(i - 1) : 0;
    if (before === 0x28 || before === 0x5b) return false;
    return next === UPPER || next === CASELESS;
  }

  /** A single '.' followed by whitespace at i; the next word starts at k. */
  private periodEnds(i: number, k: number, next: StartClass): boolean {
    const s = this.s;
    // The token before the period: back to whitespace, then past any opening quotes/brackets.
    let t = i;
    const floor = Math.max(this.segStart, i - MAX_TOKEN - MAX_OPENERS);
    while (t > floor && !isWs(s.charCodeAt(t - 1))) t--;
    if (t === floor && t > 0 && !isWs(s.charCodeAt(t - 1)) && t !== this.segStart) return true; // long word or URL
    while (t < i && FLAGS[s.charCodeAt(t)] & OPENER) t++;
    if (t === i) {
      // A period after whitespace: the end of " . . ." behaves like an ellipsis, else stray.
      return i >= 2 && s.charCodeAt(i - 2) === 0x2e ? next === UPPER || next === CASELESS : true;
    }
    const length = i - t;
    if (length > MAX_TOKEN) return true;
    const token = s.slice(t, i);

    if (length <= MAX_ABBREVIATION_LENGTH) {
      const entry = ABBREVIATIONS.get(token.toLowerCase());
      if (entry !== undefined && ((entry & CAP_ONLY) === 0 || classAt(s, t) === UPPER)) {
        switch (entry & ~CAP_ONLY) {
          case AbbrevKind.Never:
            return false;
          case AbbrevKind.NumberPrefix:
            return next !== DIGIT;
          case AbbrevKind.Etc:
            return next === UPPER;
          default:
            return this.isStarterAt(k);
        }
      }
    }
    // "1. Install", "b. Second option", "iv. Results" at the start of a sentence: list labels.
    if (length <= 5 && t === this.segFirst() && ENUMERATOR.test(token)) return false;
    // Initials ("J. R. R. Tolkien") and dotted acronyms ("U.S.", "Ph.D.") rarely end sentences.
    if ((length <= 2 && SINGLE_LETTER.test(token)) || (token.includes('.') && ACRONYM.test(token))) {
      return this.isStarterAt(k);
    }
    if (length <= 3 && isDigit(s.charCodeAt(t)) && SMALL_NUMBER.test(token)) {
      if (this.isMonthAt(k)) return false; // "am 3. Oktober", "the 3. May"
      if (this.ordinalDots) return this.isStarterAt(k); // "im 19. Jahrhundert"
    }
    return true;
  }

  /** Skips whitespace then a few opening quotes/brackets. */
  private nextWordStart(j: number): number {
    const s = this.s;
    const n = this.n;
    while (j < n && isWs(s.charCodeAt(j))) j++;
    for (let m = 0; m < MAX_OPENERS && j < n && FLAGS[s.charCodeAt(j)] & OPENER; m++) j++;
    return j;
  }

  private wordAt(k: number): string | undefined {
    WORD_AT.lastIndex = k;
    const m = WORD_AT.exec(this.s);
    return m === null ? undefined : m[0];
  }

  /** Whether a typical sentence opener ("The", "It", "Er", ...) starts at k; "A." is an initial. */
  private isStarterAt(k: number): boolean {
    const word = this.wordAt(k);
    if (word === undefined || this.s.charCodeAt(k + word.length) === 0x2e) return false;
    return SENTENCE_STARTERS.has(word);
  }

  private isMonthAt(k: number): boolean {
    const word = this.wordAt(k);
    return word !== undefined && MONTH_NAMES.has(word);
  }

  // ---- line breaks -------------------------------------------------------------------------

  /** Handles the line break at i; returns the start of the next line. */
  private onLineBreak(i: number, flags: number): number {
    const s = this.s;
    const n = this.n;
    let next = i + 1;
    if (s.charCodeAt(i) === 0x0d && s.charCodeAt(next) === 0x0a) next++;
    let q = next; // first non-blank character of the next line
    while (q < n && isHSpace(s.charCodeAt(q))) q++;
    const blank = q >= n || isLineBreak(s.charCodeAt(q));

    const contentEnd = this.trimBack(i, this.segStart);
    if (contentEnd === this.segStart) this.segStart = next; // only whitespace pending: drop it
    const nextKind = blank ? LineKind.Blank : this.lineKindAt(q);
    if (contentEnd > this.segStart && this.breaksAtLineEnd(flags, contentEnd, next, q, nextKind)) {
      this.cut(contentEnd, next);
    }
    this.enterLine(next, q, nextKind);
    return next;
  }

  private breaksAtLineEnd(flags: number, contentEnd: number, next: number, q: number, nextKind: LineKind): boolean {
    if (flags & PARA || nextKind !== LineKind.Prose) return true; // blank line, list item, heading, ...
    if (this.lineIsBlock) return true;
    if (this.lineIsList) return q === next; // an indented line continues the item
    return this.isDeliberateLineEnd(contentEnd, q);
  }

  /**
   * A line that ends without punctuation before a line starting with a capital ends a sentence
   * (heading, address, chat line) unless it looks hard-wrapped: in wrapped prose the next word
   * would not have fitted on the line, so line + next word is wider than the block's widest line.
   */
  private isDeliberateLineEnd(contentEnd: number, q: number): boolean {
    const s = this.s;
    const last = s.charCodeAt(contentEnd - 1);
    if (FLAGS[last] & (TERM | STRONG)) return false; // "Dr." or "..." that did not end a sentence
    if (FLAGS[last] & CLOSER && contentEnd >= 2 && FLAGS[s.charCodeAt(contentEnd - 2)] & TERM) return false;
    if (last === 0x2c || last === 0x3b || last === 0x2d || last === 0x2010 || last === 0x26) return false; // , ; - &
    const next = classAt(s, this.nextWordStart(q));
    if (next === LOWER) return false;

    let wordEnd = q;
    while (wordEnd < this.n && wordEnd - q < MAX_WORD && !isWs(s.charCodeAt(wordEnd))) wordEnd++;
    const lineLength = contentEnd - this.lineStart;
    const width = this.blockWidth(this.lineStart);
    if (lineLength + 1 + (wordEnd - q) <= width - (width >> 3)) return true; // room to spare: not a wrap
    return this.isShortTitleLine(contentEnd);
  }

  /** "Introduction", "Getting started": up to three words, capitalised, not ending in "the"/"and". */
  private isShortTitleLine(contentEnd: number): boolean {
    const s = this.s;
    let p = this.lineStart;
    while (p < contentEnd && isWs(s.charCodeAt(p))) p++;
    const first = classAt(s, p);
    if (first !== UPPER && first !== CASELESS && first !== DIGIT && first !== OTHER) return false;
    let words = 1;
    let lastWordStart = p;
    for (let c = p; c < contentEnd; c++) {
      if (s.charCodeAt(c) === 0x20) {
        if (++words > 3) return false;
        lastWordStart = c + 1;
      }
    }
    return !LINE_END_FUNCTION_WORDS.has(s.slice(lastWordStart, contentEnd).toLowerCase());
  }

  /** Widest line (right-trimmed) of the block of non-blank lines containing lineStart. */
  private blockWidth(lineStart: number): number {
    if (lineStart >= this.widthFrom && lineStart < this.widthEnd) return this.width;
    const s = this.s;
    const n = this.n;
    let widest = 0;
    let p = lineStart;
    while (p < n) {
      let e = p;
      while (e < n && !isLineBreak(s.charCodeAt(e))) e++;
      const end = this.trimBack(e, p);
      if (end === p && p !== lineStart) break; // blank line ends the block
      if (end - p > widest) widest = end - p;
      if (e >= n || s.charCodeAt(e) === 0x2029) {
        p = e;
        break;
      }
      p = e + (s.charCodeAt(e) === 0x0d && s.charCodeAt(e + 1) === 0x0a ? 2 : 1);
    }
    this.widthFrom = lineStart;
    this.widthEnd = Math.max(p, lineStart + 1);
    this.width = widest;
    return widest;
  }

  private trimBack(end: number, floor: number): number {
    while (end > floor && isWs(this.s.charCodeAt(end - 1))) end--;
    return end;
  }

  private enterLine(lineStart: number, q: number, kind?: LineKind): void {
    const s = this.s;
    if (kind === undefined) {
      while (q < this.n && isHSpace(s.charCodeAt(q))) q++;
      kind = q >= this.n || isLineBreak(s.charCodeAt(q)) ? LineKind.Blank : this.lineKindAt(q);
    }
    const indented = q > lineStart;
    this.lineStart = lineStart;
    this.lineIsList = kind === LineKind.List || (this.lineIsList && indented && kind === LineKind.Prose);
    this.lineIsBlock = kind === LineKind.Block || kind === LineKind.Fence;
    if (kind === LineKind.Fence) this.inFence = !this.inFence;
  }

  /** What kind of line starts (after indentation) at q. Code inside a fence is line-by-line. */
  private lineKindAt(q: number): LineKind {
    if (isFenceAt(this.s, q)) return LineKind.Fence;
    if (this.inFence) return LineKind.Block;
    if (isListMarkerAt(this.s, q)) return LineKind.List;
    if (isBlockLineAt(this.s, q)) return LineKind.Block;
    return LineKind.Prose;
  }
}

const LINE_END_FUNCTION_WORDS = new Set(
  'the a an and or but of to in on at by for with from as is are was were be that this than then'.split(' '),
);

// ---- line shapes ------------------------------------------------------------------------------

const BULLETS = new Set([0x2d, 0x2a, 0x2b, 0x2022, 0x2023, 0x25e6, 0x25aa, 0x25cf, 0x00b7, 0x2013]); // - * + • ‣ ◦ ▪ ● · –

const LIST_LABEL = /^(?:\d{1,3}|[a-zA-Z]|[ivx]{1,4})$/;

/** "- item", "* item", "• item", "1. item", "2) item", "a) item", "b. item", "(3) item", "iv. item". */
function isListMarkerAt(s: string, q: number): boolean {
  const c = s.charCodeAt(q);
  if (BULLETS.has(c)) return isHSpace(s.charCodeAt(q + 1));
  const paren = c === 0x28;
  const labelStart = paren ? q + 1 : q;
  let p = labelStart;
  while (p - labelStart < 4 && isAsciiAlnum(s.charCodeAt(p))) p++;
  if (p === labelStart || !LIST_LABEL.test(s.slice(labelStart, p))) return false;
  const close = s.charCodeAt(p);
  // "A. Smith" at a line start is an initial, so capital labels need a bracket: "A)", "(B)".
  const bracketOnly = paren || isAsciiUpper(s.charCodeAt(labelStart));
  if (close !== 0x29 && (bracketOnly || close !== 0x2e)) return false;
  return isHSpace(s.charCodeAt(p + 1));
}

/** "```" / "~~~" code fences. */
function isFenceAt(s: string, q: number): boolean {
  const c = s.charCodeAt(q);
  return (c === 0x60 || c === 0x7e) && s.charCodeAt(q + 1) === c && s.charCodeAt(q + 2) === c;
}

/** Markdown headings ("## Title"), table rows ("| a | b |") and rules ("---", "==="). */
function isBlockLineAt(s: string, q: number): boolean {
  const c = s.charCodeAt(q);
  if (c === 0x23) {
    let p = q;
    while (s.charCodeAt(p) === 0x23 && p - q < 6) p++;
    const after = s.charCodeAt(p);
    return p >= s.length || isWs(after);
  }
  if (c === 0x7c) return true;
  if (c === 0x3d || c === 0x2d || c === 0x2a || c === 0x5f) {
    let p = q;
    let count = 0;
    for (; p < s.length; p++) {
      const d = s.charCodeAt(p);
      if (d === c) count++;
      else if (!isHSpace(d)) break;
    }
    return count >= 3 && (p >= s.length || isLineBreak(s.charCodeAt(p)));
  }
  return false;
}
