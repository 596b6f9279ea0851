// What a physical line is, judged from its first non-blank characters: list items, code
// fences, headings, table rows and rules end the sentence before them.

import { isAsciiAlnum, isAsciiUpper, isHSpace, isLineBreak, isWs } from './char-classes.js';

/** Shape of a physical line, judged from its first non-blank characters. */
export const LineKind = { Blank: 0, Prose: 1, List: 2, Block: 3, Fence: 4 } as const;
export type LineKind = (typeof LineKind)[keyof typeof LineKind];

const BULLETS = new Set([0x2d, 0x2a, 0x2b, 0x2022, 0x2023, 0x25e6, 0x25aa, 0x25cf, 0x00b7, 0x2013]); // - * + • ‣ ◦ ▪ ● · –

const LIST_LABEL = /^(?:\d{1,3}|[a-zA-Z]|[ivx]{1,4})$/;

/** "- item", "* item", "• item", "1. item", "2) item", "a) item", "b. item", "(3) item", "iv. item". */
export function isListMarkerAt(s: string, q: number): boolean {
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
export function isFenceAt(s: string, q: number): boolean {
  const c = s.charCodeAt(q);
  return (c === 0x60 || c === 0x7e) && s.charCodeAt(q + 1) === c && s.charCodeAt(q + 2) === c;
}

/** Markdown headings ("## Title"), table rows ("| a | b |") and rules ("---", "==="). */
export function isBlockLineAt(s: string, q: number): boolean {
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

