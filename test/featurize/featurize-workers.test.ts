import { mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbedder } from '../../src/embed/create-embedder.js';
import { loadFeaturizeConfig } from '../../src/featurize/featurize-config.js';
import { BATCH_CHARACTERS, runFeaturize } from '../../src/featurize/run-featurize.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { WAL_AUTOCHECKPOINT_PAGES } from '../../src/store/sqlite-pragmas.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { SqlDocumentStore } from '../../src/store/sql-document-store.js';
import { openVectorStore } from '../../src/vector/open-vector-store.js';
import { freshDatabase } from '../helpers/databases.js';
import { REPO, ndjson, runCli } from '../helpers/cli.js';
import { seedDocuments } from '../helpers/seed.js';

/** Every chunking strategy, unicode, emoji, code, and documents long enough to be capped. */
function records(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < 48; i++) {
    const words = Array.from({ length: 30 + ((i * 37) % 400) }, (_, j) => `w${(i * 13 + j * 7) % 151}`).join(' ');
    if (i % 3 === 0) out.push({ id: `post-${i}`, category: 'posts', text: `Post ${i} 🎉 naïve café 你好 https://t.co/${i} #search ${words}` });
    else if (i % 3 === 1) out.push({ id: `article-${i}`, category: 'articles', title: `Article ${i}`, text: `${words}. Dr. Lee said so on Jan. 5! Is it? ${'Yes. '.repeat(i)}${'x'.repeat(600 * (i % 4))}` });
    else out.push({ id: `repo-${i}`, category: 'repositories', text: `--- src/f${i}.ts ---\nexport function f${i}(x: number) {\n${'  x = x * 2 + 1; // ✓\n'.repeat(20 + i * 3)}  return x;\n}\n` });
  }
  return out;
}

/** What featurize left in a database, in write order: chunks, vector points with their vectors, done marks. */
async function contents(db: Db) {
  const chunks = await db.db.selectFrom('featurize_chunks').select(['seq', 'id', 'collection', 'document_id', 'idx', 'text', 'token_count']).orderBy('seq').execute();
  // vector_points belongs to the sqlite-vec store, outside the kysely schema.
  const { rows: points } = await sql<{ seq: number; collection: string; id: string; payload: string; embedding: Uint8Array | null }>`select seq, collection, id, payload, embedding from vector_points order by seq`.execute(db.db);
  const marks = await db.db.selectFrom('featurized_documents').select(['document_id', 'embedder', 'collection', 'content_hash', 'chunk_count']).orderBy('document_id').execute();
  // The quantized copy searches read (its codes and payload hashes), byte for byte.
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  const { rows: codes } = await sql<{ rowid: number; collection: string; chunk: number; codes: Uint8Array }>`select rowid, collection, chunk, codes from vector_quant_chunks order by rowid`.execute(db.db);
  const { rows: hashes } = await sql<{ rowid: number; collection: string; key: string; chunk: number; hashes: Uint8Array }>`select rowid, collection, key, chunk, hashes from vector_quant_filters order by rowid`.execute(db.db);
  const { rows: slots } = await sql`select seq, collection, slot from vector_quant_slots order by seq`.execute(db.db);
  const copy = { codes: codes.map((r) => ({ ...r, codes: b64(r.codes) })), hashes: hashes.map((r) => ({ ...r, hashes: b64(r.hashes) })), slots };
  return { chunks, points: points.map((p) => ({ ...p, embedding: p.embedding ? b64(p.embedding) : null })), marks, copy };
}

