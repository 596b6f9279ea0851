import { describe, expect, it } from 'vitest';
import { unitBounds } from '../../src/featurize/word-units.js';

/** The units as the regex the scanner replaces cuts them: each match's start, and the end. */
function regexBounds(text: string): number[] {
  const out = [0];
  for (const m of text.matchAll(/\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]+|\s+/gu)) out.push(m.index + m[0].length);
  return out;
}

// Every class the scan tells apart, ASCII and not: Unicode spaces (no-break, line separator,
// ideographic, BOM), letters and digits beyond ASCII (Greek, CJK, Arabic-Indic, an astral
// letter), combining marks, emoji (surrogate pairs, ZWJ), lone surrogates of both halves, NUL.
const PIECES = [' ', '  ', '\t', '\n', '\r\n', '\u000b', '\u00a0', '\u2028', '\u3000', '\ufeff', 'a', 'Zq', '_', '42', 'x_1', '.', '...', '-', '(', '"', '\u0000', 'é', 'e\u0301', 'λόγος', '日本', '٣', '𝒳', '🎉', '👩\u200d💻', '\ud800', '\udc00', '\u00ad'];

/** mulberry32, seeded: the same strings every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('word units', () => {
  it('cut text exactly where the pre-tokenizer regex does, on every kind of character', () => {
    const fixed = ['', ' ', 'hello', ' hello world. ', 'a  b\n\n  c', 'f(x)=> x_1 + 2;', 'tail   ', '   ', '\ud83c', 'x\udc00y', '🎉🎉 #AI!!', 'λόγος, 日本語 ٣٤ 𝒳𝒴'];
    for (const t of fixed) expect([...unitBounds(t)], JSON.stringify(t)).toEqual(regexBounds(t));
    const r = rng(7);
    for (let k = 0; k < 2000; k++) {
      const t = Array.from({ length: 1 + Math.floor(r() * 40) }, () => PIECES[Math.floor(r() * PIECES.length)]).join('');
      expect([...unitBounds(t)], JSON.stringify(t)).toEqual(regexBounds(t));
    }
  });

  it('tile a long text (past the first array size) from 0 to its length', () => {
    const t = 'word, '.repeat(5000);
    const b = unitBounds(t);
    expect(b.length).toBe(10_002); // 'word', ',' 5,000 times, then the trailing space
    expect(b[0]).toBe(0);
    expect(b.at(-1)).toBe(t.length);
  });
});
