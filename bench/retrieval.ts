// bench/retrieval: retrieval quality on BEIR SciFact (../shared/data/scifact-dev, read in place,
// never copied into the project). The corpus goes through the real CLI (`ingest`, then
// `featurize`), the queries through searchCollection — the same code as `inspect search` — and
// documents are ranked by their best chunk. Prints nDCG@10 and recall@100 per mode, over all
// queries and over each half (even and odd positions): the hybrid defaults were chosen on the
// even half, so the odd half is held out.
//
//   npm run build && node --import tsx bench/retrieval.ts [--data ../shared/data/scifact-dev] [--queries 809]
//       [--hashing-dimension 1024] [--fusion convex|rrf] [--rrf-k 10] [--vector-weight 0.15] [--feedback 1] [--keep]
//
// MiniLM runs too when its weights are in LLMOPS_MODELS_DIR (or ~/.cache/llmops/models).
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/store/database.js';
import { parseDatabaseUrl } from '../src/store/database-url.js';
import { openVectorStore } from '../src/vector/open-vector-store.js';
import { embedderFromId } from '../src/embed/create-embedder.js';
import { defaultModelsDir, MINILM_MODEL } from '../src/embed/transformers-embedder.js';
import { searchCollection, type Fusion, type SearchMode } from '../src/search/search-collection.js';

const BIN = fileURLToPath(new URL('../bin/llmops.js', import.meta.url));
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(fileURLToPath(new URL('..', import.meta.url)), '../shared/data/scifact-dev') },
    queries: { type: 'string' },
    keep: { type: 'boolean' },
    fusion: { type: 'string' },
    feedback: { type: 'string' },
    'rrf-k': { type: 'string' },
    'vector-weight': { type: 'string' },
    'hashing-dimension': { type: 'string' },
  },
});
const dataDir = values.data!;
if (!existsSync(join(dataDir, 'corpus.jsonl.gz'))) {
  console.error(`bench/retrieval: no SciFact data at ${dataDir} (see ../shared/data/README.md)`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'llmops-retrieval-'));
const dbPath = join(work, 'scifact.db');
const corpusPath = join(work, 'corpus.jsonl');