describe('featurize --workers', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function seeded() {
    const target = await freshDatabase('sqlite');
    cleanups.push(target.cleanup);
    const db = await openDatabase(parseDatabaseUrl(target.url));
    cleanups.push(() => db.close());
    await seedDocuments(db, records());
    return { url: target.url, db };
  }

  it('three threads (the built CLI: this one and two workers) write the same chunks, vectors, quantized copy and marks, in the same order, as one', async () => {
    const one = await seeded();
    const three = await seeded();
    const args = (url: string, n: number) => ['--db', url, 'featurize', '--embedder', 'hashing', '--batch-size', '5', '--workers', String(n)];
    const r1 = await runCli(args(one.url, 1));
    expect(r1.code, r1.stderr).toBe(0);
    const r3 = await runCli(args(three.url, 3));
    expect(r3.code, r3.stderr).toBe(0);
    const [s1, s3] = [ndjson(r1.stdout)[0], ndjson(r3.stdout)[0]];
    expect(s1).toMatchObject({ workers: 1, documents: 48 });
    expect(s3).toMatchObject({ workers: 3, documents: 48, chunks: s1.chunks, tokens: s1.tokens, capped_at_token_limit: s1.capped_at_token_limit });
    expect(s1.capped_at_token_limit, 'some chunks were capped at the token limit').toBeGreaterThan(0);
    const [c1, c3] = [await contents(one.db), await contents(three.db)];
    expect(c3.chunks.length).toBeGreaterThan(48);
    expect(c3.copy.codes.length).toBeGreaterThan(0);
    expect(c3.copy.hashes.length).toBeGreaterThan(0);
    expect(c3).toEqual(c1);
  }, 180_000);

  it('in process (the stage from source, its worker through tsx): two threads equal one, and the next run finds nothing to do', async () => {
    const config = await loadFeaturizeConfig(undefined, REPO);
    const run = async (db: Db, url: string, workers: number) => {
      const vectors = await openVectorStore(parseDatabaseUrl(url), 'sqlite');
      try {
        return await runFeaturize(db.db, new SqlDocumentStore(db.db), vectors, { embedder: await createEmbedder({ name: 'hashing' }), config, workers, batchSize: 7 });
      } finally {
        await vectors.close();
      }
    };
    const one = await seeded();
    const two = await seeded();
    const s1 = await run(one.db, one.url, 1);
    const s2 = await run(two.db, two.url, 2);
    expect(s2.workers).toBe(2);
    expect({ ...s2, workers: 1 }).toEqual(s1);
    expect(await contents(two.db)).toEqual(await contents(one.db));
    expect((await run(two.db, two.url, 2)).documents).toBe(0);
  }, 180_000);

  it('a batch holds at most BATCH_CHARACTERS of text whatever --batch-size (memory follows the text), a larger document alone', async () => {
    const target = await freshDatabase('sqlite');
    cleanups.push(target.cleanup);
    const db = await openDatabase(parseDatabaseUrl(target.url));
    cleanups.push(() => db.close());
    const twoFifths = Math.floor(BATCH_CHARACTERS * 0.4);
    const sizes = [twoFifths, twoFifths, twoFifths, BATCH_CHARACTERS + 1000, 5000, 5000];
    const prose = (n: number, i: number) => `Document ${i} says little, and says it again. `.repeat(Math.ceil(n / 40)).slice(0, n - 1).concat('.');
    await seedDocuments(db, sizes.map((n, i) => ({ id: `doc-${i}`, category: 'articles', text: prose(n, i) })));
    const vectors = await openVectorStore(parseDatabaseUrl(target.url), 'sqlite');
    cleanups.push(() => vectors.close());
    const batches: string[][] = [];
    const config = await loadFeaturizeConfig(undefined, REPO);
    const onBatch = (b: { chunks: { document_id: string }[] }) => void batches.push([...new Set(b.chunks.map((c) => c.document_id))]);
    const summary = await runFeaturize(db.db, new SqlDocumentStore(db.db), vectors, { embedder: await createEmbedder({ name: 'hashing' }), config, workers: 2, batchSize: 256, onBatch });
    expect(summary.documents).toBe(6);
    const stored = await db.db.selectFrom('documents').select(['id', 'content']).execute();
    const length = new Map(stored.map((d) => [d.id, d.content.length]));
    expect([...length.values()].sort((a, b) => a - b)).toEqual([...sizes].sort((a, b) => a - b));
    const text = (ids: string[]) => ids.reduce((n, id) => n + length.get(id)!, 0);
    expect(batches.flat().sort()).toEqual([...length.keys()].sort());
    expect(batches.length).toBeGreaterThan(2);
    batches.forEach((ids, k) => {
      // Within the limit, or one document alone; and full: the next one would not have fitted.
      if (ids.length > 1) expect(text(ids)).toBeLessThanOrEqual(BATCH_CHARACTERS);
      if (k + 1 < batches.length) expect(text([...ids, batches[k + 1]![0]!])).toBeGreaterThan(BATCH_CHARACTERS);
    });
    expect(batches.find((ids) => ids.some((id) => length.get(id)! > BATCH_CHARACTERS))).toHaveLength(1);
  }, 180_000);

  it('the checkpoint thread checkpoints the WAL into the file while this thread writes, which starts it over once large; its connections (through a symlink too) do not checkpoint meanwhile, and get their checkpoints back', async () => {
    const config = await loadFeaturizeConfig(undefined, REPO);
    /** Featurizes, noting both connections' automatic checkpoints at each batch (0: off); `failAt`: the batch whose callback throws. */
    const run = async (s: { db: Db; url: string }, checkpointEvery: number, failAt = Infinity, walRestartPages?: number) => {
      const vectors = await openVectorStore(parseDatabaseUrl(s.url), 'sqlite');
      const during: number[][] = [];
      const onBatch = async () => {
        const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(s.db.db);
        // Sets 0 and says what it was: 0 unless the run left it on.
        during.push([rows[0]!.wal_autocheckpoint, await vectors.wal!.setAutoCheckpoint(0)]);
        if (during.length === failAt) throw new Error('callback failed');
      };
      try {
        const done = runFeaturize(s.db.db, new SqlDocumentStore(s.db.db), vectors, { embedder: await createEmbedder({ name: 'hashing' }), config, workers: 2, batchSize: 7, checkpointEvery, walRestartPages, onBatch });
        if (failAt === Infinity) await done;
        else await expect(done).rejects.toThrow('callback failed');
        // What the vector store's connection was given back (and set back as it was).
        return { during, after: await vectors.wal!.setAutoCheckpoint(WAL_AUTOCHECKPOINT_PAGES) };
      } finally {
        await vectors.close();
      }
    };
    const never = await seeded();
    // Through a symlinked directory: SQLite names the file by its real path, both connections alike.
    const real = await seeded();
    const linkDir = mkdtempSync(join(tmpdir(), 'llmops-link-'));
    cleanups.push(async () => rmSync(linkDir, { recursive: true, force: true }));
    const link = join(linkDir, 'db');
    symlinkSync(dirname(real.url), link);
    const linked = join(link, basename(real.url));
    const often = { url: linked, db: await openDatabase(parseDatabaseUrl(linked)) };
    cleanups.push(() => often.db.close());
    const failing = await seeded();
    const restarting = await seeded();
    // Start from an empty WAL: what the file holds after the run, the checkpoints put there.
    for (const s of [never, often, restarting]) await sql`pragma wal_checkpoint(TRUNCATE)`.execute(s.db.db);
    const before = statSync(never.url).size;
    expect(statSync(often.url).size).toBe(before);
    // Started over after every checkpoint: both writer connections go on writing after each.
    const runs = [await run(never, Infinity), await run(often, 1), await run(failing, 1, 2), await run(restarting, 1, Infinity, 1)];
    // Far under the writer's own threshold (32 MB of WAL): only the worker copied pages over.
    expect(statSync(never.url).size).toBe(before);
    expect(statSync(often.url).size).toBeGreaterThan(before);
    expect(await contents(often.db)).toEqual(await contents(never.db));
    expect(await contents(restarting.db)).toEqual(await contents(never.db));
    /** Frames in the WAL since it last started over. */
    const walFrames = async (db: Db) => (await sql<{ log: number }>`pragma wal_checkpoint(PASSIVE)`.execute(db.db)).rows[0]!.log;
    expect(await walFrames(restarting.db)).toBeLessThan(await walFrames(never.db));
    for (const r of runs) {
      expect(r.during.length).toBeGreaterThan(1);
      expect(r.during.flat().every((pages) => pages === 0)).toBe(true);
      expect(r.after).toBe(WAL_AUTOCHECKPOINT_PAGES);
    }
    for (const s of [never, often, failing, restarting]) {
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(s.db.db);
      expect(rows[0]!.wal_autocheckpoint).toBe(WAL_AUTOCHECKPOINT_PAGES);
      // Restarts wait 50 ms at most; the connection's own busy timeout comes back after each.
      const { rows: busy } = await sql<{ timeout: number }>`pragma busy_timeout`.execute(s.db.db);
      expect(busy[0]!.timeout).toBe(15_000);
    }
  }, 180_000);
});
