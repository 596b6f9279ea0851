// bench/featurize: featurize's work on a generated corpus, each figure beside its baseline in
// the same run (the machine may be shared: compare within a run, and read the spread):
//  1. cl100k token counting: js-tiktoken (llmops before), tiktoken (WASM) and gpt-tokenizer
//     on the same text, whole documents and word by word, and whether their counts agree;
//     and the estimate the hashing embedder sizes its chunks with (cl100k-estimate.ts);
//  1b. the chunks the hashing embedder cuts with that estimate, in real cl100k tokens against
//     the limit (max, share over) on every corpus at hand: the generated one, Readability's
//     130 test pages (many languages), SciFact when ../shared/data has it;
//  2. the CPU work per category (clean, chunk, cap, hash) in one thread, next to a naive
//     baseline (fixed 1,000-character slices; plain unigram hashing);
//  3. the same work on `featurize --workers N` threads (N−1 worker threads and this one), MB/s;
//  4. the whole stage into SQLite (runFeaturize: claims, vectors, chunks, FTS, marks), one
//     thread against N workers, and a sweep of the batch size (documents per transaction);
//     4b. the same on SciFact's abstracts ×7 (real prose; --scifact-copies 0 skips it);
//  5. chunks/s per embedder: hashing, MiniLM where its weights are, a tiny ONNX model with
//     ONNX Runtime's intra-op threads at 1 and at the cores;
//  6. with --rss-mb N: ingest + featurize of an N MB JSONL corpus through the CLI, peak RSS;
//  7. (after 4b) the writer's share that is the lexical index: SciFact's chunk rows inserted
//     with the FTS5 index filled per batch (llmops), by a trigger per row (before), and without
//     it (featurize-writer.ts).
//
//   node --import tsx bench/featurize.ts [--mb 8] [--repeat 3] [--workers N] [--batches 64,256,1024] [--rss-mb 0] [--scifact ../shared/data/scifact-dev] [--scifact-copies 7]
import { copyFileSync, createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { estimateCl100k } from '../src/embed/cl100k-estimate.js';
import { countCl100k } from '../src/embed/cl100k-tokenizer.js';
import { createHashingEmbedder } from '../src/embed/hashing-embedder.js';
import { createTransformersEmbedder, defaultModelsDir, MINILM_MODEL } from '../src/embed/transformers-embedder.js';
import type { Embedder } from '../src/embed/embedder.js';
import { loadFeaturizeConfig } from '../src/featurize/featurize-config.js';
import { openPreparer, type PreparedBatch } from '../src/featurize/featurize-preparer.js';
import { prepareDocument } from '../src/featurize/prepare-document.js';
import type { Document } from '../src/store/types.js';
import { writeTinyModel } from '../test/featurize/tiny-model.js';
import { runLlmops } from './lib.mjs';
import { lexicalIndexCost } from './featurize-writer.js';
import { rng } from './rng.js';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '8' },
    repeat: { type: 'string', default: '3' },
    workers: { type: 'string', default: String(availableParallelism()) },
    batches: { type: 'string', default: '64,256,1024' },
    'rss-mb': { type: 'string', default: '0' },
    'scifact-copies': { type: 'string', default: '7' },
    scifact: { type: 'string', default: join(fileURLToPath(new URL('..', import.meta.url)), '../shared/data/scifact-dev') },
  },
});
const mb = Number(values.mb);
const repeat = Number(values.repeat);
const workers = Number(values.workers);
const tmp = mkdtempSync(join(tmpdir(), 'llmops-bench-featurize-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const r = rng(42);
const WORDS = 'the model data search vector results revenue growth team users prompt latency cost customers market report product release quality performance index document sentence answer question pipeline evaluation retrieval chunk embedding token language'.split(' ');
const pick = () => WORDS[Math.floor(r() * WORDS.length)]!;
const sentence = () => `${Array.from({ length: 8 + Math.floor(r() * 14) }, pick).join(' ')}.`;

function makeDoc(i: number, category: string): Document {
  let content: string;
  if (category === 'articles') content = Array.from({ length: 40 }, sentence).join(' ');
  else if (category === 'posts') content = `${Array.from({ length: 6 }, sentence).join(' ')} 🎉 https://t.co/${i} #search`;
  else content = Array.from({ length: 12 }, (_, f) => `--- src/f${f}.ts ---\nexport function f${f}(x: number) {\n${Array.from({ length: 25 }, () => `  x = x + ${pick().length}; // ${pick()}\n`).join('')}  return x;\n}\n`).join('\n');
  return { id: `${category}-${String(i).padStart(7, '0')}`, source: 'bench', external_id: null, category, link: null, author: null, title: null, content, metadata: {}, content_hash: String(i), created_at: '' };
}

function corpus(category: string, megabytes: number): { docs: Document[]; bytes: number } {
  const docs: Document[] = [];
  let bytes = 0;
  for (let i = 0; bytes < megabytes * 1e6; i++) {
    const d = makeDoc(i, category);
    docs.push(d);
    bytes += Buffer.byteLength(d.content);
  }
  return { docs, bytes };
}

type Timing = { median: number; min: number; max: number; cpu: number };

/**
 * Median and spread of `repeat` wall timings of `fn` (seconds), and the median CPU seconds
 * this process spent meanwhile (every thread: main and workers). On a shared machine the wall
 * figure moves with the load; the CPU figure much less.
 */
async function timed(fn: () => Promise<unknown> | unknown): Promise<Timing> {
  const s: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    await fn();
    s.push((performance.now() - t) / 1000);
    const used = process.cpuUsage(cpu);
    c.push((used.user + used.system) / 1e6);
  }
  s.sort((a, b) => a - b);
  c.sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s.at(-1)!, cpu: c[Math.floor(c.length / 2)]! };
}
const perCpu = (amount: number, t: Timing, digits = 2) => (amount / t.cpu).toFixed(digits);
/** A rate with the spread of the runs: `median (min–max)`. */
const rate = (amount: number, t: Timing, digits = 2) =>
  `${(amount / t.median).toFixed(digits)} (${(amount / t.max).toFixed(digits)}–${(amount / t.min).toFixed(digits)})`;
const table = (rows: string[][]) => {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const row of rows) console.log(row.map((v, c) => (c === 0 ? v.padEnd(w[c]!) : v.padStart(w[c]!))).join('   '));
  console.log('');
};

