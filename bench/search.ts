// bench/search: vector search latency of the embedded store (SqliteVectorStore.search — the
// code `inspect search` uses) next to the engines it replaced and a plain JavaScript
// brute-force scan of the same vectors, in the same run, on random 384-d unit vectors:
//
//   quantized copy          the store's search: a scan of the 2-bit copy, then exact re-scoring
//                           (one-shot: the store opened, searched once and closed, as a single
//                           `inspect search` does, the copy read from its cache file; the same
//                           without that file, as the first search after a write, which reads
//                           the copy from SQLite and writes the file; and from an open store)
//   quantized, filtered     the same with a payload filter matching every point, and 1 in 10
//   sqlite-vec vec0 index   the index the store used before: a vec0 table built here from the
//                           same vectors, queried as the store did (KNN, then a join for payloads)
//   vec_distance_cosine     the filtered scan the store used before (filter matching every point)
//   JS brute force          every dot product in a loop over the vectors already in memory
//
// Every engine answers each query in turn, so a change of load on a shared machine weighs on
// all of them alike: compare figures of one run only. Recall is the share of the exact top k
// (the brute-force scan, restricted to the filter's matches for the filtered rows) that a
// search returns. Fresh process: one one-shot search in a new process (node + tsx), as an
// `inspect search` runs, for the quantized copy and for vec0: its time, the process's peak
// RSS and the growth of RSS across the search alone. Build: the store's upsert of all points
// (points + quantized copy); sizes: the file then, and the copy's share of it (its cache file
// beside the database, written by the first search, is the size of the codes).
//
//   node --import tsx bench/search.ts [--sizes 10000,100000] [--queries 50] [--k 10] [--fresh 5]
//   npm run bench:search -- --sizes 1000000 --queries 10 --fresh 3 [--skip-old]   (1M: ~25 min
//                           on 2 cores, most of it the engines the store replaced; --skip-old
//                           leaves those out; ~3 GB of RAM)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deterministicId } from '../src/core/ids.js';
import { openDatabase } from '../src/store/database.js';
import { parseDatabaseUrl } from '../src/store/database-url.js';
import { SqliteVectorStore } from '../src/vector/sqlite-vector-store.js';
import type { PayloadFilter } from '../src/vector/vector-store.js';
import { rng } from './rng.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    queries: { type: 'string', default: '50' },
    k: { type: 'string', default: '10' },
    fresh: { type: 'string', default: '5' },
    // leave out the engines the store replaced (vec0, vec_distance_cosine): minutes at 1M
    'skip-old': { type: 'boolean', default: false },
    // internal: one search in this (fresh) process, for the memory figures
    child: { type: 'string' },
  },
});
const DIM = 384;
const EMBEDDER = 'bench:random';
const k = Number(values.k);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]!;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(Math.abs(bytes) < 10 * 2 ** 20 ? 1 : 0)} MB`;
const signedMb = (bytes: number) => `${bytes >= 0 ? '+' : '−'}${mb(Math.abs(bytes))}`;

function unitVectors(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const m = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < DIM; d++) {
      const x = r() - 0.5;
      m[i * DIM + d] = x;
      s += x * x;
    }
    const inv = 1 / Math.sqrt(s);
    for (let d = 0; d < DIM; d++) m[i * DIM + d]! *= inv;
  }
  return m;
}

/** The baseline: every dot product in a loop, a k-sized insertion list for the top. */
function bruteForce(m: Float32Array, n: number, q: Float32Array, k: number, keep: (i: number) => boolean = () => true): number[] {
  const top: { s: number; i: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    let s = 0;
    const o = i * DIM;
    for (let d = 0; d < DIM; d++) s += m[o + d]! * q[d]!;
    if (top.length < k || s > top[top.length - 1]!.s) {
      let j = top.length < k ? top.length : k - 1;
      while (j > 0 && top[j - 1]!.s < s) {
        top[j] = top[j - 1]!;
        j--;
      }
      top[j] = { s, i };
      if (top.length > k) top.length = k;
    }
  }
  return top.map((t) => t.i);
}

async function searchOnce(path: string, qv: Float32Array, filter?: PayloadFilter) {
  const s = await SqliteVectorStore.open(path);
  try {
    return await s.search('bench', { vector: qv, embedder: EMBEDDER, k, filter });
  } finally {
    await s.close();
  }
}


/** The file, and the quantized copy's share of it (codes and filter hashes). */
async function storeSizes(path: string): Promise<string> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path, { readonly: true });
  try {
    const file = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    const codes = (db.prepare('select sum(length(codes)) as n from vector_quant_chunks').get() as { n: number }).n;
    const hashes = (db.prepare('select sum(length(hashes)) as n from vector_quant_filters').get() as { n: number }).n;
    return `file ${mb(file)}, copy ${mb(codes)} + ${mb(hashes)} hashes`;
  } finally {
    db.close();
  }
}

/** The vec0 index the store kept before the quantized copy, built from the same points. */
async function buildVec0(path: string): Promise<number> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path);
  (await import('sqlite-vec')).load(db);
  const t = performance.now();
  db.exec(`create virtual table bench_vec0 using vec0(embedding float[${DIM}] distance_metric=cosine)`);
  db.exec(`insert into bench_vec0(rowid, embedding) select seq, embedding from vector_points where collection = 'bench' and embedding is not null`);
  db.close();
  return (performance.now() - t) / 1000;
}

async function vec0Once(path: string, qv: Float32Array) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path);
  try {
    (await import('sqlite-vec')).load(db);
    db.pragma('mmap_size = 0');
    db.pragma('cache_size = -131072');
    return db
      .prepare(
        `select p.id, p.payload, knn.distance from (select rowid, distance from bench_vec0 where embedding match ? and k = ?) knn
         join vector_points p on p.seq = knn.rowid order by knn.distance, p.id`,
      )
      .all(Buffer.from(qv.buffer, qv.byteOffset, qv.byteLength), k) as { id: string }[];
  } finally {
    db.close();
  }
}

async function scanOnce(path: string, qv: Float32Array) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path);
  try {
    (await import('sqlite-vec')).load(db);
    return db
      .prepare(
        `select id, payload, vec_distance_cosine(embedding, ?) as distance from vector_points not indexed
         where collection = 'bench' and embedding is not null and json_extract(payload, '$.all') = 1 order by distance, id limit ?`,
      )
      .all(Buffer.from(qv.buffer, qv.byteOffset, qv.byteLength), k) as { id: string }[];
  } finally {
    db.close();
  }
}

if (values.child) {
  // A fresh process: RSS before and after one one-shot search (after the imports and a store
  // open and close, so the difference is the search's own).
  const [engine, path, seed] = values.child.split(',');
  const qv = unitVectors(1, Number(seed));
  await (await SqliteVectorStore.open(path!)).close();
  const before = process.memoryUsage().rss;
  const t = performance.now();
  await (engine === 'vec0' ? vec0Once(path!, qv) : searchOnce(path!, qv));
  const ms = performance.now() - t;
  // VmHWM, not getrusage's maxRSS: Linux carries maxRSS over from the parent (this bench, GBs).
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  console.log(JSON.stringify({ ms, grew: process.memoryUsage().rss - before, peak: hwm ? Number(hwm) * 1024 : process.resourceUsage().maxRSS * 1024 }));
  process.exit(0);
}

/** One-shot searches in fresh processes (node + tsx), as `inspect search` runs: time and memory. */
function freshProcesses(engine: 'quantized' | 'vec0', path: string, runs: number) {
  const script = fileURLToPath(import.meta.url);
  const out: { ms: number; grew: number; peak: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--child', `${engine},${path},${1000 + i}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
    out.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
  }
  return out;
}

