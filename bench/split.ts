// bench/split: ingest + split of a generated JSONL corpus through the real CLI (SQLite), each
// figure beside its baseline in the same run:
//  - sentence finding alone, on the same texts: Intl.Segmenter, llmops's splitter in one
//    thread, and in the worker pool `split --workers N` uses;
//  - `llmops split` end to end at 1 and N workers and a sweep of --batch-size (documents per
//    transaction), and the floor under it: the same sentences inserted with one prepared
//    statement, nothing else, into today's sentences table and into two WITHOUT ROWID ones;
//  - a naive pipeline doing it all: readline + JSON.parse, one INSERT per row in autocommit,
//    Intl.Segmenter for sentences.
//
//   node --import tsx bench/split.ts [--mb 200] [--baseline-mb 20] [--repeat 3] [--workers N] [--batches 64,256,1024] [--keep]
//
// Prints throughput (MB/s, docs/s, sentences/s), CPU seconds and peak RSS for each.
import { copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { openSplitter } from '../src/split/split-workers.js';
import { splitSentences } from '../src/text/split-sentences.js';
import { WAL_AUTOCHECKPOINT_PAGES } from '../src/store/sqlite-pragmas.js';
import { fmt, rng, runLlmops } from './lib.mjs';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '200' },
    'baseline-mb': { type: 'string', default: '20' },
    repeat: { type: 'string', default: '3' },
    workers: { type: 'string', default: String(availableParallelism()) },
    batches: { type: 'string', default: '64,256,1024' },
    keep: { type: 'boolean' },
  },
});
const targetMb = Number(values.mb);
const baselineMb = Number(values['baseline-mb']);
const repeat = Number(values.repeat);
const workers = Number(values.workers);
const out = new URL('./out/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });

const WORDS = 'the a model data search vector results quarter revenue growth team users prompt latency cost customers market report analysts shares product release update service quality performance index document sentence answer question system pipeline evaluation retrieval chunk embedding token language company price rate percent'.split(' ');
const OPENERS = ['Dr. Smith said', 'According to the U.S. office,', 'In Q3 the company', 'Mr. Lee noted that', 'Analysts expect', 'The report, e.g. page 4, shows', 'On Jan. 5 the team'];

async function generate(path: string, mb: number) {
  const rand = rng(42);
  const pick = <T>(arr: T[]) => arr[Math.floor(rand() * arr.length)]!;
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

type Timing = { median: number; min: number; max: number; cpu: number };

/** Median and spread of `repeat` wall timings of `fn`, with the median CPU seconds of this process (every thread). */
function timed(fn: () => Promise<unknown> | unknown): Promise<Timing> {
  return timedEach(() => {}, fn);
}

/** `timed`, with `setup` run before each timing, outside it. */
async function timedEach(setup: () => void, fn: () => Promise<unknown> | unknown): Promise<Timing> {
  const s: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < repeat; i++) {
    setup();
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
const rate = (amount: number, t: Timing, d = 1) => `${fmt(amount / t.median, d)} (${fmt(amount / t.max, d)}–${fmt(amount / t.min, d)})`;

/** Sentence finding alone on the stored texts: no JSON, no database. */
async function segmentation(texts: string[]) {
  const mb = texts.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6;
  const seg = new Intl.Segmenter('en', { granularity: 'sentence' });
  const intl = await timed(() => {
    for (const t of texts) for (const s of seg.segment(t)) void s.segment.trim();
  });
  const ours = await timed(() => texts.forEach((t) => splitSentences(t)));
  const splitter = openSplitter(workers);
  const docs = texts.map((content, i) => ({ id: `d${i}`, content, content_hash: '' }));
  await splitter.split(docs.slice(0, 8)); // start-up is not throughput
  const pooled = await timed(async () => {
    const inflight: Promise<unknown>[] = [];
    for (let i = 0; i < docs.length; i += 256) {
      if (inflight.length >= splitter.depth) await inflight.shift();
      inflight.push(splitter.split(docs.slice(i, i + 256)));
    }
    await Promise.all(inflight);
  });
  await splitter.close();
  return { mb, intl, ours, pooled };
}

/**
 * Sentences tables the write floor is measured on: today's (offsets only, migration 0009: a
 * rowid table, its id key and its (document_id, idx) key, three B-trees), the same with the
 * text column it had before, and a WITHOUT ROWID one (two B-trees). `sql` rebuilds the empty
 * table in the floor's copy.
 */
const FLOOR_SCHEMAS: { name: string; sql?: string; text?: boolean }[] = [
  { name: "today's table (offsets only, 3 B-trees)" },
  { name: 'with the text column, as before migration 0009 (3)', text: true, sql: 'create table s2 (id text primary key, document_id text not null references documents (id) on delete cascade, idx integer not null, text text not null, start_offset integer not null, end_offset integer not null, unique (document_id, idx))' },
  { name: 'WITHOUT ROWID by (document_id, idx) (2)', sql: 'create table s2 (id text not null unique, document_id text not null references documents (id) on delete cascade, idx integer not null, start_offset integer not null, end_offset integer not null, primary key (document_id, idx)) without rowid' },
];

/** The floor under `llmops split`'s writes: its sentences, inserted with one prepared statement per row, 2,560 rows per transaction. */
async function insertFloor(splitDb: string, pristine: string, schema: { sql?: string; text?: boolean }) {
  const src = new Database(splitDb, { readonly: true });
  const rows = src.prepare('select id, document_id, idx, start_offset, end_offset from sentences order by document_id, idx').raw().all() as unknown[][];
  if (schema.text) {
    // The text column's value: the slice of the document, as split used to store it (one
    // document's content read at a time: a join would copy it into each of its sentences' rows).
    const content = src.prepare('select content from documents where id = ?').pluck();
    let doc: { id: unknown; text: string } = { id: undefined, text: '' };
    for (const r of rows) {
      if (r[1] !== doc.id) doc = { id: r[1], text: content.get(r[1]) as string };
      r.push(doc.text.slice(r[3] as number, r[4] as number));
    }
  }
  src.close();
  const path = join(out, 'bench-floor.db');
  const fresh = () => {
    for (const p of [path, `${path}-wal`, `${path}-shm`]) rmSync(p, { force: true });
    copyFileSync(pristine, path);
    if (!schema.sql) return;
    const db = new Database(path); // foreign keys off: the rebuild of an empty table
    db.exec(`${schema.sql}; drop table sentences; alter table s2 rename to sentences`);
    db.close();
  };
  return timedEach(fresh, () => {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    db.pragma('foreign_keys = ON');
    const ins = db.prepare(`insert into sentences (id, document_id, idx, start_offset, end_offset${schema.text ? ', text' : ''}) values (?, ?, ?, ?, ?${schema.text ? ', ?' : ''}) on conflict do nothing`);
    for (let i = 0; i < rows.length; i += 2560) db.transaction(() => rows.slice(i, i + 2560).forEach((r) => ins.run(r)))();
    db.close();
  });
}

async function baseline(corpus: string, dbPath: string, mb: number) {
  // The naive way: a row at a time, each INSERT its own transaction, reading line by line.
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.exec('create table documents (id text primary key, content text, content_hash text); create table sentences (id text primary key, document_id text, idx int, text text)');
  const insDoc = db.prepare('insert or ignore into documents values (?, ?, ?)');
  const insSen = db.prepare('insert or ignore into sentences values (?, ?, ?, ?)');
  const seg = new Intl.Segmenter('en', { granularity: 'sentence' });
  const limit = mb * 1e6;
  let bytes = 0;
  let docs = 0;
  let sentences = 0;
  const t0 = performance.now();
  const rl = createInterface({ input: createReadStream(corpus), crlfDelay: Infinity });
  for await (const line of rl) {
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > limit) break;
    const rec = JSON.parse(line) as { id: string; text: string };
    insDoc.run(rec.id, rec.text, createHash('sha256').update(rec.text).digest('hex'));
    docs++;
  }
  rl.close();
  const ingestS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  for (const row of db.prepare('select id, content from documents').all() as { id: string; content: string }[]) {
    let idx = 0;
    const rows: unknown[][] = [];
    for (const s of seg.segment(row.content)) {
      const text = s.segment.trim();
      if (text) rows.push([`${row.id}:${idx}`, row.id, idx++, text]);
    }
    for (const r of rows) insSen.run(...r);
    sentences += rows.length;
  }
  const splitS = (performance.now() - t1) / 1000;
  db.close();
  return { bytes: Math.min(bytes, limit), docs, sentences, ingestS, splitS };
}

const corpus = join(out, `corpus-${targetMb}mb.jsonl`);
if (!existsSync(corpus)) {
  process.stderr.write(`generating ${targetMb} MB corpus → ${corpus}\n`);
  await generate(corpus, targetMb);
}
const mb = statSync(corpus).size / 1e6;
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const loadBefore = load();
const dbPath = join(out, 'bench-split.db');
const pristine = join(out, 'bench-split-ingested.db');
for (const p of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, pristine]) rmSync(p, { force: true });

process.stderr.write('llmops ingest …\n');
const ing = await runLlmops(['--db', pristine, 'ingest', corpus]);
const ingested = new Database(pristine);
ingested.pragma('wal_checkpoint(TRUNCATE)');
const texts = (ingested.prepare('select content from documents').pluck().all() as string[]);
ingested.close();
const chars = texts.reduce((n, t) => n + t.length, 0);

process.stderr.write('sentence finding alone …\n');
const seg = await segmentation(texts);

const splitRows: string[][] = [];
const stages: [string, number][] = [];
const splitRun = async (n: number, batch: number) => {
  const runs = [];
  for (let i = 0; i < repeat; i++) {
    for (const p of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(p, { force: true });
    copyFileSync(pristine, dbPath);
    process.stderr.write(`llmops split --workers ${n} --batch-size ${batch} (${i + 1}/${repeat}) …\n`);
    runs.push(await runLlmops(['--db', dbPath, 'split', '--workers', String(n), '--batch-size', String(batch)]));
  }
  runs.sort((a, b) => a.seconds - b.seconds);
  const mid = runs[Math.floor(runs.length / 2)]!;
  const t = { median: mid.seconds, min: runs[0]!.seconds, max: runs.at(-1)!.seconds, cpu: mid.cpuSeconds };
  const stage = runs.map((r) => r.summary.mb_per_s as number).sort((a, b) => a - b);
  stages.push([`--workers ${n} --batch-size ${batch}`, stage[Math.floor(stage.length / 2)]!]);
  splitRows.push([`llmops split --workers ${n} --batch-size ${batch}`, fmt(mb), rate(mb, t), `${fmt(stage[Math.floor(stage.length / 2)]!)} (${fmt(stage[0]!)}–${fmt(stage.at(-1)!)})`, fmt(mid.summary.sentences / t.median, 0), fmt(mid.cpuSeconds), fmt(Math.max(...runs.map((r) => r.peakMb)), 0)]);
  return mid;
};
for (const batch of values.batches!.split(',').map(Number)) await splitRun(workers, batch);
await splitRun(1, 256);
process.stderr.write('insert floor …\n');
const floors: [string, Timing][] = [];
for (const f of FLOOR_SCHEMAS) floors.push([f.name, await insertFloor(dbPath, pristine, f)]);

process.stderr.write(`baseline on the first ${baselineMb} MB …\n`);
const basePath = join(out, 'bench-baseline.db');
for (const p of [basePath, `${basePath}-wal`, `${basePath}-shm`]) rmSync(p, { force: true });
const base = await baseline(corpus, basePath, baselineMb);

const textMb = seg.mb;
const rows = [
  ['', 'MB', 'MB/s', 'MB/s (stage)', 'sentences/s', 'CPU s', 'peak RSS MB'],
  ['llmops ingest', fmt(mb), fmt(mb / ing.seconds), '', '', fmt(ing.cpuSeconds), fmt(ing.peakMb, 0)],
  ...splitRows,
  ['sentence texts alone: Intl.Segmenter', fmt(textMb), rate(textMb, seg.intl), '', '', fmt(seg.intl.cpu), ''],
  ['sentence texts alone: llmops splitter, 1 thread', fmt(textMb), rate(textMb, seg.ours), '', '', fmt(seg.ours.cpu), ''],
  [`sentence texts alone: llmops splitter, ${workers} workers`, fmt(textMb), rate(textMb, seg.pooled), '', '', fmt(seg.pooled.cpu), ''],
  ...floors.map(([name, t]) => [`sentence rows alone (write floor): ${name}`, fmt(textMb), rate(textMb, t), '', '', fmt(t.cpu), '']),
  ['baseline ingest (row at a time)', fmt(base.bytes / 1e6), fmt(base.bytes / 1e6 / base.ingestS), '', '', '', ''],
  ['baseline split (Intl.Segmenter, row at a time)', fmt(base.bytes / 1e6), fmt(base.bytes / 1e6 / base.splitS), '', fmt(base.sentences / base.splitS, 0), '', ''],
];
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
console.log(
  `bench/split — ${fmt(mb)} MB JSONL (${fmt(chars / 1e6)} M characters of text), ${Number(ing.summary.inserted).toLocaleString()} documents, SQLite, node ${process.version}, ${availableParallelism()} cores, load ${loadBefore} → ${load()}; ${repeat} runs: median (slowest–fastest)`,
);
for (const r of rows) console.log(r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]!) : String(v).padStart(widths[c]!))).join('  '));
const intlRate = textMb / seg.intl.median;
console.log(`split's stage rate against Intl.Segmenter alone (${fmt(intlRate)} MB/s): ${stages.map(([name, r]) => `${name} ${fmt((100 * r) / intlRate, 0)}%`).join(', ')}`);
console.log('targets: ingest >= 20 MB/s, split >= 10 MB/s (~100k sentences/s), split >= 50% of Intl.Segmenter alone, peak RSS < 300 MB');
console.log('MB/s: JSONL input bytes per wall second of the whole command (start-up, parse, write, commit); MB/s (stage): the command\'s own report, text characters per second of its work; "alone" rows: text MB.');
if (!values.keep) for (const p of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, pristine, `${pristine}-wal`, `${pristine}-shm`, basePath, `${basePath}-wal`, `${basePath}-shm`, join(out, 'bench-floor.db'), join(out, 'bench-floor.db-wal'), join(out, 'bench-floor.db-shm')]) rmSync(p, { force: true });
