import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { finishRun, startRun } from '../../src/store/runs-repo.js';
import { ENGINES, engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';
import stringWidth from 'string-width';
import { hasScript, ndjson, runCli, runOnTerminal } from '../helpers/cli.js';
import { seedDocuments } from '../helpers/seed.js';
import { embedderFromId } from '../../src/embed/create-embedder.js';
import { openVectorStore } from '../../src/vector/open-vector-store.js';
import { searchCollection, type Fusion, type SearchMode } from '../../src/search/search-collection.js';
import { parseFilters } from '../../src/vector/vector-store.js';
import { startFakeQdrant, type FakeQdrant } from '../fakes/qdrant-server.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '../helpers/chromium.js';

const dir = tempDir();
afterAll(() => dir.remove());

const docs = [
  { id: 'a1', category: 'articles', title: 'Tuning BM25', text: 'BM25 ranks documents by term frequency and inverse document frequency. Saturation keeps one repeated word from dominating.', metadata: { lang: 'en', tags: ['search'] }, extra: 42 },
  { id: 'a2', category: 'articles', title: 'Dense retrieval', text: 'Dense retrieval embeds queries and passages into vectors and compares them by cosine similarity.', url: 'https://example.com/dense' },
  { id: 'p1', category: 'posts', author: 'kim', text: 'Hybrid search with reciprocal rank fusion beat both of its parts on our data!' },
  { id: 'p2', category: 'posts', author: 'lee', text: 'Our cat knocked the coffee over the keyboard again this morning.' },
];

async function seedCallsAndCrawl(db: Db) {
  const now = Date.now();
  const call = (i: number, day: number) => ({
    id: `call-${i}`,
    trace_id: `t-${i}`,
    provider: 'anthropic',
    model: 'claude-test',
    task: 'sentiment',
    system: null,
    messages: '[]',
    parameters: '{}',
    response: '{"label":"positive"}',
    raw: null,
    input_tokens: 100 + i,
    output_tokens: 10,
    cost_usd: 0.001 * (i + 1),
    latency_ms: 200 + 10 * i,
    finish_reason: 'stop',
    status: 'ok',
    error: null,
    repaired_from: null,
    created_at: new Date(now - day * 86_400_000).toISOString(),
  });
  await db.db.insertInto('llm_calls').values([call(0, 2), call(1, 1), call(2, 0), call(3, 0)]).execute();
  const run = await startRun(db.db, 'crawl', ['crawl']);
  await finishRun(db.db, run, { status: 'partial', counts: { domains: { 'example.com': { attempted: 3, succeeded: 2, failed: 1, skipped: 0, reasons: [] }, 'github.com': { attempted: 1, succeeded: 1, failed: 0, skipped: 0, reasons: [] } } } });
}

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`llmops inspect (${engine})`, () => {
    let url: string;
    let cleanup: () => Promise<void>;
    let db: Db;
    let fake: FakeQdrant | undefined;
    let env: Record<string, string | undefined>;
    beforeAll(async () => {
      ({ url, cleanup } = await freshDatabase(engine));
      db = await openDatabase(parseDatabaseUrl(url));
      // PostgreSQL keeps vectors in Qdrant: here the local fake of its REST API.
      if (engine === 'postgres') fake = await startFakeQdrant();
      env = { QDRANT_URL: fake?.url };
      await seedDocuments(db, docs, { split: true });
      const f = await runCli(['--db', url, 'featurize', '--embedder', 'hashing'], { env });
      expect(f.code, f.stderr).toBe(0);
      await seedCallsAndCrawl(db);
    });
    afterAll(async () => {
      await db?.close();
      await fake?.close();
      await cleanup?.();
    });

    /** `inspect search` in-process: the same steps as the command, defaults k 10, hybrid. */
    async function search(collection: string, query: string, o: { mode?: SearchMode; k?: number; fusion?: Fusion; feedback?: number; filter?: string[] } = {}) {
      const vectors = await openVectorStore(parseDatabaseUrl(url), 'auto', fake?.url);
      try {
        const info = await vectors.getCollection(collection);
        const mode = o.mode ?? 'hybrid';
        const embedder = mode === 'lexical' ? undefined : await embedderFromId(info!.embedder!);
        try {
          return await searchCollection({ db: db.db, engine: db.engine, vectors, collection, query, k: o.k ?? 10, mode, fusion: o.fusion, feedback: o.feedback, filter: parseFilters(o.filter), embedder });
        } finally {
          await embedder?.close?.();
        }
      } finally {
        await vectors.close();
      }
    }

    it('a --limit past 2^63 means all, on SQLite and PostgreSQL (it was "datatype mismatch")', async () => {
      for (const args of [['documents'], ['sentences'], ['runs'], ['sample', 'embedded_posts']]) {
        const r = await runCli(['--db', url, 'inspect', ...args, '--limit', '99999999999999999999'], { env });
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
        expect(ndjson(r.stdout).length, args.join(' ')).toBeGreaterThan(0);
      }
      expect(ndjson((await runCli(['--db', url, 'inspect', 'documents', '--limit', '99999999999999999999'], { env })).stdout).length).toBe(docs.length);
    });

    it('search: lexical (BM25), vector and hybrid (fused) find the right chunk; filters narrow it', async () => {
      // What the hits are is checked in-process (the command's own search code); the CLI is
      // spawned below only for what its boundary decides: flags refused with exit 2.
      for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
        const hits = await search('embedded_articles', 'inverse document frequency saturation', { mode, k: 2 });
        expect(hits[0]).toMatchObject({ rank: 1, chunk_index: 0 });
        expect(hits[0]!.text).toMatch(/^Tuning BM25/);
      }
      const cli = await runCli(['--db', url, 'inspect', 'search', 'embedded_posts', '--query', 'rank fusion', '--k', '5'], { env });
      expect(cli.code, cli.stderr).toBe(0);
      const h = ndjson(cli.stdout);
      expect(h[0]).toMatchObject({ lexical_rank: 1, vector_rank: 1 });
      for (const fusion of [{ fusion: 'rrf' }, { fusion: 'convex', feedback: 0 }] as const) {
        const r = await search('embedded_posts', 'rank fusion', { k: 5, ...fusion });
        expect(r[0], JSON.stringify(fusion)).toMatchObject({ rank: 1, id: h[0].id, lexical_rank: 1, vector_rank: 1 });
      }
      const badFusion = await runCli(['--db', url, 'inspect', 'search', 'embedded_posts', '--query', 'x', '--fusion', 'max'], { env });
      expect(badFusion.code).toBe(2);
      expect(badFusion.stderr).toMatch(/--fusion: expected rrf or convex/);
      const docId = h[0].document_id;
      const filtered = await search('embedded_posts', 'coffee keyboard', { mode: 'vector', filter: [`document_id=${docId}`] });
      expect(filtered.map((x) => x.document_id)).toEqual([docId]);
      const bad = await runCli(['--db', url, 'inspect', 'search', 'embedded_posts', '--query', 'x', '--mode', 'semantic'], { env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--mode: expected vector, lexical or hybrid/);
      const missing = await runCli(['--db', url, 'inspect', 'search', 'embedded_nothing', '--query', 'x'], { env });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/no collection named embedded_nothing/);
    });

    it('search --filter on a key named like an Object member (constructor, __proto__): lexical refuses it in one line, vector finds no point with it', async () => {
      for (const key of ['constructor', '__proto__', 'toString']) {
        const r = await runCli(['--db', url, 'inspect', 'search', 'embedded_posts', '--query', 'rank fusion', '--mode', 'lexical', '--filter', `${key}=x`], { env });
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toBe(`llmops: --filter ${key}: lexical search filters on document_id, category, chunk_index (vector search on any payload key)\n`);
        expect(await search('embedded_posts', 'rank fusion', { mode: 'vector', filter: [`${key}=zzz`] }), key).toEqual([]);
      }
      expect(await search('embedded_posts', 'rank fusion', { mode: 'vector' })).not.toEqual([]);
    });

    it('search: every hit names its document (title, link, category, author, metadata) and marks the query words in a snippet', async () => {
      for (const mode of ['lexical', 'vector', 'hybrid']) {
        const r = await runCli(['--db', url, 'inspect', 'search', 'embedded_articles', '--query', 'inverse document frequency', '--mode', mode, '--k', '2'], { env });
        expect(r.code, r.stderr).toBe(0);
        const hits = ndjson(r.stdout);
        // Lexically only the BM25 article has the words; by meaning both articles come back.
        expect(hits, mode).toHaveLength(mode === 'lexical' ? 1 : 2);
        for (const h of hits) for (const key of ['title', 'link', 'category', 'author', 'source', 'metadata', 'chunk_index', 'token_count', 'snippet', 'highlights']) expect(h, `${mode} ${key}`).toHaveProperty(key);
        const [bm25, dense] = [hits.find((h) => h.title === 'Tuning BM25'), hits.find((h) => h.title === 'Dense retrieval')];
        expect(bm25, mode).toMatchObject({ category: 'articles', author: null, link: null, metadata: { lang: 'en', tags: ['search'], extra: 42 }, chunk_index: 0, token_count: expect.any(Number) });
        if (mode !== 'lexical') expect(dense, mode).toMatchObject({ link: 'https://example.com/dense', metadata: {} });
        // The highlights are [start, end) code point offsets into the plain snippet.
        const words = bm25.highlights.map(([a, b]: [number, number]) => Array.from(bm25.snippet as string).slice(a, b).join('').toLowerCase());
        expect(new Set(words), mode).toEqual(new Set(['inverse', 'document', 'frequency', 'documents']));
      }
      const posts = ndjson((await runCli(['--db', url, 'inspect', 'search', 'embedded_posts', '--query', 'rank fusion', '--k', '1'], { env })).stdout);
      expect(posts[0]).toMatchObject({ author: 'kim', category: 'posts', title: null });
    });

    it.skipIf(!hasScript)('search on a terminal: title, author, link, metadata and the snippet with the words in bold, within the width', async () => {
      const args = ['--db', url, 'inspect', 'search', 'embedded_articles', '--query', 'inverse document frequency', '--k', '2'];
      for (const width of [60, 200]) {
        const shown = await runOnTerminal(args, { cwd: dir.path, env: { ...env, COLUMNS: String(width) } });
        expect(shown).toContain('Tuning BM25');
        // The link comes last on its line: a narrow terminal cuts it.
        expect(shown).toContain(width === 200 ? 'https://example.com/dense' : '· https://');
        expect(shown).toMatch(/lang: en · tags: \["search"\]/);
        expect(shown).toContain('\x1b[1mfrequency\x1b[22m');
        const lines = shown.split('\n');
        for (const l of lines) expect(stringWidth(l), `${width}: ${l}`).toBeLessThanOrEqual(width);
        expect(Math.max(...lines.map((l) => stringWidth(l))), `${width}`).toBeGreaterThan(width === 60 ? 50 : 100);
      }
      const plain = await runOnTerminal(args, { cwd: dir.path, env: { ...env, COLUMNS: '80', NO_COLOR: '1' } });
      expect(plain).toContain('Tuning BM25');
      expect(plain).not.toContain('\x1b[');
    });

    it.skipIf(!hasScript)('tables on a terminal fit the width (COLUMNS), long cells end in …; chunks name the longest chunk\'s document', async () => {
      for (const width of [60, 200]) {
        for (const cmd of [['inspect', 'documents'], ['inspect', 'sentences'], ['inspect', 'chunks'], ['inspect', 'sample', 'embedded_articles']]) {
          const shown = await runOnTerminal(['--db', url, ...cmd], { cwd: dir.path, env: { ...env, COLUMNS: String(width) } });
          const lines = shown.trimEnd().split('\n');
          expect(lines.length, cmd.join(' ')).toBeGreaterThan(2);
          for (const l of lines) expect(stringWidth(l), `${width} ${cmd.join(' ')}: ${l}`).toBeLessThanOrEqual(width);
          if (width === 60) expect(shown, cmd.join(' ')).toContain('…');
        }
      }
      expect(await runOnTerminal(['--db', url, 'inspect', 'chunks', '--collection', 'embedded_articles'], { cwd: dir.path, env: { COLUMNS: '200' } })).toMatch(/PASS +Tuning BM25/);
    });

    it('collections, stats, sample and chunks describe what featurize stored', async () => {
      const stats = ndjson((await runCli(['--db', url, 'inspect', 'stats', 'embedded_articles'], { env })).stdout)[0];
      expect(stats).toMatchObject({ embedder: 'hashing:v1-d1024-b0.5-c0.35', dimension: 1024, points: 2, documents: 2, token_limit: 512 });
      const sample = ndjson((await runCli(['--db', url, 'inspect', 'sample', 'cleaned_posts', '--limit', '1'], { env })).stdout);
      expect(sample).toHaveLength(1);
      expect(sample[0]).toMatchObject({ category: 'posts' });
      const chunks = ndjson((await runCli(['--db', url, 'inspect', 'chunks', '--collection', 'embedded_posts'])).stdout);
      expect(chunks).toEqual([expect.objectContaining({ collection: 'embedded_posts', chunks: 2, limit: 512, verdict: 'PASS' })]);
      const articles = ndjson((await runCli(['--db', url, 'inspect', 'chunks', '--collection', 'embedded_articles'])).stdout);
      expect(articles[0]).toMatchObject({ longest_document_id: expect.any(String), longest_document_title: 'Tuning BM25' });
    });

    it('documents, sentences, results, calls (with totals) and runs list what the other stages left', async () => {
      const d = ndjson((await runCli(['--db', url, 'inspect', 'documents', '--category', 'posts'])).stdout);
      expect(d.map((x) => x.category)).toEqual(['posts', 'posts']);
      const s = ndjson((await runCli(['--db', url, 'inspect', 'sentences', '--limit', '3'])).stdout);
      expect(s).toHaveLength(3);
      expect(s[0]).toHaveProperty('start');
      const one = ndjson((await runCli(['--db', url, 'inspect', 'sentences', '--document', s[0].document_id])).stdout);
      expect(one.length).toBeGreaterThan(0);
      expect(one.every((x) => x.document_id === s[0].document_id)).toBe(true);
      const none = await runCli(['--db', url, 'inspect', 'sentences', '--document', 'no-such-document']);
      expect([none.code, none.stdout, none.stderr]).toEqual([2, '', 'llmops: inspect sentences --document: no document no-such-document (llmops inspect documents lists them)\n']);
      expect((await runCli(['--db', url, 'inspect', 'results'])).code).toBe(0);
      expect(ndjson((await runCli(['--db', url, 'inspect', 'calls', '--limit', '2'])).stdout)).toHaveLength(2);
      const calls = ndjson((await runCli(['--db', url, 'inspect', 'calls', '--limit', '2', '--totals'])).stdout);
      expect(calls).toHaveLength(3);
      expect(calls[2].totals).toEqual({ calls: 4, failed: 0, cancelled: 0, input_tokens: 406, output_tokens: 40, cost_usd: 0.01, latency_ms_mean: 215, latency_ms_p50: 210, latency_ms_p95: 230 });
      const runs = ndjson((await runCli(['--db', url, 'inspect', 'runs', '--command', 'featurize'])).stdout);
      expect(runs[0]).toMatchObject({ command: 'featurize', status: 'ok' });
    });

    it('export → ingest into an empty database restores every document exactly (ids, metadata, timestamps)', async () => {
      const file = join(dir.path, `export-${engine}.jsonl`);
      const r = await runCli(['--db', url, 'inspect', 'export', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(ndjson(r.stdout)[0]).toMatchObject({ documents: 4 });
      const copy = await freshDatabase(engine);
      try {
        const i = await runCli(['--db', copy.url, 'ingest', file]);
        expect(i.code, i.stderr).toBe(0);
        expect(ndjson(i.stdout)[0]).toMatchObject({ inserted: 4 });
        const again = await runCli(['--db', copy.url, 'ingest', file]);
        expect(ndjson(again.stdout)[0]).toMatchObject({ inserted: 0, updated: 0, unchanged: 4 });
        const cols = ['id', 'source', 'external_id', 'category', 'link', 'author', 'title', 'content', 'metadata', 'content_hash', 'created_at', 'updated_at'] as const;
        const read = async (u: string) => {
          const d = await openDatabase(parseDatabaseUrl(u));
          try {
            return (await d.db.selectFrom('documents').select(cols).orderBy('id').execute()).map((x) => ({ ...x, metadata: typeof x.metadata === 'string' ? JSON.parse(x.metadata) : x.metadata }));
          } finally {
            await d.close();
          }
        };
        const original = await read(url);
        expect(await read(copy.url)).toEqual(original);
        expect(original.find((x) => x.external_id === 'a1')!.metadata).toEqual({ lang: 'en', tags: ['search'], extra: 42 });
      } finally {
        await copy.cleanup();
      }
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      const broken = join(dir.path, `broken-${engine}.jsonl`);
      writeFileSync(broken, `${lines[0]}\n${lines[1]!.replace('"metadata":{', '"metadata":[{').replace(/,"content_hash"/, '],"content_hash"')}\n`);
      const bad = await runCli(['--db', url, 'ingest', broken]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/broken-\w+\.jsonl:2: export record: field "metadata" must be an object/);
    });

    it.skipIf(chromiumMissing)('report: one self-contained HTML page whose charts render in Chromium', async () => {
      const out = join(dir.path, `report-${engine}.html`);
      const r = await runCli(['--db', url, 'inspect', 'report', '--out', out], { env });
      expect(r.code, r.stderr).toBe(0);
      const html = readFileSync(out, 'utf8');
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/); // nothing fetched
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: CHROMIUM_ARGS,
      });
      try {
        const page = await browser.newPage();
        const requests: string[] = [];
        page.on('request', (req) => requests.push(req.url()));
        await page.goto(`file://${out}`);
        expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
        expect(await page.locator('h2').allTextContents()).toEqual([
          'Documents per category',
          'Documents per source',
          'Sentiment distribution',
          'Chunk tokens vs the embedder limit',
          'LLM calls and cost over time',
          'Crawl success per domain',
        ]);
        const bars = page.locator('#documents-by-category g.bar');
        expect(await bars.count()).toBe(2);
        expect(await bars.first().getAttribute('data-value')).toBe('2');
        // rendered with a real size, not just present in the markup
        const box = await page.locator('#documents-by-category rect').first().boundingBox();
        expect(box!.width).toBeGreaterThan(10);
        expect(await page.locator('#chunk-tokens svg').count()).toBe(2);
        expect(await page.locator('#chunk-tokens line.limit').count()).toBe(2);
        expect(await page.locator('#chunk-tokens').textContent()).toMatch(/PASS: all 2 chunks within 512 tokens/);
        expect(await page.locator('#llm-calls rect.day').count()).toBe(3);
        expect(await page.locator('#llm-calls').textContent()).toMatch(/4 calls, \$0\.0100 total/);
        expect(await page.locator('#crawl-domains g.domain').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-domain')))).toEqual(['example.com', 'github.com']);
        expect(await page.locator('#sentiment .empty').textContent()).toBe('nothing yet');
      } finally {
        await browser.close();
      }
    });
  });
}