const nQueries = Number(values.queries);
console.log(`vector search, ${DIM} dimensions, top ${k}, ${nQueries} queries per size (random unit vectors; exact search)`);
console.log('vectors    engine                                   p50 ms   p95 ms   recall@10   build / memory');
for (const n of values.sizes!.split(',').map(Number)) {
  const dir = mkdtempSync(join(tmpdir(), 'llmops-bench-search-'));
  const path = join(dir, 'v.db');
  const row = (engine: string, ts: number[], recall: string, note = '') =>
    console.log(`${n.toLocaleString('en-US').padEnd(10)} ${engine.padEnd(40)} ${pct(ts, 0.5).toFixed(1).padStart(7)}  ${pct(ts, 0.95).toFixed(1).padStart(7)}   ${recall.padStart(9)}   ${note}`);
  try {
    await (await openDatabase(parseDatabaseUrl(path))).close();
    const store = await SqliteVectorStore.open(path);
    await store.createCollection('bench', { embedder: EMBEDDER, dimension: DIM });
    const m = unitVectors(n, 7);
    const ids = Array.from({ length: n }, (_, i) => deterministicId('bench', String(i)));
    const built = performance.now();
    for (let i = 0; i < n; i += 5000) {
      const pts = [];
      for (let j = i; j < Math.min(n, i + 5000); j++) pts.push({ id: ids[j]!, vector: m.subarray(j * DIM, (j + 1) * DIM), payload: { i: j, all: true, tenth: j % 10 } });
      await store.upsert('bench', pts, EMBEDDER);
    }
    const buildS = (performance.now() - built) / 1000;
    await store.close();
    const sizes = await storeSizes(path);
    const old = !values['skip-old'];
    const vec0S = old ? await buildVec0(path) : 0;

    const queries = unitVectors(nQueries, 99);
    const query = (q: number) => queries.subarray(q * DIM, (q + 1) * DIM);
    const exact = (keep?: (i: number) => boolean) => Array.from({ length: nQueries }, (_, q) => new Set(bruteForce(m, n, query(q), k, keep).map((i) => ids[i]!)));
    const truth = exact();
    const truthTenth = exact((i) => i % 10 === 3);

    // Every engine answers each query in turn (in a shuffled order), so a change of load on the
    // shared machine during the run weighs on all of them alike.
    type Engine = { search: (qv: Float32Array) => Promise<{ id: string }[]> | { id: string }[]; truth: Set<string>[]; ts: number[]; found: number };
    const engine = (search: Engine['search'], t = truth): Engine => ({ search, truth: t, ts: [], found: 0 });
    const open = await SqliteVectorStore.open(path);
    const engines = {
      oneShot: engine((qv) => searchOnce(path, qv)),
      noCache: engine((qv) => {
        renameSync(`${path}-vq-bench`, `${path}-vq-moved`); // the search writes it again
        return searchOnce(path, qv);
      }),
      warm: engine((qv) => open.search('bench', { vector: qv, embedder: EMBEDDER, k })),
      all: engine((qv) => searchOnce(path, qv, { all: true })),
      tenth: engine((qv) => searchOnce(path, qv, { tenth: 3 }), truthTenth),
      ...(old ? { vec0: engine((qv) => vec0Once(path, qv)), scan: engine((qv) => scanOnce(path, qv)) } : {}),
      js: engine((qv) => bruteForce(m, n, qv, k).map((i) => ({ id: ids[i]! }))),
    };
    const list = Object.values(engines);
    for (const e of list) await e.search(query(0)); // the file in the OS page cache, as after featurize
    const rssBefore = process.memoryUsage().rss;
    const shuffle = rng(5);
    for (let q = 0; q < nQueries; q++) {
      // A new order for every query: in a fixed rotation each engine always ran after the same
      // one, and paid for its garbage (the filtered search after the long-lived store's: 1.6–1.9×
      // unfiltered at 100k in that order, 0.9× without the engines of before in the run).
      const order = list.map((e) => ({ e, r: shuffle() })).sort((x, y) => x.r - y.r);
      for (const { e } of order) {
        const t = performance.now();
        const hits = await e.search(query(q));
        e.ts.push(performance.now() - t);
        e.found += hits.filter((h) => e.truth[q]!.has(h.id)).length;
      }
    }
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    await open.close();
    const recall = (e: Engine) => (e.found / (nQueries * k)).toFixed(3);
    const { oneShot, noCache, warm, all, tenth, vec0, scan, js: jsScan } = engines;
    const tJs = jsScan.ts;
    const fresh = freshProcesses('quantized', path, Number(values.fresh));
    const freshVec0 = old ? freshProcesses('vec0', path, Number(values.fresh)) : [];
    const freshNote = (f: typeof fresh) => `peak RSS ${mb(pct(f.map((x) => x.peak), 0.5))}, search ${signedMb(pct(f.map((x) => x.grew), 0.5))} (${f.length} runs)`;

    row('quantized copy, one-shot', oneShot.ts, recall(oneShot), `${buildS.toFixed(1)} s upsert; ${sizes}`);
    row('quantized, one-shot, no cache file', noCache.ts, recall(noCache), 'the first search after a write');
    row('quantized copy, open store', warm.ts, recall(warm));
    const vsUnfiltered = (e: Engine) => `${(pct(e.ts, 0.5) / pct(oneShot.ts, 0.5)).toFixed(2)}× unfiltered`;
    row('quantized, filter matching all, one-shot', all.ts, recall(all), vsUnfiltered(all));
    row('quantized, filter matching 1/10, one-shot', tenth.ts, recall(tenth), vsUnfiltered(tenth));
    row('quantized copy, fresh process', fresh.map((f) => f.ms), 'n/a', freshNote(fresh));
    if (vec0 && scan) {
      row('sqlite-vec vec0 index, one-shot', vec0.ts, recall(vec0), `${vec0S.toFixed(1)} s index build`);
      row('sqlite-vec vec0 index, fresh process', freshVec0.map((f) => f.ms), 'n/a', freshNote(freshVec0));
      row('vec_distance_cosine scan, filter, one-shot', scan.ts, recall(scan));
    }
    row('JS brute force (vectors in memory)', tJs, recall(jsScan), `${mb(n * DIM * 4)} of float32`);
    console.log(`${''.padEnd(10)} quantized one-shot p50 / JS brute force p50 = ${(pct(oneShot.ts, 0.5) / pct(tJs, 0.5)).toFixed(2)}; RSS of this process ${signedMb(rssGrowth)} over the searches`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log('target (issue #15): at 100k, one-shot p50 ≤ 1/3 of JS brute force, recall@10 ≥ 0.99, filtered ≤ 1.5× unfiltered');
