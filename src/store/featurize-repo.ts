import { sql, type Kysely } from 'kysely';
import { insertShared, isPostgres, statementSizes, type SqlColumn } from './bulk-sql.js';
import type { Database, FeaturizeChunksTable } from './types.js';

/** A chunk as written: the table's columns but the generated sequence and timestamp. */
export type ChunkRow = Omit<FeaturizeChunksTable, 'seq' | 'created_at'>;

const ROWS = 400; // 10 columns × 400 rows per INSERT, far below SQLite's parameter limit

const CHUNK_COLUMNS: SqlColumn[] = [
  { name: 'id' },
  { name: 'collection' },
  { name: 'document_id' },
  { name: 'embedder' },
  { name: 'category' },
  { name: 'idx', pg: 'integer' },
  { name: 'text' },
  { name: 'token_count', pg: 'integer' },
];

/** The content hash each of these documents was featurized at for this embedder. */
export async function featurizedHashes(db: Kysely<Database>, embedder: string, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 900) {
    const rows = await db
      .selectFrom('featurized_documents')
      .select(['document_id', 'content_hash'])
      .where('embedder', '=', embedder)
      .where('document_id', 'in', ids.slice(i, i + 900))
      .execute();
    for (const r of rows) out.set(r.document_id, r.content_hash);
  }
  return out;
}

export async function chunkIdsOf(db: Kysely<Database>, collection: string, documentIds: string[]): Promise<string[]> {
  if (documentIds.length === 0) return [];
  const rows = await db.selectFrom('featurize_chunks').select('id').where('collection', '=', collection).where('document_id', 'in', documentIds).execute();
  return rows.map((r) => r.id);
}

/**
 * Replaces the chunks of these documents in one transaction and marks them featurized: the
 * lexical index follows (on SQLite, the new rows indexed here and deleted ones by a trigger; on
 * PostgreSQL, an expression index). `within` runs in the same transaction (the work queue's
 * completion).
 */
export async function saveFeaturized(
  db: Kysely<Database>,
  docs: { documentId: string; contentHash: string; collection: string; embedder: string; chunks: ChunkRow[] }[],
  within?: (trx: Kysely<Database>) => Promise<void>,
): Promise<void> {
  if (docs.length === 0) return;
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    const byCollection = new Map<string, string[]>();
    for (const d of docs) byCollection.set(d.collection, [...(byCollection.get(d.collection) ?? []), d.documentId]);
    for (const [collection, ids] of byCollection) {
      for (let i = 0; i < ids.length; i += 900) {
        await trx.deleteFrom('featurize_chunks').where('collection', '=', collection).where('document_id', 'in', ids.slice(i, i + 900)).execute();
      }
    }
    // Raw INSERTs over VALUES (bulk-sql.ts) in a few statement shapes, parsed once each: kysely's
    // builder compiled a query object and a new SQL text of 4,000 parameters per 400 chunks.
    const rows = docs.flatMap((d) => d.chunks.map((c) => [c.id, c.collection, c.document_id, c.embedder, c.category, c.idx, c.text, c.token_count]));
    const shared = [{ name: 'created_at', value: now, pg: 'timestamptz' }];
    // SQLite's lexical index takes the batch's new rows in one statement below (migration 0011):
    // they are those past the highest seq before them (a new rowid is the highest plus one, and
    // the write lock, taken by the delete above, keeps other writers out until the commit).
    const lexical = isPostgres(trx) ? undefined : await highestChunkSeq(trx);
    for (const [from, n] of statementSizes(rows.length, ROWS)) {
      await insertShared(trx, 'featurize_chunks', shared, CHUNK_COLUMNS, rows.slice(from, from + n), 'on conflict (id) do nothing');
    }
    if (lexical !== undefined) await sql`insert into featurize_chunks_fts (rowid, text) select seq, text from featurize_chunks where seq > ${lexical}`.execute(trx);
    for (let i = 0; i < docs.length; i += ROWS) {
      await trx
        .insertInto('featurized_documents')
        .values(
          docs.slice(i, i + ROWS).map((d) => ({
            document_id: d.documentId,
            embedder: d.embedder,
            collection: d.collection,
            content_hash: d.contentHash,
            chunk_count: d.chunks.length,
            featurized_at: now,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['document_id', 'embedder']).doUpdateSet((eb) => ({
            collection: eb.ref('excluded.collection'),
            content_hash: eb.ref('excluded.content_hash'),
            chunk_count: eb.ref('excluded.chunk_count'),
            featurized_at: eb.ref('excluded.featurized_at'),
          })),
        )
        .execute();
    }
    await within?.(trx);
  });
}

async function highestChunkSeq(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('featurize_chunks').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  return Number(r?.seq ?? 0);
}

