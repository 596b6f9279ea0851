import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { englishShare, estimateCl100k } from '../../src/embed/cl100k-estimate.js';
import { STOPWORDS } from '../../src/embed/stopwords.js';
import { countCl100k } from '../../src/embed/cl100k-tokenizer.js';
import { createHashingEmbedder } from '../../src/embed/hashing-embedder.js';
import { loadFeaturizeConfig } from '../../src/featurize/featurize-config.js';
import { prepareDocument } from '../../src/featurize/prepare-document.js';
import type { Document } from '../../src/store/types.js';
import { REPO } from '../helpers/cli.js';

// A fixed sample: the 130 pages of Mozilla Readability's test suite kept for bench/extraction
// (news, blogs, docs and wikis in English, French, German, Czech, Spanish, Chinese, Japanese,
// Arabic, Hebrew...): what Readability extracted as prose, and the raw HTML as a harsh "code".
const PAGES = join(REPO, 'bench/data/extraction/readability');
const page = (dir: string, file: string) => gunzipSync(readFileSync(join(PAGES, dir, file))).toString('utf8');
const dirs = readdirSync(PAGES).sort();

const doc = (i: number, category: string, content: string): Document => ({
  id: `d${i}`, source: 'test', external_id: null, category, link: null, author: null, title: null, content, metadata: {}, content_hash: 'h', created_at: '',
});

async function chunksOf(category: string, texts: string[]) {
  const hashing = await createHashingEmbedder();
  const config = await loadFeaturizeConfig(undefined, REPO);
  return texts.flatMap((t, i) => prepareDocument(doc(i, category, t), hashing, config).chunks).map((c) => ({ ...c, real: countCl100k(c.text) }));
}

describe('cl100k estimate (the hashing embedder sizes its chunks with it)', () => {
  it('keeps every prose chunk within the embedder limit in real cl100k tokens, and posts windows within 10% of their size', async () => {
    const prose = dirs.map((d) => page(d, 'expected.html.gz'));
    const articles = await chunksOf('articles', prose);
    expect(articles.length).toBeGreaterThan(1000);
    expect(Math.max(...articles.map((c) => c.real))).toBeLessThanOrEqual(512);
    const posts = await chunksOf('posts', prose); // 250-token windows
    expect(Math.max(...posts.map((c) => c.real))).toBeLessThanOrEqual(275);
    expect(posts.filter((c) => c.real > 250).length / posts.length).toBeLessThan(0.01);
    // Not far above either: the chunks use most of what they may hold.
    const used = articles.reduce((s, c) => s + c.real, 0) / articles.reduce((s, c) => s + c.token_count, 0);
    expect(used).toBeGreaterThan(0.7);
  }, 60_000);

  it('on raw HTML and minified scripts (random names, base64) keeps 98% of chunks within the limit, none 30% over', async () => {
    const code = await chunksOf('repositories', dirs.slice(0, 40).map((d) => page(d, 'source.html.gz')));
    const over = code.filter((c) => c.real > 512);
    expect(over.length / code.length).toBeLessThan(0.02);
    expect(Math.max(...code.map((c) => c.real))).toBeLessThan(512 * 1.3);
  }, 120_000);

  it('is at or a little above cl100k on whole texts, and says so in whole tokens through the embedder', async () => {
    for (const t of ['The quick brown fox jumps over the lazy dog. '.repeat(40), page('wikipedia', 'expected.html.gz'), page('lemonde-1', 'expected.html.gz'), page('qq', 'expected.html.gz')]) {
      const ratio = estimateCl100k(t) / countCl100k(t);
      expect(ratio, t.slice(0, 40)).toBeGreaterThanOrEqual(1);
      expect(ratio, t.slice(0, 40)).toBeLessThan(1.6);
    }
    expect(estimateCl100k('')).toBe(0);
    const hashing = await createHashingEmbedder();
    expect(hashing.countTokens('naïve café 你好 🎉')).toBe(Math.ceil(hashing.counterFor!('naïve café 你好 🎉')('naïve café 你好 🎉')));
    expect(Number.isInteger(hashing.countTokens('a title'))).toBe(true);
  });

  it('finds the same share of English function words as cutting each word out and looking it up', () => {
    // The lookup it replaced: every word sliced out of the text and looked up in a set.
    const common = new Set([...STOPWORDS, ...'const let var function return import export from else new this true false null undefined type string number await async class def self public private static void int'.split(' ')]);
    const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    const reference = (text: string) => {
      const n = Math.min(text.length, 8_000);
      let words = 0;
      let hits = 0;
      for (let i = 0; i < n; ) {
        if (!isLetter(text.charCodeAt(i))) {
          i++;
          continue;
        }
        const start = i;
        while (i < n && isLetter(text.charCodeAt(i))) i++;
        words++;
        if (i - start > 10) continue;
        const w = text.slice(start, i);
        if (common.has(w) || (text.charCodeAt(start) < 97 && common.has(w.toLowerCase()))) hits++;
      }
      return words < 30 ? 1 : hits / words;
    };
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    const vocabulary = [...common, 'thereof', 'ANOVA', 'protein', 'thé', 'theme', 'th', 'x', 'Über', 'selfless', 'consta'];
    const cased = (w: string) => pick([w, w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1), w.slice(0, 1) + w.slice(1).toUpperCase()]);
    const texts = Array.from({ length: 300 }, (_, t) => {
      const parts: string[] = [];
      for (let k = 0; k < (t % 10 === 0 ? 2_500 : 20 + (t % 90)); k++) parts.push(cased(pick(vocabulary)), pick([' ', ' ', ', ', '. ', '\n', '-', '3', '😀', 'é']));
      return parts.join('');
    });
    let english = 0;
    for (const text of texts) {
      expect(englishShare(text), text.slice(0, 80)).toBe(reference(text));
      if (englishShare(text) < 1) english++;
    }
    expect(english).toBeGreaterThan(200); // most texts long enough to tell
    expect(englishShare('The cat and THE dog of tHE house in the '.repeat(10))).toBe(reference('The cat and THE dog of tHE house in the '.repeat(10)));
  });
});


describe('cl100k estimate of a span', () => {
  it('counts text[from, to) as it counts that slice, at every kind of boundary', async () => {
    const hashing = await createHashingEmbedder();
    // Pieces whose counts depend on what follows: a space before a word, space runs, indents
    // after a newline, digit runs, camel case, punctuation runs, non-ASCII, emoji halves.
    const pieces = [' ', '  ', '    ', '\n', '\n  ', '\t', 'a', 'word', 'Word', 'HTTPServer', 'x1', '123', '4567', '.', '...', '=>', '(', 'é', '日本', '🎉', '\ud800', '\u0000'];
    let seed = 11;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let k = 0; k < 500; k++) {
      const text = Array.from({ length: 1 + Math.floor(rand() * 60) }, () => pieces[Math.floor(rand() * pieces.length)]).join('');
      const count = hashing.counterFor!(text);
      for (let j = 0; j < 8; j++) {
        const from = Math.floor(rand() * (text.length + 1));
        const to = from + Math.floor(rand() * (text.length - from + 1));
        expect(count.range!(text, from, to), JSON.stringify([text, from, to])).toBe(count(text.slice(from, to)));
      }
    }
  });
});
