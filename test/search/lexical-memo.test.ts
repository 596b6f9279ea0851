import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoLexicalSearch, type LexicalRow } from '../../src/search/lexical-memo.js';
import { queryTerms } from '../../src/search/query-terms.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { saveFeaturized } from '../../src/store/featurize-repo.js';
import { freshDatabase } from '../helpers/databases.js';

// The BM25 ranking from remembered word scores must be the FTS5 statement's, row for row and
// score for score (to the last bit): over two collections sharing one index, with ties (the
// same text in several chunks, broken by id), with repeated and stemmed-alike words, and after
// the index changes under it.

const WORDS = 'tea water green temperature leaves boil brew steep minute cup black oolong kettle taste bitter sweet aroma cells cell'.split(' ');

/** What `inspect search --mode hybrid` read before: the one FTS5 statement, score flipped. */
async function statement(db: Db, collection: string, query: string, depth: number): Promise<LexicalRow[]> {
  const match = queryTerms(query).map((t) => `"${t}"`).join(' OR ');
  const r = await sql<LexicalRow>`select c.id, c.document_id, c.idx, c.token_count, '' as text, bm25(featurize_chunks_fts) as score
    from featurize_chunks_fts join featurize_chunks c on c.seq = featurize_chunks_fts.rowid
    where featurize_chunks_fts match ${match} and c.collection = ${collection}
    order by score, c.id limit ${depth}`.execute(db.db);
  return r.rows.map((x) => ({ ...x, score: -x.score }));
}

/** Chunks written as featurize writes them (saveFeaturized indexes them): one document each. */
async function addChunks(db: Db, rows: { id: string; collection: string; text: string }[]): Promise<void> {
  await saveFeaturized(
    db.db,
    rows.map((r, i) => ({
      documentId: `doc-${r.id}`,
      contentHash: r.id,
      collection: r.collection,
      embedder: 'hashing',
      chunks: [{ id: r.id, collection: r.collection, document_id: `doc-${r.id}`, embedder: 'hashing', category: 'articles', idx: i % 5, text: r.text, token_count: r.text.split(' ').length }],
    })),
  );
}

describe('lexical search from remembered word scores', () => {
  let db: Db;
  let cleanup: () => Promise<void>;
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const text = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(random() ** 2 * WORDS.length)]).join(' ');

  beforeAll(async () => {
    const fresh = await freshDatabase('sqlite');
    cleanup = fresh.cleanup;
    db = await openDatabase(parseDatabaseUrl(fresh.url));
    const rows = Array.from({ length: 600 }, (_, i) => ({ id: `c${(i * 7919) % 600}`.padEnd(6, 'x'), collection: i % 3 === 0 ? 'embedded_posts' : 'embedded_articles', text: text(5 + (i % 40)) }));
    // Ties: one text in twelve chunks of both collections.
    for (let i = 0; i < 12; i++) rows.push({ id: `tie${i}`, collection: i % 2 ? 'embedded_posts' : 'embedded_articles', text: 'jasmine pearls of green tea' });
    await addChunks(db, rows);
  });
  afterAll(async () => {
    await db?.close();
    await cleanup?.();
  });

  const queries = ['jasmine pearls tea', 'green tea water temperature', 'boil the kettle for black tea', 'cell cells', 'bitter bitter aroma', 'oolong', 'steep a cup of green tea in water', 'nothing matches this zzz'];

  it('gives the FTS5 statement\'s rows, order and scores for every depth and collection', async () => {
    for (const collection of ['embedded_articles', 'embedded_posts'])
      for (const depth of [1, 5, 37, 100, 1000])
        for (const q of queries) {
          const expected = await statement(db, collection, q, depth);
          const got = await memoLexicalSearch(db.db, collection, queryTerms(q), depth);
          expect(got, `${collection} "${q}" depth ${depth}`).toEqual(expected);
          got!.forEach((row, i) => expect(Object.is(row.score, expected[i]!.score)).toBe(true));
        }
    const ties = await statement(db, 'embedded_articles', 'jasmine pearls', 100);
    expect(ties.map((r) => r.id)).toEqual(['tie0', 'tie10', 'tie2', 'tie4', 'tie6', 'tie8']);
    expect(new Set(ties.map((r) => r.score)).size).toBe(1);
  });

  it('sees the index change: new chunks are found and scored with the new counts', async () => {
    const before = await memoLexicalSearch(db.db, 'embedded_articles', queryTerms('oolong kettle'), 10);
    await addChunks(db, [
      { id: 'late1', collection: 'embedded_articles', text: 'oolong oolong kettle' },
      { id: 'late2', collection: 'embedded_articles', text: 'oolong' },
    ]);
    const after = await memoLexicalSearch(db.db, 'embedded_articles', queryTerms('oolong kettle'), 10);
    expect(after).toEqual(await statement(db, 'embedded_articles', 'oolong kettle', 10));
    expect(after![0]!.id).toBe('late1');
    expect(after).not.toEqual(before);
  });

  it('gives a small collection among many matches back to the FTS5 statement instead of reading the whole index', async () => {
    await addChunks(db, [{ id: 'faq1', collection: 'embedded_faq', text: 'green tea' }]);
    // Hundreds of rows of the other collections match; finding five of this one best first would
    // read nearly all of them, a statement per group.
    expect(await memoLexicalSearch(db.db, 'embedded_faq', queryTerms('green tea'), 5)).toBeUndefined();
    // What the caller then asks, the statement, finds the one row.
    expect((await statement(db, 'embedded_faq', 'green tea', 5)).map((r) => r.id)).toEqual(['faq1']);
  });
});