const hashing = await createHashingEmbedder();
const config = await loadFeaturizeConfig();
const sets = Object.fromEntries(['articles', 'posts', 'repositories'].map((c) => [c, corpus(c, mb)]));
console.log(`bench/featurize — ~${mb} MB per category, ${repeat} runs per figure: median (slowest–fastest), node ${process.version}, ${availableParallelism()} cores, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);

await tokenCounting(sets.articles!.docs.slice(0, 2000).map((d) => d.content));
chunkLimits();
await cpuWork();
await endToEnd();
await endToEndScifact();
await embedders();
if (Number(values['rss-mb']) > 0) await peakRss(Number(values['rss-mb']));

async function tokenCounting(texts: string[]) {
  const require = createRequire(import.meta.url);
  let t = performance.now();
  const { Tiktoken } = require('js-tiktoken/lite') as typeof import('js-tiktoken/lite');
  const ranks = require('js-tiktoken/ranks/cl100k_base') as { default?: unknown };
  const js = new Tiktoken((ranks.default ?? ranks) as ConstructorParameters<typeof Tiktoken>[0]);
  js.encode('warm up');
  const jsLoad = performance.now() - t;
  t = performance.now();
  const wasm = (require('tiktoken') as typeof import('tiktoken')).get_encoding('cl100k_base');
  wasm.encode_ordinary('warm up');
  const wasmLoad = performance.now() - t;
  t = performance.now();
  countCl100k('warm up');
  const gptLoad = performance.now() - t;
  const words = texts.flatMap((x) => x.match(/\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]+|\s+/gu) ?? []);
  const bytes = texts.reduce((n, x) => n + Buffer.byteLength(x), 0) / 1e6;
  const counters: [string, (s: string) => number, number][] = [
    ['js-tiktoken 1.0 (before)', (s) => js.encode(s, [], []).length, jsLoad],
    ['tiktoken 1.0 (WASM)', (s) => wasm.encode_ordinary(s).length, wasmLoad],
    ['gpt-tokenizer 4.0 (llmops: openai)', countCl100k, gptLoad],
    ['estimate (llmops: hashing; same counts: estimate/real)', estimateCl100k, 0],
  ];
  const reference = texts.map(counters[0]![1]);
  const rows = [['cl100k counter', 'load ms', 'whole docs MB/s', 'word by word MB/s', 'same counts']];
  for (const [name, count, load] of counters) {
    const whole = await timed(() => texts.forEach(count));
    const byWord = await timed(() => words.forEach(count));
    const same = texts.every((x, i) => count(x) === reference[i]);
    const ratio = texts.reduce((n, x) => n + count(x), 0) / reference.reduce((n, x) => n + x, 0);
    rows.push([name, load.toFixed(0), rate(bytes, whole), rate(bytes, byWord), same ? 'yes' : count === estimateCl100k ? ratio.toFixed(3) : 'NO']);
  }
  wasm.free();
  console.log(`1. token counting, ${texts.length} documents (${bytes.toFixed(1)} MB), ${words.length.toLocaleString()} words`);
  table(rows);
}

/** Documents of a real corpus: Readability's test pages, and SciFact's abstracts where they are. */
function realCorpora(): [string, Document[]][] {
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const pages = join(repo, 'bench/data/extraction/readability');
  const doc = (i: number, category: string, content: string, title: string | null = null): Document =>
    ({ id: `x${i}`, source: 'bench', external_id: null, category, link: null, author: null, title, content, metadata: {}, content_hash: '', created_at: '' });
  const page = (d: string, f: string) => gunzipSync(readFileSync(join(pages, d, f))).toString('utf8');
  const dirs = readdirSync(pages).sort();
  const out: [string, Document[]][] = [
    ['readability pages as articles', dirs.map((d, i) => doc(i, 'articles', page(d, 'expected.html.gz')))],
    ['readability pages as posts (250-token windows)', dirs.map((d, i) => doc(i, 'posts', page(d, 'expected.html.gz')))],
    ['readability raw HTML as repositories', dirs.map((d, i) => doc(i, 'repositories', page(d, 'source.html.gz')))],
  ];
  const scifact = join(values.scifact!, 'corpus.jsonl.gz');
  if (existsSync(scifact)) {
    const lines = gunzipSync(readFileSync(scifact)).toString('utf8').split('\n').filter(Boolean);
    out.push(['SciFact abstracts as articles', lines.map((l, i) => { const d = JSON.parse(l) as { title: string; text: string }; return doc(i, 'articles', d.text, d.title); })]);
  } else out.push([`SciFact: not at ${scifact}`, []]);
  return out;
}

/** 1b. The hashing embedder's chunks (sized by the estimate) in real cl100k tokens, against the limit. */
function chunkLimits() {
  const limit = hashing.maxTokens;
  const rows = [['corpus', 'chunks', 'real max', `over ${limit}`, 'posts: over 250', 'real/estimate p50', 'p99', 'max']];
  const corpora: [string, Document[]][] = [...Object.entries(sets).map(([c, s]): [string, Document[]] => [`generated ${c}`, s.docs.slice(0, 1000)]), ...realCorpora()];
  for (const [name, docs] of corpora) {
    if (docs.length === 0) {
      rows.push([name, '—', '—', '—', '—', '—', '—', '—']);
      continue;
    }
    const chunks = docs.flatMap((d) => prepareDocument(d, hashing, config).chunks);
    const real = chunks.map((c) => countCl100k(c.text));
    const ratio = chunks.map((c, i) => real[i]! / c.token_count).sort((a, b) => a - b);
    const over = real.filter((n) => n > limit).length;
    const posts = docs[0]!.category === 'posts' ? String(real.filter((n) => n > 250).length) : '';
    rows.push([name, String(chunks.length), String(Math.max(...real)), `${over} (${((100 * over) / chunks.length).toFixed(2)}%)`, posts, ratio[ratio.length >> 1]!.toFixed(3), ratio[Math.floor(ratio.length * 0.99)]!.toFixed(3), ratio.at(-1)!.toFixed(3)]);
  }
  console.log(`1b. hashing embedder chunks (sized by the cl100k estimate) in real cl100k tokens, limit ${limit}`);
  table(rows);
}

async function cpuWork() {
  const rows = [['category', 'chunks', 'max tokens', 'MB/s 1 thread', 'MB/CPU-s', `MB/s --workers ${workers}`, 'MB/CPU-s', 'baseline MB/s', 'hash chunks/s', 'baseline chunks/s']];
  for (const [category, { docs, bytes }] of Object.entries(sets)) {
    const chunks = docs.flatMap((d) => prepareDocument(d, hashing, config).chunks);
    const texts = chunks.map((c) => c.text);
    const one = await timed(async () => {
      for (const d of docs) await hashing.embedBatch(prepareDocument(d, hashing, config).chunks.map((c) => c.text));
    });
    const pooled = await pooledPrepare(docs, workers);
    const naive = await timed(() => {
      for (const d of docs) for (let o = 0; o < d.content.length; o += 1000) unigramHash(d.content.slice(o, o + 1000));
    });
    const embed = await timed(() => hashing.embedBatch(texts));
    const base = await timed(() => texts.forEach(unigramHash));
    const maxTokens = Math.max(...chunks.map((c) => c.token_count));
    const m = bytes / 1e6;
    rows.push([category, String(chunks.length), `${maxTokens}/${hashing.maxTokens}`, rate(m, one), perCpu(m, one), rate(m, pooled), perCpu(m, pooled), rate(m, naive, 0), rate(chunks.length, embed, 0), rate(chunks.length, base, 0)]);
  }
  console.log(`2-3. CPU work (clean, chunk, estimate tokens, cap, hash), hashing embedder ${hashing.dimension} dims; max tokens: the longest chunk against the embedder's limit; MB/CPU-s: MB per CPU second of every thread`);
  table(rows);
}

