// bench/ask: answer quality offline on BEIR SciFact (../shared/data/scifact-dev, read in place).
// The corpus goes through the real CLI (`ingest`, `featurize --embedder hashing`), the claims
// through `llmops ask --in - --out - --extractive` (no model, no network), and the same claims
// through `inspect search`'s own code (the library's `search`, hybrid, k 5), in one run.
//
//   npm run bench:ask [-- --data ../shared/data/scifact-dev] [--queries 809] [--k 5] [--keep]
//
// citation recall@5: the share of questions whose answer cites at least one relevant abstract
// (the answer sees the top 5 chunks, so it can at best match search's hit rate@5). Beside it,
// search's hit rate@5 (share of questions with a relevant abstract in the top 5) and recall@5
// (share of the relevant abstracts in the top 5, averaged), and the share of citations that are
// relevant (precision).
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { search } from '../src/app/library.js';
import { openDatabase } from '../src/store/database.js';
import { parseDatabaseUrl } from '../src/store/database-url.js';

const BIN = fileURLToPath(new URL('../bin/llmops.js', import.meta.url));
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(fileURLToPath(new URL('..', import.meta.url)), '../shared/data/scifact-dev') },
    queries: { type: 'string' },
    k: { type: 'string', default: '5' },
    keep: { type: 'boolean' },
  },
});
const dataDir = values.data!;
const k = Number(values.k);
if (!existsSync(join(dataDir, 'corpus.jsonl.gz'))) {
  console.error(`bench/ask: no SciFact data at ${dataDir} (see ../shared/data/README.md)`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'llmops-ask-'));
const dbPath = join(work, 'scifact.db');
const corpusPath = join(work, 'corpus.jsonl');

function llmops(args: string[], input?: string) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [BIN, '--db', dbPath, '--json', ...args], { encoding: 'utf8', input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`llmops ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { seconds: (performance.now() - started) / 1000, stdout: r.stdout, stderr: r.stderr };
}
const lastJson = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!);

// The corpus as ingest reads it: SciFact's _id is the record id (kept as external_id).
const lines: string[] = [];
for await (const line of createInterface({ input: createReadStream(join(dataDir, 'corpus.jsonl.gz')).pipe(createGunzip()) })) {
  if (!line.trim()) continue;
  const d = JSON.parse(line) as { _id: string; title: string; text: string };
  lines.push(JSON.stringify({ id: d._id, title: d.title, text: d.text }));
}
writeFileSync(corpusPath, `${lines.join('\n')}\n`);

const qrels = new Map<string, Set<string>>();
for (const l of readFileSync(join(dataDir, 'qrels.tsv'), 'utf8').trim().split('\n').slice(1)) {
  const [q, d, s] = l.split('\t');
  if (Number(s) <= 0) continue;
  if (!qrels.has(q!)) qrels.set(q!, new Set());
  qrels.get(q!)!.add(d!);
}
let queries = readFileSync(join(dataDir, 'queries.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { _id: string; text: string })
  .filter((q) => qrels.has(q._id));
if (values.queries) queries = queries.slice(0, Number(values.queries));

const ingest = llmops(['-q', 'ingest', corpusPath, '--category', 'articles', '--source', 'scifact']);
console.log(`ingest: ${lastJson(ingest.stdout).inserted} documents in ${ingest.seconds.toFixed(1)} s`);
const f = llmops(['-q', 'featurize', '--embedder', 'hashing']);
console.log(`featurize hashing: ${lastJson(f.stdout).chunks} chunks in ${f.seconds.toFixed(1)} s`);

const db = await openDatabase(parseDatabaseUrl(dbPath));
const external = new Map((await db.db.selectFrom('documents').select(['id', 'external_id']).execute()).map((r) => [r.id, r.external_id!]));
await db.close();

// ask, as a pipeline would run it: every claim in one process, NDJSON in and out.
const input = queries.map((q) => JSON.stringify({ id: q._id, question: q.text })).join('\n');
const asked = llmops(['ask', '--in', '-', '--out', '-', '--extractive', '--k', String(k), '--concurrency', '4'], input);
type Line = { id: string; answer: string; citations: { document_id: string }[]; error?: string };
const answers = new Map(asked.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line).map((a) => [a.id, a]));

let cited = 0;
let citations = 0;
let relevantCitations = 0;
let dontKnow = 0;
let hits = 0;
let recall = 0;
const started = performance.now();
for (const q of queries) {
  const relevant = qrels.get(q._id)!;
  const a = answers.get(q._id);
  if (!a || a.error) throw new Error(`bench/ask: no answer for query ${q._id}${a?.error ? `: ${a.error}` : ''}`);
  const docs = a.citations.map((c) => external.get(c.document_id)!);
  if (docs.some((d) => relevant.has(d))) cited++;
  citations += docs.length;
  relevantCitations += docs.filter((d) => relevant.has(d)).length;
  if (a.citations.length === 0) dontKnow++;
  // inspect search's own code path (app layer), hybrid, the same k.
  const top = new Set((await search({ db: dbPath, collection: 'embedded_articles', query: q.text, k, mode: 'hybrid' })).map((h) => external.get(h.document_id)!));
  if ([...relevant].some((d) => top.has(d))) hits++;
  recall += [...relevant].filter((d) => top.has(d)).length / relevant.size;
}
const searchSeconds = (performance.now() - started) / 1000;

const n = queries.length;
const pct = (x: number) => x.toFixed(3);
console.log(`\nSciFact (BEIR), ${n} claims with judgements, ${external.size} abstracts; hashing embedder, hybrid search, k ${k}; extractive answers (no model)`);
console.log(`ask --in - --out - --extractive: ${n} answers in ${asked.seconds.toFixed(1)} s (${(n / asked.seconds).toFixed(1)}/s, one process, --concurrency 4)`);
console.log(`  citation recall@${k}            ${pct(cited / n)}   (questions whose citations include a relevant abstract)`);
console.log(`  citations per answer          ${(citations / n).toFixed(2)}   (precision: ${pct(relevantCitations / Math.max(1, citations))} of citations relevant; ${dontKnow} answers cite nothing)`);
console.log(`inspect search --mode hybrid --k ${k} (same questions, same run, ${searchSeconds.toFixed(1)} s):`);
console.log(`  hit rate@${k}                   ${pct(hits / n)}   (questions with a relevant abstract in the top ${k}: the ceiling of citation recall)`);
console.log(`  recall@${k}                     ${pct(recall / n)}   (share of the relevant abstracts in the top ${k}, averaged)`);
console.log(`  citation recall / hit rate    ${pct(cited / Math.max(1, hits))}`);
if (!values.keep) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${work}`);
