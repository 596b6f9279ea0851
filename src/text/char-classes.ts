// Character classes for the sentence scanner: a 64 KiB flag table for the hot loop (one lookup
// per UTF-16 unit), and what the next word starts with, judged at one position.

const WS = 1; // exactly JavaScript's \s, so "trimmed" means what callers expect
export const TERM = 2; // . ! ? … and friends: end a sentence only when whitespace follows
export const STRONG = 4; // 。！？ । ۔ …: end a sentence even with no space after (CJK, Indic)
export const NEWLINE = 8;
export const PARA = 16; // U+2029 PARAGRAPH SEPARATOR: always a boundary
export const CLOSER = 32; // quotes/brackets that stay with the sentence they close
export const OPENER = 64; // quotes/brackets/markup that may precede a word

export const FLAGS = buildFlags();

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

export const isWs = (c: number) => (FLAGS[c] & WS) !== 0;
export const isHSpace = (c: number) => (FLAGS[c] & (WS | NEWLINE | PARA)) === WS;
export const isLineBreak = (c: number) => (FLAGS[c] & (NEWLINE | PARA)) !== 0;
export const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isAsciiLower = (c: number) => c >= 0x61 && c <= 0x7a;
export const isAsciiUpper = (c: number) => c >= 0x41 && c <= 0x5a;
export const isAsciiAlnum = (c: number) => isDigit(c) || isAsciiLower(c) || isAsciiUpper(c);
/** Han, kana and Hangul: a Latin terminator directly followed by these still ends a sentence. */
export const isCjk = (c: number) =>
  (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af);

// What the next word starts with. Sticky regexes test one position without slicing.
export const EOS = 0;
export const UPPER = 1;
export const LOWER = 2;
export const DIGIT = 3;
export const CASELESS = 4; // a letter of a script without case (Han, Arabic, Devanagari, ...)
export const OTHER = 5;
export type StartClass = typeof EOS | typeof UPPER | typeof LOWER | typeof DIGIT | typeof CASELESS | typeof OTHER;

const UPPER_AT = /[\p{Lu}\p{Lt}]/uy;
const LOWER_AT = /\p{Ll}/uy;
const LETTER_AT = /\p{L}/uy;
const DIGIT_AT = /\p{Nd}/uy;
const WORD_AT = /\p{L}{1,16}(?!\p{L})/uy;

/** The word (up to 16 letters, not followed by another letter) starting at i, if any. */
export function wordAt(s: string, i: number): string | undefined {
  WORD_AT.lastIndex = i;
  const m = WORD_AT.exec(s);
  return m === null ? undefined : m[0];
}

function testAt(re: RegExp, s: string, i: number): boolean {
  re.lastIndex = i;
  return re.test(s);
}

export function classAt(s: string, i: number): StartClass {
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

export function startsWord(s: string, i: number): boolean {
  const c = classAt(s, i);
  return c !== OTHER && c !== EOS;
}