function unigramHash(text: string) {
  const v = new Float32Array(hashing.dimension);
  for (const w of text.toLowerCase().split(/\W+/)) {
    let h = 2166136261;
    for (let j = 0; j < w.length; j++) h = Math.imul(h ^ w.charCodeAt(j), 16777619);
    v[(h >>> 0) % v.length]! += 1;
  }
  return v;
}

/** The preparer alone (`n` threads, this one included), fed as runFeaturize feeds it: batches of 256, `depth` in flight, results taken in order. */
async function pooledPrepare(docs: Document[], n: number) {
  const preparer = openPreparer(hashing, config, n);
  await preparer.started; // the workers' start-up is not the throughput
  try {
    return await timed(async () => {
      const inflight: Promise<PreparedBatch>[] = [];
      for (let i = 0; i < docs.length; i += 256) {
        if (inflight.length >= preparer.depth) await preparer.ready(inflight.shift()!);
        inflight.push(preparer.prepare(docs.slice(i, i + 256)));
      }
      for (const work of inflight) await preparer.ready(work);
    });
  } finally {
    await preparer.close();
  }
}

/** Writes `docs` as JSONL and ingests them into a template database; its path and text MB. */
async function ingestTemplate(name: string, docs: { id: string; title?: string | null; category?: string; text: string }[]): Promise<{ template: string; bytes: number }> {
  const file = join(tmp, `${name}.jsonl`);
  const w = createWriteStream(file);
  for (const d of docs) if (!w.write(`${JSON.stringify(d)}\n`)) await once(w, 'drain');
  w.end();
  await once(w, 'finish');
  const template = join(tmp, `${name}.db`);
  await runLlmops(['--db', template, 'ingest', file]);
  return { template, bytes: docs.reduce((n, d) => n + Buffer.byteLength(d.text), 0) / 1e6 };
}

