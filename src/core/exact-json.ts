/**
 * JSON text read the way llmops reads records: numbers a double cannot hold keep their
 * digits, and a record can be passed on as it was written.
 */

// An unsafe integer has at least 16 digits: only text with such a run takes the slow path.
// Spelled out, not \d{16}: V8 scans the spelled-out pattern about 5 times faster.
const LONG_DIGIT_RUN = /\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d/;
// A number out of a double's range has an exponent of three digits (1e400, 5e-400).
const LONG_EXPONENT = /[eE][+-]?\d\d\d/;

/**
 * Every record is parsed this way: integer literals beyond ±2^53, and numbers beyond a double's
 * range, come back as strings of their exact digits instead of rounded numbers (JSON.parse turns
 * 12345678901234567890 into 12345678901234567000, and two ids would become one; 1e400 into
 * Infinity, stored as null).
 */
export function parseExact(text: string): unknown {
  return JSON.parse(LONG_DIGIT_RUN.test(text) || LONG_EXPONENT.test(text) ? quoteUnsafeIntegers(text) : text);
}

/** A number token a double cannot hold: an integer past ±2^53, or one that overflows to ±Infinity or underflows to 0. */
function lossy(token: string): boolean {
  const n = Number(token);
  if (/^-?\d{16,}$/.test(token)) return !Number.isSafeInteger(n);
  return !Number.isFinite(n) || (n === 0 && /[1-9]/.test(token.split(/[eE]/)[0]!));
}

/**
 * Puts quotes around every number literal (outside strings) that a double cannot hold: an
 * integer past ±2^53, a number out of range (lossy). Only called on text JSON.parse accepts or rejects the same way afterwards: quoting
 * a number token never turns valid JSON invalid or the reverse.
 */
export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    let end = i + 1;
    while (end < text.length && /[0-9eE+\-.]/.test(text[end]!)) end++;
    const token = text.slice(i, end);
    if (lossy(token)) {
      out += `${text.slice(from, i)}"${token}"`;
      from = end;
    }
    i = end - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * Valid JSON holds no raw line break inside a string, and needs no whitespace between tokens:
 * the breaks and the blanks around them can go without changing a value.
 */
export function oneLine(text: string): string {
  const t = text.trim();
  return /[\r\n]/.test(t) ? t.replace(/[ \t]*[\r\n][ \t\r\n]*/g, '') : t;
}