function llmops(args: string[]) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [BIN, '--db', dbPath, '--json', '-q', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`llmops ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { seconds: (performance.now() - started) / 1000, summary: JSON.parse(r.stdout.trim().split('\n').at(-1)!) };
}

// The corpus as our ingest reads it: SciFact's _id is the record id (kept as external_id).
const lines: string[] = [];
for await (const line of createInterface({ input: createReadStream(join(dataDir, 'corpus.jsonl.gz')).pipe(createGunzip()) })) {
  if (!line.trim()) continue;
  const d = JSON.parse(line) as { _id: string; title: string; text: string };
  lines.push(JSON.stringify({ id: d._id, title: d.title, text: d.text }));
}
writeFileSync(corpusPath, `${lines.join('\n')}\n`);

const qrels = new Map<string, Map<string, number>>();
for (const l of readFileSync(join(dataDir, 'qrels.tsv'), 'utf8').trim().split('\n').slice(1)) {
  const [q, d, s] = l.split('\t');
  if (!qrels.has(q!)) qrels.set(q!, new Map());
  qrels.get(q!)!.set(d!, Number(s));
}
let queries = readFileSync(join(dataDir, 'queries.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { _id: string; text: string })
  .filter((q) => qrels.has(q._id));
if (values.queries) queries = queries.slice(0, Number(values.queries));

const ingest = llmops(['ingest', corpusPath, '--category', 'articles', '--source', 'scifact']);
console.log(`ingest: ${ingest.summary.inserted} documents in ${ingest.seconds.toFixed(1)} s`);

const embedders = ['hashing'];
const minilmDir = join(process.env.LLMOPS_MODELS_DIR ?? defaultModelsDir(), MINILM_MODEL, 'config.json');
if (existsSync(minilmDir)) embedders.push('minilm');
else console.log(`minilm: SKIPPED (no weights at ${minilmDir})`);

function ndcgAt10(ranked: string[], rel: Map<string, number>): number {
  let dcg = 0;
  ranked.slice(0, 10).forEach((d, i) => (dcg += (rel.get(d) ?? 0) / Math.log2(i + 2)));
  const ideal = [...rel.values()].sort((a, b) => b - a).slice(0, 10);
  const idcg = ideal.reduce((s, r, i) => s + r / Math.log2(i + 2), 0);
  return idcg === 0 ? 0 : dcg / idcg;
}
function recallAt100(ranked: string[], rel: Map<string, number>): number {
  const top = new Set(ranked.slice(0, 100));
  const relevant = [...rel].filter(([, s]) => s > 0).map(([d]) => d);
  return relevant.filter((d) => top.has(d)).length / relevant.length;
}

type Scores = { ndcg10: number; recall100: number };
const results: ({ embedder: string; mode: string; ms: number; even: Scores; odd: Scores } & Scores)[] = [];
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
for (const name of embedders) {
  // One database per embedder run: a collection holds one embedder's vectors.
  const dim = name === 'hashing' && values['hashing-dimension'] ? ['--dimension', values['hashing-dimension']] : [];
  const f = llmops(['featurize', '--embedder', name, '--recreate', ...dim]);
  console.log(`featurize ${name}: ${f.summary.documents} documents → ${f.summary.chunks} chunks in ${f.seconds.toFixed(1)} s (${f.summary.chunks_per_s} chunks/s)`);
  const db = await openDatabase(parseDatabaseUrl(dbPath));
  const vectors = await openVectorStore(parseDatabaseUrl(dbPath), 'sqlite');
  const info = await vectors.getCollection('embedded_articles');
  const embedder = await embedderFromId(info!.embedder!);
  const ext = new Map((await db.db.selectFrom('documents').select(['id', 'external_id']).execute()).map((r) => [r.id, r.external_id!]));
  const modes: SearchMode[] = name === 'hashing' ? ['lexical', 'vector', 'hybrid'] : ['vector', 'hybrid'];
  for (const mode of modes) {
    // [all, even positions, odd positions] × [nDCG@10, recall@100]
    const sums = [0, 1, 2].map(() => ({ ndcg10: 0, recall100: 0, n: 0 }));
    const started = performance.now();
    for (const [i, q] of queries.entries()) {
      const hits = await searchCollection({
        db: db.db,
        engine: 'sqlite',
        vectors,
        collection: 'embedded_articles',
        query: q.text,
        k: 300,
        depth: 300,
        mode,
        embedder,
        fusion: values.fusion as Fusion | undefined,
        rrfK: num(values['rrf-k']),
        vectorWeight: num(values['vector-weight']),
        feedback: num(values.feedback),
      });
      const ranked: string[] = [];
      const seen = new Set<string>();
      for (const h of hits) {
        const d = ext.get(h.document_id)!;
        if (!seen.has(d)) {
          seen.add(d);
          ranked.push(d);
        }
      }
      const n = ndcgAt10(ranked, qrels.get(q._id)!);
      const r = recallAt100(ranked, qrels.get(q._id)!);
      for (const s of [sums[0]!, sums[1 + (i % 2)]!]) {
        s.ndcg10 += n;
        s.recall100 += r;
        s.n++;
      }
    }
    const ms = (performance.now() - started) / queries.length;
    const [all, even, odd] = sums.map((s) => ({ ndcg10: s.ndcg10 / Math.max(1, s.n), recall100: s.recall100 / Math.max(1, s.n) }));
    results.push({ embedder: name, mode, ...all!, even: even!, odd: odd!, ms });
  }
  await embedder.close?.();
  await vectors.close();
  await db.close();
}

console.log(`\nSciFact (BEIR), ${queries.length} queries with judgements, 5,183 abstracts; documents ranked by their best chunk`);
console.log('                    all queries          even (tune)          odd (held out)');
console.log('embedder  mode      nDCG@10  recall@100  nDCG@10  recall@100  nDCG@10  recall@100  ms/query');
const cell = (s: Scores) => `${s.ndcg10.toFixed(4).padStart(7)}  ${s.recall100.toFixed(3).padStart(10)}`;
for (const r of results) console.log(`${r.embedder.padEnd(9)} ${r.mode.padEnd(9)} ${cell(r)}  ${cell(r.even)}  ${cell(r.odd)}  ${r.ms.toFixed(1).padStart(8)}`);
console.log('published (BEIR test queries): BM25 0.665 (title+text fields) – 0.679 (one field); all-MiniLM-L6-v2 0.645');
const lex = results.find((r) => r.mode === 'lexical')!;
const vec = results.find((r) => r.embedder === 'hashing' && r.mode === 'vector')!;
const hyb = results.find((r) => r.embedder === 'hashing' && r.mode === 'hybrid')!;
const beats = (h: Scores, l: Scores, v: Scores) => h.ndcg10 > l.ndcg10 && h.ndcg10 > v.ndcg10 && h.recall100 >= Math.max(l.recall100, v.recall100);
const met = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
console.log(
  `targets: lexical ≥ 0.665: ${met(lex.ndcg10 >= 0.665)}; hybrid > lexical and > vector (nDCG@10, recall@100 not lower): ` +
    `all ${met(beats(hyb, lex, vec))}, even ${met(beats(hyb.even, lex.even, vec.even))}, odd ${met(beats(hyb.odd, lex.odd, vec.odd))}`,
);
if (!values.keep) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${work}`);
