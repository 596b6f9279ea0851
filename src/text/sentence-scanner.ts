// The sentence scanner: one left-to-right pass over char codes. Work only happens at candidate
// boundaries (terminators and line breaks), where small bounded look-arounds decide; every
// look-around either has a fixed cap or walks characters that the next decision never walks
// again, so the whole thing stays linear on any input.

import { ABBREVIATIONS, AbbrevKind, CAP_ONLY, MAX_ABBREVIATION_LENGTH, MONTH_NAMES, SENTENCE_STARTERS } from './abbreviations.js';
import {
  CASELESS,
  classAt,
  CLOSER,
  DIGIT,
  EOS,
  FLAGS,
  isCjk,
  isDigit,
  isHSpace,
  isLineBreak,
  isWs,
  LOWER,
  NEWLINE,
  OPENER,
  OTHER,
  PARA,
  STRONG,
  startsWord,
  TERM,
  UPPER,
  wordAt,
  type StartClass,
} from './char-classes.js';
import { isBlockLineAt, isFenceAt, isListMarkerAt, LineKind } from './line-shapes.js';

export type SentenceSpan = { index: number; text: string; start: number; end: number };

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

export class Scanner {
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

  /** Whether a typical sentence opener ("The", "It", "Er", ...) starts at k; "A." is an initial. */
  private isStarterAt(k: number): boolean {
    const word = wordAt(this.s, k);
    if (word === undefined || this.s.charCodeAt(k + word.length) === 0x2e) return false;
    return SENTENCE_STARTERS.has(word);
  }

  private isMonthAt(k: number): boolean {
    const word = wordAt(this.s, k);
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