/** `featurize --embedder hashing` on a copy of `template`, `repeat` times: one table row. */
async function featurizeRow(template: string, bytes: number, n: number, batch: number): Promise<string[]> {
  const runs = [];
  for (let i = 0; i < repeat; i++) {
    const path = join(tmp, 'run.db');
    for (const f of ['', '-wal', '-shm']) rmSync(path + f, { force: true });
    copyFileSync(template, path);
    runs.push(await runLlmops(['--db', path, 'featurize', '--embedder', 'hashing', '--workers', String(n), '--batch-size', String(batch)]));
  }
  runs.sort((x, y) => x.seconds - y.seconds);
  const mid = runs[Math.floor(runs.length / 2)]!;
  const t = { median: mid.seconds, min: runs[0]!.seconds, max: runs.at(-1)!.seconds, cpu: mid.cpuSeconds };
  const stage = runs.map((x) => x.summary.mb_per_s as number).sort((x, y) => x - y);
  return [String(n), String(batch), rate(bytes, t), `${stage[Math.floor(stage.length / 2)]} (${stage[0]}–${stage.at(-1)})`, perCpu(bytes, t), rate(mid.summary.chunks, t, 0), Math.max(...runs.map((x) => x.peakMb)).toFixed(0)];
}

// A function, not a const: the sections run from top-level awaits above this line.
function e2eHeader(): string[] {
  return ['workers', 'batch', 'MB/s (command)', 'MB/s (stage)', 'MB/CPU-s', 'chunks/s', 'peak RSS MB'];
}

