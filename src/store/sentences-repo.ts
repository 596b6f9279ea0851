import type { Expression, Kysely, SqlBool } from 'kysely';
import { insertShared, type SqlColumn } from './bulk-sql.js';
import type { Database, Sentence } from './types.js';

// 6 columns × 1,000 rows per INSERT: well under SQLite's bound-parameter limit.
const INSERT_ROWS = 1000;

const SENTENCE_COLUMNS: SqlColumn[] = [{ name: 'id' }, { name: 'document_id' }, { name: 'idx', pg: 'integer' }, { name: 'text' }, { name: 'start_offset', pg: 'integer' }, { name: 'end_offset', pg: 'integer' }];

export type PendingDocument = { id: string; content: string };

/**
 * Up to `limit` documents that have not been split, in id order after `afterId`; `filter` is
 * the work queue's (documents no other worker holds).
 */
export async function unsplitDocuments(db: Kysely<Database>, opts: { afterId?: string; limit: number; filter?: Expression<SqlBool> }): Promise<PendingDocument[]> {
  let q = db
    .selectFrom('documents as d')
    .select(['d.id', 'd.content'])
    .where((eb) => eb.not(eb.exists(eb.selectFrom('document_splits as s').select('s.document_id').whereRef('s.document_id', '=', 'd.id'))))
    .orderBy('d.id')
    .limit(opts.limit);
  if (opts.afterId !== undefined) q = q.where('d.id', '>', opts.afterId);
  if (opts.filter) q = q.where(opts.filter);
  return q.execute();
}

/** Which of these documents are still not split. */
export async function unsplitAmong(db: Kysely<Database>, ids: string[]): Promise<string[]> {
  const split = new Set<string>();
  for (let i = 0; i < ids.length; i += INSERT_ROWS) {
    const rows = await db.selectFrom('document_splits').select('document_id').where('document_id', 'in', ids.slice(i, i + INSERT_ROWS)).execute();
    for (const r of rows) split.add(r.document_id);
  }
  return ids.filter((id) => !split.has(id));
}

/**
 * Stores the sentences of split documents and marks them split, idempotently: ids are
 * deterministic, so a document split twice (a lost race) leaves the same rows once.
 */
export async function saveSplits(
  db: Kysely<Database>,
  splits: { documentId: string; sentences: Sentence[] }[],
  splitterVersion: number,
): Promise<void> {
  // Raw INSERTs over VALUES (bulk-sql.ts), not kysely's builder: building and compiling a
  // 6,000-parameter query object per 1,000 sentences cost more than SQLite's work on it.
  const rows: unknown[][] = [];
  for (const s of splits) for (const x of s.sentences) rows.push([x.id, x.document_id, x.index, x.text, x.start, x.end]);
  for (let i = 0; i < rows.length; i += INSERT_ROWS) {
    await insertShared(db, 'sentences', [], SENTENCE_COLUMNS, rows.slice(i, i + INSERT_ROWS), 'on conflict (id) do nothing');
  }
  const now = new Date().toISOString();
  for (let i = 0; i < splits.length; i += INSERT_ROWS) {
    await db
      .insertInto('document_splits')
      .values(
        splits.slice(i, i + INSERT_ROWS).map((s) => ({
          document_id: s.documentId,
          splitter_version: splitterVersion,
          sentence_count: s.sentences.length,
          split_at: now,
        })),
      )
      .onConflict((oc) => oc.column('document_id').doNothing())
      .execute();
  }
}

export async function countUnsplitDocuments(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('documents as d')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('document_splits as s').select('s.document_id').whereRef('s.document_id', '=', 'd.id'))))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function countSentences(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('sentences').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
