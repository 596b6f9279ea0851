// bench/search: vector search latency of the embedded store (SqliteVectorStore.search — the
// code `inspect search` uses) next to a plain JavaScript brute-force scan of the same vectors
// in the same run, at 10k and 100k random 384-d unit vectors. Store paths: the collection's
// sqlite-vec vec0 index, one-shot (the store opened, searched once and closed, as a single
// `inspect search` does) and from an open store; and the filtered search, a scan of the points
// with vec_distance_cosine and a payload filter. Recall is the share of the exact top 10 (the
// brute-force scan) that the store returns.
//
//   node --import tsx bench/search.ts [--sizes 10000,100000] [--queries 50] [--k 10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deterministicId } from '../src/core/ids.js';
import { openDatabase } from '../src/store/database.js';
import { parseDatabaseUrl } from '../src/store/database-url.js';
import { SqliteVectorStore } from '../src/vector/sqlite-vector-store.js';
import { rng } from './rng.js';


const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000' }, queries: { type: 'string', default: '50' }, k: { type: 'string', default: '10' } } });
const DIM = 384;
const sizes = values.sizes!.split(',').map(Number);
const nQueries = Number(values.queries);
const k = Number(values.k);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]!;

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
function bruteForce(m: Float32Array, n: number, q: Float32Array, k: number): number[] {
  const top: { s: number; i: number }[] = [];
  for (let i = 0; i < n; i++) {
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

console.log(`vector search, ${DIM} dimensions, top ${k}, ${nQueries} queries per size (random unit vectors; exact search)`);
console.log('vectors   engine                          p50 ms   p95 ms   recall@10   build');
for (const n of sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'llmops-bench-search-'));
  const path = join(dir, 'v.db');
  try {
    await (await openDatabase(parseDatabaseUrl(path))).close();
    const store = await SqliteVectorStore.open(path);
    await store.createCollection('bench', { embedder: 'bench:random', dimension: DIM });
    const m = unitVectors(n, 7);
    const ids = Array.from({ length: n }, (_, i) => deterministicId('bench', String(i)));
    const built = performance.now();
    for (let i = 0; i < n; i += 5000) {
      const pts = [];
      for (let j = i; j < Math.min(n, i + 5000); j++) pts.push({ id: ids[j]!, vector: m.subarray(j * DIM, (j + 1) * DIM), payload: { i: j, all: true } });
      await store.upsert('bench', pts, 'bench:random');
    }
    const buildS = (performance.now() - built) / 1000;
    const queries = unitVectors(nQueries, 99);
    const exact: Set<string>[] = [];
    const tJs: number[] = [];
    for (let q = 0; q < nQueries; q++) {
      const t = performance.now();
      const top = bruteForce(m, n, queries.subarray(q * DIM, (q + 1) * DIM), k);
      tJs.push(performance.now() - t);
      exact.push(new Set(top.map((i) => ids[i]!)));
    }
    await store.close();

    type Search = (qv: Float32Array) => Promise<{ id: string }[]>;
    const measure = async (search: Search) => {
      const ts: number[] = [];
      let found = 0;
      await search(queries.subarray(0, DIM)); // the file in the OS page cache, as after featurize
      for (let q = 0; q < nQueries; q++) {
        const qv = queries.subarray(q * DIM, (q + 1) * DIM);
        const t = performance.now();
        const hits = await search(qv);
        ts.push(performance.now() - t);
        found += hits.filter((h) => exact[q]!.has(h.id)).length;
      }
      return { ts, recall: (found / (nQueries * k)).toFixed(3) };
    };
    const oneShot = await measure(async (qv) => {
      const s = await SqliteVectorStore.open(path);
      try {
        return await s.search('bench', { vector: qv, embedder: 'bench:random', k });
      } finally {
        await s.close();
      }
    });
    const open = await SqliteVectorStore.open(path);
    const warm = await measure((qv) => open.search('bench', { vector: qv, embedder: 'bench:random', k }));
    const filtered = await measure((qv) => open.search('bench', { vector: qv, embedder: 'bench:random', k, filter: { all: true } }));
    await open.close();
    const row = (engine: string, ts: number[], recall: string, build: string) =>
      console.log(`${n.toLocaleString('en-US').padEnd(9)} ${engine.padEnd(30)} ${pct(ts, 0.5).toFixed(1).padStart(7)}  ${pct(ts, 0.95).toFixed(1).padStart(7)}   ${recall.padStart(9)}   ${build}`);
    row('sqlite-vec index, one-shot', oneShot.ts, oneShot.recall, `${buildS.toFixed(1)} s insert`);
    row('sqlite-vec index, open store', warm.ts, warm.recall, '');
    row('filtered scan (payload filter)', filtered.ts, filtered.recall, '');
    row('JS brute force', tJs, '1.000', 'in memory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log('target: p50 < 50 ms at 100k vectors with exact recall');