describe('inspect search with an embedder of your own (--embedder ./module.mjs#export)', () => {
  it('searches with the module named, refuses one that makes other vectors, and says to name it when none is', async () => {
    // Letter counts, normalized: a toy embedder; `halved` records the same id with other vectors.
    writeFileSync(
      join(dir.path, 'letters.mjs'),
      `const embed = (t, d) => { const v = new Float32Array(d); for (const c of t.toLowerCase()) { const i = c.charCodeAt(0) - 97; if (i >= 0 && i < 26) v[i % d]++; } const n = Math.hypot(...v) || 1; return v.map((x) => x / n); };
const make = (d) => ({ id: 'letters:v1', dimension: d, maxTokens: 256, countTokens: (t) => t.split(/\\s+/).filter(Boolean).length, embedBatch: async (texts) => texts.map((t) => embed(t, d)) });
export const letters = make(26);
export const halved = make(13);
`,
    );
    const db = ['--db', join(dir.path, 'module.db')];
    const input = `${JSON.stringify({ id: 'z', category: 'articles', title: 'Zebras', text: 'Zebras graze on the savanna in herds.' })}\n${JSON.stringify({ id: 'q', category: 'articles', title: 'Quartz', text: 'Quartz clocks keep time with a crystal.' })}\n`;
    expect((await runCli([...db, 'ingest', '-'], { input, cwd: dir.path })).code).toBe(0);
    const f = await runCli([...db, 'featurize', '--embedder', './letters.mjs#letters'], { cwd: dir.path });
    expect(f.code, f.stderr).toBe(0);
    const search = (...extra: string[]) => runCli([...db, 'inspect', 'search', 'embedded_articles', '--query', 'zebras in herds', '--mode', 'vector', '--k', '1', ...extra], { cwd: dir.path });

    const ok = await search('--embedder', './letters.mjs#letters');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ndjson(ok.stdout)[0]).toMatchObject({ title: 'Zebras', category: 'articles' });

    const unnamed = await search();
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr.trim()).toBe('llmops: collection embedder letters:v1: not one llmops can rebuild from its id (your own module?); name it with --embedder, e.g. --embedder ./my-embedder.js#embedder');

    const other = await search('--embedder', 'hashing');
    expect(other.code).toBe(2);
    expect(other.stderr.trim()).toMatch(/^llmops: --embedder hashing: makes hashing:\S+ \(1024 dimensions\) but embedded_articles holds letters:v1 \(26 dimensions\)$/);
    const halved = await search('--embedder', './letters.mjs#halved');
    expect(halved.code).toBe(2);
    expect(halved.stderr.trim()).toBe('llmops: --embedder ./letters.mjs#halved: makes letters:v1 (13 dimensions) but embedded_articles holds letters:v1 (26 dimensions)');
  });
});

describe.skipIf(!hasScript)('inspect listings on a narrow terminal', () => {
  it('inspect results keeps each sentence_id whole (it is copied into the next command); the other columns give way', async () => {
    const d = tempDir();
    try {
      const db = join(d.path, 'r.db');
      for (const args of [['ingest', 'data/reviews.jsonl'], ['split'], ['analyse', '--limit', '5']]) expect((await runCli(['--db', db, '-q', ...args])).code).toBe(0);
      const ids = ndjson((await runCli(['--db', db, 'inspect', 'results', '--json', '--limit', '5'])).stdout).map((r) => r.sentence_id as string);
      expect(ids).toHaveLength(5);
      const shown = await runOnTerminal(['--db', db, 'inspect', 'results', '--limit', '5'], { cwd: d.path, env: { COLUMNS: '80' } });
      for (const id of ids) expect(shown).toContain(id);
      for (const l of shown.split('\n')) expect(stringWidth(l), l).toBeLessThanOrEqual(80);
    } finally {
      d.remove();
    }
  });
});