/**
 * 4. The whole command through the CLI (built dist/, as a user runs it): claims, workers,
 * vectors, chunks, FTS and marks in SQLite, from a copy of one ingested database each run.
 */
async function endToEnd() {
  const docs = Object.values(sets).flatMap((s) => s.docs.slice(0, Math.ceil(s.docs.length / 3)));
  const { template, bytes } = await ingestTemplate('e2e', docs.map((d) => ({ id: d.id, category: d.category, text: d.content })));
  const rows = [e2eHeader()];
  for (const batch of values.batches!.split(',').map(Number)) rows.push(await featurizeRow(template, bytes, workers, batch));
  rows.push(await featurizeRow(template, bytes, 1, 64)); // llmops before: one thread, 64 documents per transaction
  rows.push(await featurizeRow(template, bytes, 1, 256));
  console.log(`4. llmops featurize --embedder hashing (the built CLI, SQLite + sqlite-vec), ${docs.length.toLocaleString()} documents of every category, ${bytes.toFixed(1)} MB; MB/s (stage): the command's own report, without start-up`);
  table(rows);
}

/**
 * 4b. The same on real prose: SciFact's abstracts, --scifact-copies times (each copy's sentences
 * rotated, so every document is new text). The generated text above has almost no English
 * function words, so the hashing estimate sizes it as a foreign language: smaller chunks.
 */
