import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { SqliteVectorStore } from '../../src/vector/sqlite-vector-store.js';
import { createEmbedder } from '../../src/embed/create-embedder.js';
import { loadFeaturizeConfig } from '../../src/featurize/featurize-config.js';
import { openVectorStore } from '../../src/vector/open-vector-store.js';
import { runFeaturize } from '../../src/featurize/run-featurize.js';
import { SqlDocumentStore } from '../../src/store/sql-document-store.js';
import { engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';
import { BIN, REPO, ndjson, runCli } from '../helpers/cli.js';
import { seedDocuments } from '../helpers/seed.js';
import { startFakeQdrant, type FakeQdrant } from '../fakes/qdrant-server.js';

const dir = tempDir();
afterAll(() => dir.remove());

const sentence = (i: number, j: number) => `Paragraph ${j} of article ${i} explains vector search, chunking and embeddings in plain words.`;

/** Posts, articles and a repository: every chunking strategy. */
function corpusRecords(n = 6, variant = ''): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    records.push({ id: `post-${i}`, category: 'posts', text: `Post ${i}${variant}: loving the new search 🎉🎉 https://t.co/x #vectors ${'great results '.repeat(40 * (i % 3))}` });
    records.push({ id: `article-${i}`, category: 'articles', title: `Article ${i}`, text: Array.from({ length: 40 }, (_, j) => sentence(i, j)).join(' ') });
  }
  const fn = (name: string) => `export function ${name}(x) {\n${'  x = x * 2 + 1;\n'.repeat(60)}  return x;\n}\n`;
  records.push({ id: 'repo-1', category: 'repositories', title: 'acme/tools', text: `--- src/a.js ---\n${fn('alpha')}\n${fn('beta')}\n--- src/b.js ---\n${fn('gamma')}` });
  return records;
}

/** Featurizes what is stored with the hashing embedder, in-process (the CLI's own stage code). */
async function featurizeInProcess(db: Db, url: string): Promise<void> {
  const vectors = await openVectorStore(parseDatabaseUrl(url), 'auto');
  try {
    const embedder = await createEmbedder({ name: 'hashing' });
    const config = await loadFeaturizeConfig(undefined, REPO);
    await runFeaturize(db.db, new SqlDocumentStore(db.db), vectors, { embedder, config });
  } finally {
    await vectors.close();
  }
}

/** A fresh SQLite database holding the corpus; featurized already with `featurized: true`. */
async function corpusDatabase(opts: { featurized?: boolean } = {}) {
  const { url, cleanup } = await freshDatabase('sqlite');
  const db = await openDatabase(parseDatabaseUrl(url));
  await seedDocuments(db, corpusRecords());
  if (opts.featurized) await featurizeInProcess(db, url);
  return {
    url,
    db,
    cleanup: async () => {
      await db.close();
      await cleanup();
    },
  };
}

