import type { Expression, Kysely, SqlBool } from 'kysely';
import type { Database, Sentence } from './types.js';

// 6 columns × 1,000 rows per INSERT: well under SQLite's bound-parameter limit.
const INSERT_ROWS = 1000;

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
  const rows = splits.flatMap((s) =>
    s.sentences.map((x) => ({
      id: x.id,
      document_id: x.document_id,
      idx: x.index,
      text: x.text,
      start_offset: x.start,
      end_offset: x.end,
    })),
  );
  for (let i = 0; i < rows.length; i += INSERT_ROWS) {
    await db
      .insertInto('sentences')
      .values(rows.slice(i, i + INSERT_ROWS))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
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
