import { describe, expect, it } from 'vitest';
import { capToTokenLimit, codeWindows, sentenceWindows, tokenWindows } from '../../src/featurize/chunk-text.js';
import { cleanText } from '../../src/featurize/clean-text.js';
import { TokenCounter } from '../../src/embed/cl100k-tokenizer.js';

const counter = new TokenCounter();
const count = (t: string) => counter.count(t);
const words = (n: number, seed = 0) => Array.from({ length: n }, (_, i) => `word${(i * 7 + seed) % 97} w${i}`).join(' ');

describe('cleaning', () => {
  it('prose loses markup remnants, URLs, entities, zero-width characters and emoji runs', () => {
    const raw = '<p>Hello&nbsp;<b>world</b> &amp; friends</p>\u200b See https://example.com/x?y=1 and [the docs](https://d.io).  🎉🎉🎉 Done!!!';
    expect(cleanText(raw, 'article')).toBe('Hello world & friends\nSee and the docs. Done!!!');
    expect(cleanText('Loving it 😍😍 #AI @bob!!!!', 'social')).toBe('Loving it AI !');
    expect(cleanText('ﬁne　wide', 'plain')).toBe('fine wide'); // NFKC folds ligatures and ideographic space
  });

  it('prose: every run of horizontal whitespace, of any kind and length, becomes one space', () => {
    const kinds = [' ', '  ', '\t', '\u00a0', '\u2009', '\u3000', ' \t ', '\u202f '];
    for (let i = 0; i < 400; i++) {
      const parts = Array.from({ length: 6 }, (_, k) => `w${k}${kinds[(i * 7 + k * 3) % kinds.length]}${kinds[(i + k) % kinds.length]!.repeat(i % 3)}`);
      const raw = parts.join('');
      const out = cleanText(raw, 'plain');
      expect(out, JSON.stringify(raw)).toBe(raw.trim().split(/[ \t\u00a0\u2009\u3000\u202f]+/).join(' ').trim());
      expect(out).not.toMatch(/[\t\u00a0\u2009\u3000\u202f]| {2}/);
    }
  });

  it('code keeps its layout, indentation and URLs', () => {
    const code = 'function f() {\r\n\tconst url = "https://example.com";   \r\n\treturn url;\r\n}\n\n\n\n\nf();';
    expect(cleanText(code, 'code')).toBe('function f() {\n\tconst url = "https://example.com";\n\treturn url;\n}\n\n\nf();');
  });
});

describe('chunking', () => {
  it('token windows hold at most size tokens and repeat about overlap tokens, covering the text in order', () => {
    const text = words(900);
    const chunks = tokenWindows(text, 250, 25, count);
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) expect(count(c)).toBeLessThanOrEqual(252); // joined pieces may merge a token or two
    for (let i = 1; i < chunks.length; i++) {
      const tail = chunks[i - 1]!.split(' ').slice(-5).join(' ');
      expect(chunks[i]!.includes(tail)).toBe(true); // overlap
    }
    expect(chunks[0]!.startsWith('word0 w0')).toBe(true);
    expect(chunks.at(-1)!.endsWith('w899')).toBe(true);
  });

  it('sentence windows keep whole sentences in min..max characters', () => {
    const text = Array.from({ length: 80 }, (_, i) => `Sentence number ${i} talks about topic ${i % 7} in some detail here.`).join(' ');
    const chunks = sentenceWindows(text, 1000, 2000);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(2000);
      expect(c).toMatch(/^Sentence number \d+/);
      expect(c).toMatch(/here\.$/);
    }
    for (const c of chunks.slice(0, -1)) expect(c.length).toBeGreaterThanOrEqual(1000);
    expect(chunks.join(' ')).toBe(text);
  });

  it('code windows cut at file and function boundaries', () => {
    const fn = (name: string) => `export function ${name}(x: number) {\n${'  x = x + 1;\n'.repeat(30)}  return x;\n}\n`;
    const repo = `--- src/a.ts ---\n${fn('alpha')}\n${fn('beta')}\n--- src/b.ts ---\n${fn('gamma')}`;
    const chunks = codeWindows(repo, 400, 40, count);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(count(c)).toBeLessThanOrEqual(400);
      expect(c).toMatch(/^(--- src\/\w\.ts ---|export function)/);
    }
    expect(chunks.some((c) => c.startsWith('--- src/b.ts ---'))).toBe(true);
  });

  it('caps every chunk at the token limit by the given tokenizer, even one huge word', () => {
    const pieces = capToTokenLimit(`${words(400)} ${'x'.repeat(1200)}`, 64, count);
    for (const p of pieces) {
      expect(p.tokens).toBeLessThanOrEqual(64);
      expect(p.tokens).toBe(count(p.text));
    }
    expect(pieces.map((p) => p.text).join('').replace(/\s/g, '')).toBe(`${words(400)} ${'x'.repeat(1200)}`.replace(/\s/g, ''));
    expect(capToTokenLimit('short text', 64, count)).toEqual([{ text: 'short text', tokens: 2 }]);
  });
});