export async function countFeaturized(db: Kysely<Database>, embedder: string): Promise<number> {
  const r = await db.selectFrom('featurized_documents').select((eb) => eb.fn.countAll<number>().as('n')).where('embedder', '=', embedder).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** How many documents are featurized into this collection (`inspect stats`). */
export async function countCollectionDocuments(db: Kysely<Database>, collection: string): Promise<number> {
  const r = await db.selectFrom('featurized_documents').select((eb) => eb.fn.countAll<number>().as('n')).where('collection', '=', collection).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Forgets a collection's chunks and featurize marks (before it is rebuilt). */
export async function forgetCollection(db: Kysely<Database>, collection: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('featurize_chunks').where('collection', '=', collection).execute();
    await trx.deleteFrom('featurized_documents').where('collection', '=', collection).execute();
  });
}

export type TokenStats = { collection: string; embedder: string; chunks: number; min: number; max: number; mean: number; p95: number; longest_document_id: string };

/**
 * Token counts per collection: min, max, mean and the 95th percentile (nearest rank), and the
 * document whose chunk is the longest (the first in id order among equals).
 */
export async function chunkTokenStats(db: Kysely<Database>, collection?: string): Promise<TokenStats[]> {
  let q = db.selectFrom('featurize_chunks').select(['collection', 'embedder', 'token_count', 'document_id']).orderBy('collection').orderBy('token_count').orderBy('document_id', 'desc');
  if (collection) q = q.where('collection', '=', collection);
  const rows = await q.execute();
  const groups = new Map<string, { embedder: string; counts: number[]; longest: string }>();
  for (const r of rows) {
    const g = groups.get(r.collection) ?? { embedder: r.embedder, counts: [], longest: r.document_id };
    g.counts.push(r.token_count);
    g.longest = r.document_id;
    groups.set(r.collection, g);
  }
  return [...groups].map(([c, g]) => {
    const n = g.counts.length;
    const sum = g.counts.reduce((s, x) => s + x, 0);
    return { collection: c, embedder: g.embedder, chunks: n, min: g.counts[0]!, max: g.counts[n - 1]!, mean: sum / n, p95: g.counts[Math.max(0, Math.ceil(0.95 * n) - 1)]!, longest_document_id: g.longest };
  });
}

export async function chunkTokenCounts(db: Kysely<Database>): Promise<{ collection: string; token_count: number }[]> {
  return db.selectFrom('featurize_chunks').select(['collection', 'token_count']).execute();
}

/** The collections documents are featurized into (their marks name them). */
export async function featurizedCollections(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('featurized_documents').select('collection').distinct().execute();
  return rows.map((r) => r.collection);
}

/** A document's featurized rows: its chunks' ids, by the collection they are in. */
export type FeaturizedRows = { documentId: string; collection: string; chunkIds: string[] };

/**
 * The featurized rows of these documents, and (`orphans`) of every featurized document no
 * longer in the `documents` table (a SQL warehouse: deleted by dedup --apply, whose run may
 * have stopped before it removed them).
 */
export async function featurizedRowsOf(db: Kysely<Database>, documentIds: string[], orphans: boolean): Promise<FeaturizedRows[]> {
  const marks: { document_id: string; collection: string }[] = [];
  for (let i = 0; i < documentIds.length; i += 900) {
    marks.push(...(await db.selectFrom('featurized_documents').select(['document_id', 'collection']).where('document_id', 'in', documentIds.slice(i, i + 900)).execute()));
  }
  if (orphans) {
    marks.push(
      ...(await db
        .selectFrom('featurized_documents')
        .select(['document_id', 'collection'])
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('documents').select('id').whereRef('documents.id', '=', 'featurized_documents.document_id'))))
        .execute()),
    );
  }
  const out = new Map<string, FeaturizedRows>();
  for (const m of marks) out.set(`${m.collection}\u0000${m.document_id}`, { documentId: m.document_id, collection: m.collection, chunkIds: [] });
  const ids = [...new Set(marks.map((m) => m.document_id))];
  for (let i = 0; i < ids.length; i += 900) {
    const rows = await db.selectFrom('featurize_chunks').select(['id', 'collection', 'document_id']).where('document_id', 'in', ids.slice(i, i + 900)).execute();
    for (const r of rows) {
      const key = `${r.collection}\u0000${r.document_id}`;
      if (!out.has(key)) out.set(key, { documentId: r.document_id, collection: r.collection, chunkIds: [] });
      out.get(key)!.chunkIds.push(r.id);
    }
  }
  return [...out.values()];
}

/** Removes these documents' chunks (the lexical index follows) and featurize marks, in one transaction. */
export async function forgetFeaturized(db: Kysely<Database>, documentIds: string[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < documentIds.length; i += 900) {
      const page = documentIds.slice(i, i + 900);
      await trx.deleteFrom('featurize_chunks').where('document_id', 'in', page).execute();
      await trx.deleteFrom('featurized_documents').where('document_id', 'in', page).execute();
    }
  });
}
