// bench/split: ingest + split of a generated JSONL corpus through the real CLI (SQLite),
// next to a naive baseline doing the same work in the same run: readline + JSON.parse, one
// INSERT per row in autocommit, Intl.Segmenter for sentences.
//
//   node bench/split.mjs [--mb 200] [--baseline-mb 20] [--keep]
//
// Prints throughput (MB/s, docs/s, sentences/s) and peak RSS for each.
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { fmt, rng, runLlmops } from './lib.mjs';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '200' }, 'baseline-mb': { type: 'string', default: '20' }, keep: { type: 'boolean' } } });
const targetMb = Number(values.mb);
const baselineMb = Number(values['baseline-mb']);
const out = new URL('./out/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });

const WORDS = 'the a model data search vector results quarter revenue growth team users prompt latency cost customers market report analysts shares product release update service quality performance index document sentence answer question system pipeline evaluation retrieval chunk embedding token language company price rate percent'.split(' ');
const OPENERS = ['Dr. Smith said', 'According to the U.S. office,', 'In Q3 the company', 'Mr. Lee noted that', 'Analysts expect', 'The report, e.g. page 4, shows', 'On Jan. 5 the team'];

async function generate(path, mb) {
  const rand = rng(42);
  const pick = (arr) => arr[Math.floor(rand() * arr.length)];
  const w = createWriteStream(path);
  let bytes = 0;
  let i = 0;
  while (bytes < mb * 1e6) {
    const sentences = [];
    const n = 4 + Math.floor(rand() * 12);
    for (let s = 0; s < n; s++) {
      const len = 8 + Math.floor(rand() * 14);
      const words = [pick(OPENERS)];
      for (let k = 0; k < len; k++) words.push(pick(WORDS));
      if (rand() < 0.2) words.push(`${(rand() * 100).toFixed(1)}%`);
      sentences.push(`${words.join(' ')}${pick(['.', '.', '.', '!', '?'])}`);
      if (rand() < 0.1) sentences.push('\n\n');
    }
    const line = `${JSON.stringify({ id: `doc-${i++}`, title: `Generated ${i}`, category: pick(['articles', 'posts', 'reviews']), text: sentences.join(' ') })}\n`;
    bytes += Buffer.byteLength(line);
    if (!w.write(line)) await once(w, 'drain');
  }
  w.end();
  await once(w, 'finish');
  return i;
}

async function baseline(corpus, dbPath, mb) {
  // The naive way: a row at a time, each INSERT its own transaction, reading line by line.
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.exec('create table documents (id text primary key, content text, content_hash text); create table sentences (id text primary key, document_id text, idx int, text text)');
  const insDoc = db.prepare('insert or ignore into documents values (?, ?, ?)');
  const insSen = db.prepare('insert or ignore into sentences values (?, ?, ?, ?)');
  const seg = new Intl.Segmenter('en', { granularity: 'sentence' });
  const limit = mb * 1e6;
  let bytes = 0, docs = 0, sentences = 0;
  const t0 = performance.now();
  const rl = createInterface({ input: createReadStream(corpus), crlfDelay: Infinity });
  for await (const line of rl) {
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > limit) break;
    const rec = JSON.parse(line);
    insDoc.run(rec.id, rec.text, createHash('sha256').update(rec.text).digest('hex'));
    docs++;
  }
  rl.close();
  const ingestS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  let chars = 0;
  for (const row of db.prepare('select id, content from documents').all()) {
    chars += row.content.length;
    let idx = 0;
    const rows = [];
    for (const s of seg.segment(row.content)) {
      const text = s.segment.trim();
      if (text) rows.push([`${row.id}:${idx}`, row.id, idx++, text]);
    }
    for (const r of rows) insSen.run(...r);
    sentences += rows.length;
  }
  const splitS = (performance.now() - t1) / 1000;
  db.close();
  const peakMb = process.resourceUsage().maxRSS / 1024;
  return { bytes: Math.min(bytes, limit), docs, sentences, chars, ingestS, splitS, peakMb };
}

const corpus = join(out, `corpus-${targetMb}mb.jsonl`);
if (!existsSync(corpus)) {
  process.stderr.write(`generating ${targetMb} MB corpus → ${corpus}\n`);
  await generate(corpus, targetMb);
}
const corpusBytes = statSync(corpus).size;
const dbPath = join(out, 'bench-split.db');
for (const p of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(p, { force: true });

process.stderr.write('llmops ingest …\n');
const ing = await runLlmops(['--db', dbPath, 'ingest', corpus]);
process.stderr.write('llmops split …\n');
const spl = await runLlmops(['--db', dbPath, 'split']);

process.stderr.write(`baseline on the first ${baselineMb} MB …\n`);
const basePath = join(out, 'bench-baseline.db');
for (const p of [basePath, `${basePath}-wal`, `${basePath}-shm`]) rmSync(p, { force: true });
const base = await baseline(corpus, basePath, baselineMb);

const mb = corpusBytes / 1e6;
const rows = [
  ['', 'MB', 'MB/s', 'docs/s', 'sentences/s', 'peak RSS MB'],
  ['llmops ingest', fmt(mb), fmt(mb / ing.seconds), fmt(ing.summary.inserted / ing.seconds, 0), '', fmt(ing.peakMb, 0)],
  ['llmops split', fmt(mb), fmt(mb / spl.seconds), fmt(spl.summary.documents / spl.seconds, 0), fmt(spl.summary.sentences / spl.seconds, 0), fmt(spl.peakMb, 0)],
  ['baseline ingest (row at a time)', fmt(base.bytes / 1e6), fmt(base.bytes / 1e6 / base.ingestS), fmt(base.docs / base.ingestS, 0), '', ''],
  ['baseline split (Intl.Segmenter, row at a time)', fmt(base.bytes / 1e6), fmt(base.bytes / 1e6 / base.splitS), fmt(base.docs / base.splitS, 0), fmt(base.sentences / base.splitS, 0), fmt(base.peakMb, 0)],
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
console.log(`bench/split — ${fmt(mb)} MB JSONL, ${ing.summary.inserted.toLocaleString()} documents, ${spl.summary.sentences.toLocaleString()} sentences, SQLite, node ${process.version}`);
for (const r of rows) console.log(r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join('  '));
console.log('targets: ingest >= 20 MB/s, split >= 10 MB/s (~100k sentences/s), peak RSS < 300 MB');
console.log('MB/s is JSONL input bytes per wall second of the whole command (start-up, parse, write, commit).');
if (!values.keep) for (const p of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, basePath, `${basePath}-wal`, `${basePath}-shm`]) rmSync(p, { force: true });