async function counts(db: Db) {
  const q = (t: string) => db.db.selectFrom(t as 'documents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n));
  return { chunks: await q('featurize_chunks'), featurized: await q('featurized_documents'), documents: await q('documents') };
}

describe('llmops featurize (sqlite: sqlite-vec in the same file)', () => {
  // Each test builds its own database: the corpus stored in-process, and featurized in-process
  // where featurizing is not what the test is about.

  it('a missing --featurize-config is named by the flag the user typed (and the shipped config names that flag)', async () => {
    const r = await runCli(['--db', join(dir.path, 'nocfg.db'), 'featurize', '--featurize-config', 'no-such.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('llmops: --featurize-config: no such file: no-such.yaml\n');
    expect(readFileSync(join(REPO, 'configs/featurize.yaml'), 'utf8')).toContain('--featurize-config <file>');
  });

  it('a --dimension past what a hashing vector can use is refused before anything is written', async () => {
    const file = join(dir.path, 'dim.db');
    const r = await runCli(['--db', file, 'featurize', '--embedder', 'hashing', '--dimension', '99999999']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('llmops: hashing embedder: --dimension must be a whole number from 1 to 16384; got 99999999\n');
    expect(existsSync(file)).toBe(false);
  });

  it('featurizes every category into cleaned_ and embedded_ collections; a second run does nothing', async () => {
    const { url, db, cleanup } = await corpusDatabase();
    try {
      const r = await runCli(['--db', url, 'featurize', '--embedder', 'hashing']);
      expect(r.code, r.stderr).toBe(0);
      const s = ndjson(r.stdout)[0];
      expect(s).toMatchObject({ command: 'featurize', embedder: 'hashing:v1-d1024-b0.5-c0.35', vector_store: 'sqlite-vec', documents: 13 });
      const c = await counts(db);
      expect(c.featurized).toBe(13);
      expect(s.chunks).toBe(c.chunks);
      const cols = ndjson((await runCli(['--db', url, 'inspect', 'collections'])).stdout);
      expect(cols.map((x) => x.name)).toEqual(['cleaned_articles', 'cleaned_posts', 'cleaned_repositories', 'embedded_articles', 'embedded_posts', 'embedded_repositories']);
      expect(cols.filter((x) => x.name.startsWith('embedded_')).reduce((n, x) => n + x.count, 0)).toBe(c.chunks);
      expect(cols.find((x) => x.name === 'cleaned_posts')).toMatchObject({ embedder: null, count: 6 });

      const again = await runCli(['--db', url, 'featurize', '--embedder', 'hashing']);
      expect(ndjson(again.stdout)[0]).toMatchObject({ documents: 0, chunks: 0, note: 'nothing new to featurize' });
      expect(await counts(db)).toEqual(c);
    } finally {
      await cleanup();
    }
  });

  it('chunks per category and caps every chunk at the embedder limit (inspect chunks: PASS)', async () => {
    const { url, db, cleanup } = await corpusDatabase({ featurized: true });
    try {
      const rows = await db.db.withTables<{ featurize_chunks: { collection: string; text: string; token_count: number } }>().selectFrom('featurize_chunks').select(['collection', 'text', 'token_count']).execute();
      const by = (c: string) => rows.filter((r) => r.collection === c);
      for (const r of by('embedded_articles')) expect(r.text.length).toBeLessThanOrEqual(2000 + 20); // title line + sentences
      for (const r of by('embedded_posts')) {
        expect(r.token_count).toBeLessThanOrEqual(252);
        expect(r.text).not.toMatch(/https?:|🎉/); // cleaned
      }
      expect(by('embedded_repositories').some((r) => r.text.startsWith('--- src/b.js ---'))).toBe(true);
      const chunks = await runCli(['--db', url, 'inspect', 'chunks']);
      expect(chunks.code).toBe(0);
      const stats = ndjson(chunks.stdout);
      expect(stats).toHaveLength(3);
      for (const s of stats) expect(s).toMatchObject({ limit: 512, verdict: 'PASS' });
      expect(stats.find((s) => s.collection === 'embedded_posts').max).toBeLessThanOrEqual(252);
    } finally {
      await cleanup();
    }
  });

  it('a changed document is redone alone and its old vectors leave; --out - writes the new chunks as NDJSON', async () => {
    const { url, db, cleanup } = await corpusDatabase({ featurized: true });
    try {
      const before = await counts(db);
      await seedDocuments(db, corpusRecords(6, ' (edited)'));
      const r = await runCli(['--db', url, 'featurize', '--embedder', 'hashing', '--out', '-']);
      expect(r.code, r.stderr).toBe(0);
      const chunks = ndjson(r.stdout);
      expect(new Set(chunks.map((c) => c.document_id)).size).toBe(6); // only the 6 edited posts
      expect(chunks[0]).toMatchObject({ collection: 'embedded_posts', category: 'posts', chunk_index: 0 });
      expect(chunks[0].text).toContain('(edited)');
      expect(r.stderr).toMatch(/featurize/);
      const after = await counts(db);
      expect(after.featurized).toBe(before.featurized);
      const vs = await SqliteVectorStore.open(url);
      try {
        expect(await vs.count('embedded_posts')).toBe(await db.db.withTables<{ featurize_chunks: { collection: string } }>().selectFrom('featurize_chunks').where('collection', '=', 'embedded_posts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow().then((x) => Number(x.n)));
        expect(await vs.count('embedded_posts', { text: 'x' })).toBe(0);
      } finally {
        await vs.close();
      }
    } finally {
      await cleanup();
    }
  });

  it('refuses another embedder on existing collections, clearly; --recreate rebuilds with the same deterministic ids', async () => {
    const { url, db, cleanup } = await corpusDatabase({ featurized: true });
    try {
      const r = await runCli(['--db', url, 'featurize', '--embedder', 'hashing', '--dimension', '128']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/collection embedded_\w+ holds hashing:v1-d1024-b0\.5-c0\.35 vectors \(1024 dimensions\); refusing vectors from hashing:v1-d128/);
      const ids = async () => (await db.db.withTables<{ featurize_chunks: { id: string } }>().selectFrom('featurize_chunks').select('id').orderBy('id').execute()).map((x) => x.id);
      const first = await ids();
      expect(first.length).toBeGreaterThan(0);
      const again = await runCli(['--db', url, 'featurize', '--embedder', 'hashing', '--recreate']);
      expect(again.code, again.stderr).toBe(0);
      expect(await ids()).toEqual(first);
    } finally {
      await cleanup();
    }
  });

  it('--recreate --limit N rebuilds the collections of the N documents it featurizes, and leaves the others whole', async () => {
    const { url, db, cleanup } = await corpusDatabase({ featurized: true });
    try {
      const perCollection = async () =>
        Object.fromEntries(
          (await db.db.withTables<{ featurize_chunks: { collection: string } }>().selectFrom('featurize_chunks').select(['collection', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('collection').orderBy('collection').execute()).map((r) => [r.collection, Number(r.n)]),
        );
      const before = await perCollection();
      expect(Object.keys(before)).toEqual(['embedded_articles', 'embedded_posts', 'embedded_repositories']);
      const r = await runCli(['--db', url, 'featurize', '--embedder', 'hashing', '--recreate', '--limit', '1']);
      expect(r.code, r.stderr).toBe(0);
      const summary = ndjson(r.stdout).at(-1)!;
      expect(summary).toMatchObject({ documents: 1 });
      // One document's collection rebuilt (emptied, then its chunks alone), the others whole.
      const rebuilt = String(summary.collections);
      expect(Object.keys(before)).toContain(rebuilt);
      const after = await perCollection();
      expect(after[rebuilt]).toBe(summary.chunks);
      expect(after[rebuilt]).toBeLessThan(before[rebuilt]!);
      for (const other of Object.keys(before).filter((c) => c !== rebuilt)) expect(after[other], other).toBe(before[other]);
      // The vector points too: the posts' collection was not dropped.
      const others = Object.keys(before).filter((c) => c !== rebuilt);
      const points = await db.db.withTables<{ vector_points: { collection: string } }>().selectFrom('vector_points').select((eb) => eb.fn.countAll<number>().as('n')).where('collection', 'in', others).executeTakeFirstOrThrow();
      expect(Number(points.n)).toBe(others.reduce((n, c) => n + before[c]!, 0));
    } finally {
      await cleanup();
    }
  });

  it('bad featurize config: exit 2, file and field named, nothing written', async () => {
    const { url, db, cleanup } = await corpusDatabase();
    try {
      const bad = join(dir.path, 'bad.yaml');
      writeFileSync(bad, 'default:\n  clean: article\n  chunk: { strategy: tokens, size: 100, overlap: 200 }\nextra: 1\n');
      const before = await counts(db);
      const r = await runCli(['--db', url, 'featurize', '--embedder', 'hashing', '--featurize-config', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/bad\.yaml: .*extra/);
      expect(r.stderr).toMatch(/bad\.yaml: default\.chunk\.overlap: overlap must be smaller than size/);
      expect(await counts(db)).toEqual(before);
    } finally {
      await cleanup();
    }
  });

  it('an --embedder module whose embedBatch never settles (and holds nothing open) is named in one line, exit 2, not a silent exit 0', async () => {
    const { url, db, cleanup } = await corpusDatabase();
    try {
      writeFileSync(join(dir.path, 'stuck.mjs'), `export const embedder = { id: 'stuck:v1', dimension: 4, maxTokens: 256, countTokens: (t) => t.length, embedBatch: () => new Promise(() => {}) };\n`);
      const r = await runCli(['--db', url, 'featurize', '--embedder', './stuck.mjs#embedder'], { cwd: dir.path });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('llmops: --embedder ./stuck.mjs#embedder: its embedBatch never finished (a promise that never settles)');
      expect((await counts(db)).featurized).toBe(0);
    } finally {
      await cleanup();
    }
  });
});

describe('llmops featurize is resumable', () => {
  it('kill -9 in the middle, run again: every document featurized once, vectors equal chunks', async () => {
    const { url, cleanup } = await freshDatabase('sqlite');
    const db = await openDatabase(parseDatabaseUrl(url));
    try {
      await seedDocuments(db, Array.from({ length: 1500 }, (_, i) => ({ id: `d${i}`, category: 'posts', text: `Post ${i} about search ${'and vectors '.repeat(30)}` })));
      const child = spawn(process.execPath, [BIN, '--db', url, 'featurize', '--embedder', 'hashing', '--batch-size', '16'], { stdio: 'ignore' });
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (await counts(db)).featurized < 32) await sleep(50);
      child.kill('SIGKILL');
      await new Promise((r) => child.on('close', r));
      const mid = await counts(db);
      expect(mid.featurized).toBeGreaterThan(0);
      expect(mid.featurized).toBeLessThan(1500);
      const r = await runCli(['--db', url, 'featurize', '--embedder', 'hashing']);
      expect(r.code, r.stderr).toBe(0);
      const end = await counts(db);
      expect(end.featurized).toBe(1500);
      const vs = await SqliteVectorStore.open(url);
      try {
        expect(await vs.count('embedded_posts')).toBe(end.chunks);
        expect(await vs.count('cleaned_posts')).toBe(1500);
      } finally {
        await vs.close();
      }
    } finally {
      await db.close();
      await cleanup();
    }
  });
});

describe.skipIf(engineMissing('postgres'))('llmops featurize with PostgreSQL as --db', () => {
  // Each test: its own PostgreSQL database holding the corpus, its own fake Qdrant.
  let url: string;
  let db: Db;
  let cleanup: () => Promise<void>;
  let fake: FakeQdrant;
  beforeEach(async () => {
    ({ url, cleanup } = await freshDatabase('postgres'));
    db = await openDatabase(parseDatabaseUrl(url));
    await seedDocuments(db, corpusRecords(3));
    fake = await startFakeQdrant();
  });
  afterEach(async () => {
    await fake?.close();
    await db?.close();
    await cleanup?.();
  });

  it('refuses clearly without QDRANT_URL (no embedded vector store on PostgreSQL)', async () => {
    const r = await runCli(['--db', url, 'featurize', '--embedder', 'hashing'], { env: { QDRANT_URL: undefined } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/with PostgreSQL as --db, vectors live in Qdrant: set QDRANT_URL/);
    expect((await counts(db)).featurized).toBe(0);
  });

  it('puts vectors in Qdrant (local fake) and searches lexically with PostgreSQL full text', async () => {
    const env = { QDRANT_URL: fake.url };
    const r = await runCli(['--db', url, 'featurize', '--embedder', 'hashing'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(ndjson(r.stdout)[0]).toMatchObject({ vector_store: 'qdrant', documents: 7 });
    const cols = ndjson((await runCli(['--db', url, 'inspect', 'collections'], { env })).stdout);
    expect(cols.find((c) => c.name === 'embedded_articles')).toMatchObject({ embedder: 'hashing:v1-d1024-b0.5-c0.35', dimension: 1024 });
    for (const mode of ['lexical', 'vector', 'hybrid']) {
      const s = await runCli(['--db', url, 'inspect', 'search', 'embedded_articles', '--query', 'article 2 explains vector search', '--k', '3', '--mode', mode], { env });
      expect(s.code, s.stderr).toBe(0);
      const hits = ndjson(s.stdout);
      expect(hits.length).toBeGreaterThan(0);
      expect(hits[0].text).toMatch(/vector search/);
    }
    const again = await runCli(['--db', url, 'featurize', '--embedder', 'hashing'], { env });
    expect(ndjson(again.stdout)[0]).toMatchObject({ documents: 0 });
  });
});

