import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbedder } from '../../src/embed/create-embedder.js';
import { loadFeaturizeConfig } from '../../src/featurize/featurize-config.js';
import { runFeaturize } from '../../src/featurize/run-featurize.js';
import { searchCollection } from '../../src/search/search-collection.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { SqlDocumentStore } from '../../src/store/sql-document-store.js';
import { openVectorStore } from '../../src/vector/open-vector-store.js';
import type { VectorStore } from '../../src/vector/vector-store.js';
import { freshDatabase } from '../helpers/databases.js';
import { REPO } from '../helpers/cli.js';
import { seedDocuments } from '../helpers/seed.js';

// SQLite's lexical index (FTS5, external content) is filled by featurize's own statement per
// batch (migration 0011), not by a trigger per row: every chunk row must be indexed exactly
// once, deleted chunks must leave it, and a file indexed by the old trigger must go on.

const records = Array.from({ length: 30 }, (_, i) => ({
  id: `doc-${i}`,
  category: i % 3 ? 'articles' : 'posts',
  text: `Document ${i} is about topic${i % 5} and the word w${i}x. It says so twice: topic${i % 5}.`,
}));

describe('the lexical index on SQLite', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function open(url: string): Promise<{ db: Db; vectors: VectorStore }> {
    const db = await openDatabase(parseDatabaseUrl(url));
    const vectors = await openVectorStore(parseDatabaseUrl(url), 'sqlite');
    cleanups.push(
      () => vectors.close(),
      () => db.close(),
    );
    return { db, vectors };
  }

  async function featurize(db: Db, vectors: VectorStore, opts: { recreate?: boolean; workers?: number } = {}) {
    const embedder = await createEmbedder({ name: 'hashing' });
    const config = await loadFeaturizeConfig(undefined, REPO);
    return runFeaturize(db.db, new SqlDocumentStore(db.db), vectors, { embedder, config, batchSize: 7, ...opts });
  }

  /** FTS5's own check of the index against the chunk rows (throws on any difference), and the rows it holds. */
  async function checkIndex(db: Db): Promise<{ chunks: number; indexed: number }> {
    await sql`insert into featurize_chunks_fts (featurize_chunks_fts, rank) values ('integrity-check', 1)`.execute(db.db);
    const chunks = await sql<{ n: number }>`select count(*) as n from featurize_chunks`.execute(db.db);
    const indexed = await sql<{ n: number }>`select count(*) as n from featurize_chunks_fts_docsize`.execute(db.db);
    return { chunks: Number(chunks.rows[0]!.n), indexed: Number(indexed.rows[0]!.n) };
  }

  /** The records' ids (external ids) of the documents a lexical search finds. */
  async function lexical(db: Db, vectors: VectorStore, collection: string, query: string): Promise<string[]> {
    const hits = await searchCollection({ db: db.db, engine: 'sqlite', vectors, collection, query, k: 10, mode: 'lexical' });
    const names = new Map((await db.db.selectFrom('documents').select(['id', 'external_id']).execute()).map((d) => [d.id, d.external_id]));
    return hits.map((h) => names.get(h.document_id) ?? h.document_id);
  }

  it('indexes every chunk once, follows edits and deletions, and a rebuild', async () => {
    const target = await freshDatabase('sqlite');
    cleanups.push(target.cleanup);
    const { db, vectors } = await open(target.url);
    await seedDocuments(db, records);

    expect((await featurize(db, vectors)).documents).toBe(30);
    const first = await checkIndex(db);
    expect(first.chunks).toBeGreaterThanOrEqual(30);
    expect(first.indexed).toBe(first.chunks);
    expect(await lexical(db, vectors, 'embedded_articles', 'w7x')).toEqual(['doc-7']);

    // An edit replaces the document's chunks: the old words leave the index, the new ones come in.
    await seedDocuments(db, [{ ...records[7]!, text: 'Document 7 now speaks of zanzibar only.' }]);
    expect((await featurize(db, vectors, { workers: 2 })).documents).toBe(1);
    expect(await lexical(db, vectors, 'embedded_articles', 'w7x')).toEqual([]);
    expect(await lexical(db, vectors, 'embedded_articles', 'zanzibar')).toEqual(['doc-7']);
    const edited = await checkIndex(db);
    expect(edited.indexed).toBe(edited.chunks);

    // --recreate drops and refills the collections.
    expect((await featurize(db, vectors, { recreate: true })).documents).toBe(30);
    const rebuilt = await checkIndex(db);
    expect(rebuilt).toEqual(edited);
    expect(await lexical(db, vectors, 'embedded_posts', 'w9x')).toEqual(['doc-9']);
  });

  it('a file whose chunks the old insert trigger indexed goes on, indexed once, after the upgrade', async () => {
    const target = await freshDatabase('sqlite');
    cleanups.push(target.cleanup);
    const before = await open(target.url);
    // The file as llmops left it before migration 0011: the per-row trigger, and 0011 not run.
    await sql`create trigger featurize_chunks_ai after insert on featurize_chunks begin
      insert into featurize_chunks_fts(rowid, text) values (new.seq, new.text); end`.execute(before.db.db);
    await sql`delete from llmops_migrations where name = '0011-lexical-index-written-per-batch'`.execute(before.db.db);
    await seedDocuments(before.db, records.slice(0, 15));
    // The old trigger and the new statement would index these rows twice: featurize here runs
    // against the un-migrated file only through its trigger, as the old llmops did.
    await sql`insert into featurize_chunks (id, collection, document_id, embedder, category, idx, text, token_count, created_at)
      values ('old-chunk', 'embedded_notes', 'note-1', 'hashing:old', 'notes', 0, 'an ancient chunk about quokkas', 5, '2026-01-01')`.execute(before.db.db);
    await before.vectors.close();
    await before.db.close();
    cleanups.splice(1); // closed: only the file's removal is left to do

    const after = await open(target.url); // migrates: the trigger goes
    const triggers = await sql<{ name: string }>`select name from sqlite_master where type = 'trigger' and tbl_name = 'featurize_chunks' order by name`.execute(after.db.db);
    expect(triggers.rows.map((r) => r.name)).toEqual(['featurize_chunks_ad', 'featurize_chunks_au']);
    await seedDocuments(after.db, records.slice(15));
    expect((await featurize(after.db, after.vectors)).documents).toBe(30);
    const index = await checkIndex(after.db);
    expect(index.indexed).toBe(index.chunks);
    expect(await lexical(after.db, after.vectors, 'embedded_notes', 'quokkas')).toEqual(['note-1']);
    expect(await lexical(after.db, after.vectors, 'embedded_articles', 'w29x')).toEqual(['doc-29']);
  });
});
