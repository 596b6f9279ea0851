import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TokenCounter, countCl100k } from '../../src/embed/cl100k-tokenizer.js';

// The tokenizer llmops used before (js-tiktoken), as the reference: chunk sizes and stored
// token counts must not move when the faster one replaces it.
const require = createRequire(import.meta.url);
const { Tiktoken } = require('js-tiktoken/lite') as typeof import('js-tiktoken/lite');
const ranks = require('js-tiktoken/ranks/cl100k_base') as { default?: unknown };
const reference = new Tiktoken((ranks.default ?? ranks) as ConstructorParameters<typeof Tiktoken>[0]);
const referenceCount = (t: string) => reference.encode(t, [], []).length;

const SAMPLE = [
  '',
  ' ',
  'Hello, world!',
  'héllo wörld — naïve café, Ærøskøbing, İstanbul, straße',
  '你好，世界。日本語のテキストも数えます。한국어 문장입니다.',
  'Emoji: 🎉🚀 family 👩‍👩‍👧‍👦 flags 🇫🇷🇯🇵 skin 👍🏽 keycap 1️⃣',
  'ｆｕｌｌｗｉｄｔｈ ＡＢＣ ① ﬁ ligature ™ ½',
  'Numbers 1234567890 3.14159 1,000,000 -42 0xDEADBEEF 2024-01-31T12:00:00Z',
  'export async function f<T>(xs: T[]): Promise<number> {\n\treturn xs.map((x) => x ** 2).length; // 🚀\n}\n',
  'def f(x):\n    """Docstring."""\n    return {"a": [1, 2, 3], \'b\': None}\n\n\n\nclass A:\n    pass\n',
  '   leading   spaces\t\ttabs\n\n\nnewlines\r\n\r\nwindows   ',
  'URLs https://example.com/a/b?c=d&e=f#g and mail a.b+c@example.org',
  'special markers <|endoftext|> and <|fim_prefix|> inside a document',
  'a'.repeat(2000),
  '€'.repeat(300),
  'The quick brown fox jumps over the lazy dog. '.repeat(40),
  'مرحبا بالعالم — שלום עולם — Привет, мир — Γειά σου Κόσμε — नमस्ते दुनिया',
  '\u200b\u00ad zero-width and soft hyphen \u0000 control',
  '\ufeff a byte-order mark, and one \ufeff inside: gpt-tokenizer alone miscounts these',
];

describe('cl100k token counts', () => {
  it('are the same as js-tiktoken on unicode, emoji, code, whitespace, long runs and special markers', () => {
    const ours = SAMPLE.map(countCl100k);
    expect(ours).toEqual(SAMPLE.map(referenceCount));
    expect(ours.some((n) => n > 400), 'the sample holds long texts').toBe(true);
  });

  it('are the same on real prose, word by word (memoised) and whole', () => {
    const prose = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const counter = new TokenCounter();
    const words = prose.match(/\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]+|\s+/gu)!;
    expect(words.map((w) => counter.count(w))).toEqual(words.map(referenceCount));
    expect(countCl100k(prose)).toBe(referenceCount(prose));
  });
});
