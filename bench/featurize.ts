// bench/featurize: the CPU work of featurize, in process, on a generated corpus:
//  - cleaning + chunking (+ capping at the token limit) per category, in MB/s, next to a naive
//    baseline in the same run (fixed 1,000-character slices, no cleaning, no tokenizer);
//  - embedding with the hashing embedder, in chunks/s, next to a baseline of plain unigram
//    hashing (no stemming, bigrams or character n-grams).
//
//   node --import tsx bench/featurize.ts [--mb 8]
import { parseArgs } from 'node:util';
import { createHashingEmbedder } from '../src/embed/hashing-embedder.js';
import { loadFeaturizeConfig } from '../src/featurize/featurize-config.js';
import { prepareDocument } from '../src/featurize/prepare-document.js';
import type { Document } from '../src/store/types.js';
import { rng } from './rng.js';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '8' } } });
const mb = Number(values.mb);

const r = rng(42);
const WORDS = 'the model data search vector results revenue growth team users prompt latency cost customers market report product release quality performance index document sentence answer question pipeline evaluation retrieval chunk embedding token language'.split(' ');
const pick = () => WORDS[Math.floor(r() * WORDS.length)]!;
const sentence = () => `${Array.from({ length: 8 + Math.floor(r() * 14) }, pick).join(' ')}.`;

function makeDoc(i: number, category: string): Document {
  let content: string;
  if (category === 'articles') content = Array.from({ length: 40 }, sentence).join(' ');
  else if (category === 'posts') content = `${Array.from({ length: 6 }, sentence).join(' ')} 🎉 https://t.co/${i} #search`;
  else content = Array.from({ length: 12 }, (_, f) => `--- src/f${f}.ts ---\nexport function f${f}(x: number) {\n${Array.from({ length: 25 }, () => `  x = x + ${pick().length}; // ${pick()}\n`).join('')}  return x;\n}\n`).join('\n');
  return { id: `d${i}`, source: 'bench', external_id: null, category, link: null, author: null, title: null, content, metadata: {}, content_hash: String(i), created_at: '' };
}

const embedder = await createHashingEmbedder();
const config = await loadFeaturizeConfig();
console.log(`featurize CPU work, ~${mb} MB per category, hashing embedder (${embedder.dimension} dims, limit ${embedder.maxTokens} cl100k tokens)\n`);
console.log('category      chunking MB/s   baseline MB/s   chunks   embed chunks/s   baseline chunks/s');
for (const category of ['articles', 'posts', 'repositories']) {
  const docs: Document[] = [];
  let bytes = 0;
  for (let i = 0; bytes < mb * 1e6; i++) {
    const d = makeDoc(i, category);
    docs.push(d);
    bytes += Buffer.byteLength(d.content);
  }
  let t = performance.now();
  const chunks = docs.flatMap((d) => prepareDocument(d, embedder, config).chunks.map((c) => c.text));
  const chunkS = (performance.now() - t) / 1000;
  t = performance.now();
  let naive = 0;
  for (const d of docs) for (let o = 0; o < d.content.length; o += 1000) naive += d.content.slice(o, o + 1000).length > 0 ? 1 : 0;
  const naiveS = (performance.now() - t) / 1000;
  t = performance.now();
  for (let i = 0; i < chunks.length; i += 64) await embedder.embedBatch(chunks.slice(i, i + 64));
  const embedS = (performance.now() - t) / 1000;
  t = performance.now();
  for (const c of chunks) {
    const v = new Float32Array(embedder.dimension);
    for (const w of c.toLowerCase().split(/\W+/)) {
      let h = 2166136261;
      for (let j = 0; j < w.length; j++) h = Math.imul(h ^ w.charCodeAt(j), 16777619);
      v[(h >>> 0) % v.length]! += 1;
    }
  }
  const baseS = (performance.now() - t) / 1000;
  console.log(
    `${category.padEnd(13)} ${(bytes / 1e6 / chunkS).toFixed(2).padStart(13)}   ${(bytes / 1e6 / Math.max(naiveS, 1e-6)).toFixed(0).padStart(13)}   ${String(chunks.length).padStart(6)}   ${(chunks.length / embedS).toFixed(0).padStart(14)}   ${(chunks.length / baseS).toFixed(0).padStart(17)}`,
  );
  void naive;
}