async function endToEndScifact() {
  const copies = Number(values['scifact-copies']);
  const file = join(values.scifact!, 'corpus.jsonl.gz');
  if (copies <= 0) return;
  if (!existsSync(file)) {
    console.log(`4b. SciFact end to end: not at ${file}\n`);
    return;
  }
  const abstracts = gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { _id: string; title: string; text: string });
  const docs = [];
  for (let k = 0; k < copies; k++)
    for (const a of abstracts) {
      const parts = a.text.split(/(?<=\. )/);
      const at = k % parts.length;
      docs.push({ id: `${a._id}-${k}`, title: a.title, text: [...parts.slice(at), ...parts.slice(0, at)].join('') });
    }
  const { template, bytes } = await ingestTemplate('scifact', docs);
  const rows = [e2eHeader(), await featurizeRow(template, bytes, workers, 256), await featurizeRow(template, bytes, 1, 256)];
  console.log(`4b. the same on SciFact's abstracts ×${copies}: ${docs.length.toLocaleString()} documents, ${bytes.toFixed(1)} MB`);
  table(rows);
  // 7. The same chunk rows written again, with the lexical index filled two ways and without it.
  const featurized = join(tmp, 'scifact-featurized.db');
  copyFileSync(template, featurized);
  await runLlmops(['--db', featurized, 'featurize', '--embedder', 'hashing', '--workers', '1']);
  console.log(`7. featurize's writer: SciFact ×${copies}'s chunk rows inserted again, 300 per transaction, with the FTS5 index filled per batch or per row, and without it`);
  table(lexicalIndexCost(featurized, template, join(tmp, 'chunks.db'), repeat));
}

async function embedders() {
  const texts = sets.articles!.docs.slice(0, 400).flatMap((d) => prepareDocument(d, hashing, config).chunks.map((c) => c.text));
  const rows = [['embedder', 'chunks/s']];
  const chunksPerS = async (e: Embedder) => rate(texts.length, await timed(async () => {
    for (let i = 0; i < texts.length; i += 64) await e.embedBatch(texts.slice(i, i + 64));
  }), 0);
  rows.push(['hashing (1 thread)', await chunksPerS(hashing)]);
  const models = defaultModelsDir();
  if (existsSync(join(models, MINILM_MODEL, 'config.json'))) {
    for (const threads of [1, availableParallelism()]) {
      const e = await createTransformersEmbedder({ modelsDir: models, threads });
      rows.push([`minilm ${MINILM_MODEL}, ${threads} intra-op threads`, await chunksPerS(e)]);
      await e.close?.();
    }
  } else rows.push([`minilm: no weights on this machine (${join(models, MINILM_MODEL)})`, '—']);
  writeTinyModel(tmp, 'bench/tiny-bert', { dim: 384, maxLength: 512 });
  for (const threads of [1, availableParallelism()]) {
    const e = await createTransformersEmbedder({ model: 'bench/tiny-bert', modelsDir: tmp, threads });
    rows.push([`tiny ONNX model (test/featurize/tiny-model.ts, 384 dims), ${threads} intra-op threads`, await chunksPerS(e)]);
    await e.close?.();
  }
  console.log(`5. embedding, ${texts.length} article chunks in batches of 64`);
  table(rows);
}

async function peakRss(megabytes: number) {
  const file = join(tmp, 'corpus.jsonl');
  const w = createWriteStream(file);
  let bytes = 0;
  for (let i = 0; bytes < megabytes * 1e6; i++) {
    const category = ['articles', 'posts', 'repositories'][i % 3]!;
    const line = `${JSON.stringify({ id: `r${i}`, category, text: makeDoc(i, category).content })}\n`;
    bytes += line.length;
    if (!w.write(line)) await once(w, 'drain');
  }
  w.end();
  await once(w, 'finish');
  const db = join(tmp, 'rss.db');
  const ing = await runLlmops(['--db', db, 'ingest', file]);
  const feat = await runLlmops(['--db', db, 'featurize', '--embedder', 'hashing']);
  console.log(`6. through the CLI, ${(bytes / 1e6).toFixed(0)} MB JSONL: ingest ${ing.seconds.toFixed(1)} s (peak RSS ${ing.peakMb.toFixed(0)} MB); featurize --embedder hashing ${feat.seconds.toFixed(1)} s, ${(bytes / 1e6 / feat.seconds).toFixed(2)} MB/s, ${feat.summary.chunks} chunks, ${feat.summary.workers} workers, peak RSS ${feat.peakMb.toFixed(0)} MB (main thread and workers: one process)`);
}
