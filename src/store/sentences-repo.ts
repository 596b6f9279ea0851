import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { sentenceId } from '../core/ids.js';
import { flatInsert, insertShared, statementSizes, type SqlColumn } from './bulk-sql.js';
import type { Database } from './types.js';
import type { Engine } from './database.js';

// 5 columns × 1,000 rows per INSERT: well under SQLite's bound-parameter limit.
const INSERT_ROWS = 1000;

// No text: a sentence is a span of its document's content (migration 0009, withSentenceTexts).
const SENTENCE_COLUMNS: SqlColumn[] = [{ name: 'id' }, { name: 'document_id' }, { name: 'idx', pg: 'integer' }, { name: 'start_offset', pg: 'integer' }, { name: 'end_offset', pg: 'integer' }];
const SPLIT_COLUMNS: SqlColumn[] = [{ name: 'document_id' }, { name: 'sentence_count', pg: 'integer' }];

/**
 * A batch of split documents in columns, as worker threads send it back and the writer stores
 * it: no object per sentence (building, cloning and collecting ~10 objects per document cost
 * the writer thread more than SQLite's work on their rows).
 */
export type SplitBatch = {
  /** The documents split, in the order they were claimed (a document deleted meanwhile is left out). */
  documentIds: string[];
  /** Per document, its number of sentences. */
  counts: Int32Array;
  /** Per document, its content hash when it was read: the writer stores only documents still at it. */
  hashes: string[];
  /** Per sentence, its start and end offsets into its document's content (UTF-16 code units). */
  offsets: Int32Array;
  /** Per sentence, its text (content[start, end)), when asked for: the store keeps only offsets. */
  texts?: string[];
  /** Characters of the documents' contents. */
  characters: number;
};

/** A document to split; without its content (and hash) when the splitter reads it itself. */
export type PendingDocument = { id: string; content?: string; content_hash?: string };

/**
 * Up to `limit` documents that have not been split, in id order after `afterId`; `filter` is
 * the work queue's (documents no other worker holds). With `content: false`, their ids only:
 * a scan of the id index, no row read.
 */
export async function unsplitDocuments(
  db: Kysely<Database>,
  opts: { afterId?: string; limit: number; filter?: Expression<SqlBool>; content?: boolean },
): Promise<PendingDocument[]> {
  let q = db
    .selectFrom('documents as d')
    .select(opts.content === false ? ['d.id'] : ['d.id', 'd.content', 'd.content_hash'])
    .where((eb) => eb.not(eb.exists(eb.selectFrom('document_splits as s').select('s.document_id').whereRef('s.document_id', '=', 'd.id'))))
    .orderBy('d.id')
    .limit(opts.limit);
  if (opts.afterId !== undefined) q = q.where('d.id', '>', opts.afterId);
  if (opts.filter) q = q.where(opts.filter);
  return q.execute();
}

/**
 * The content hashes of these documents, of those that still exist (one may have been deleted
 * or changed since it was read). On PostgreSQL their rows are locked until the transaction
 * ends: an ingest changing one afterwards waits, then drops the sentences stored here. A row
 * another transaction holds (an ingest's uncommitted change, a delete) is skipped, not waited
 * for, so that document is left for the next run: waiting could close a cycle with an ingest
 * that holds it and then wants one locked here (one transaction, batches in file order).
 */
export async function documentHashes(db: Kysely<Database>, engine: Engine, ids: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let i = 0; i < ids.length; i += INSERT_ROWS) {
    const part = sql.join(ids.slice(i, i + INSERT_ROWS));
    const query = sql<{ id: string; content_hash: string }>`select id, content_hash from documents where id in (${part})${sql.raw(engine === 'postgres' ? ' for share skip locked' : '')}`;
    for (const r of (await query.execute(db)).rows) found.set(r.id, r.content_hash);
  }
  return found;
}

type Span = { id: string; document_id: string; start_offset: number; end_offset: number };

/**
 * Sentence rows read by `read`, with their texts: each is a span of its document's content,
 * read once per document. The rows and their documents are two reads: a document deleted in
 * between (its sentences go with it) makes both be read again, a few times, then fails.
 */
export async function withSentenceTexts<R extends Span>(db: Kysely<Database>, read: () => Promise<R[]>): Promise<{ rows: R[]; texts: string[] }> {
  for (let attempt = 1; ; attempt++) {
    const rows = await read();
    const contents = await documentContents(db, rows.map((r) => r.document_id));
    const gone = rows.find((r) => !contents.has(r.document_id));
    if (!gone) return { rows, texts: rows.map((r) => contents.get(r.document_id)!.slice(r.start_offset, r.end_offset)) };
    if (attempt === 3) throw new Error(`sentence ${gone.id}: its document ${gone.document_id} is gone`);
  }
}

async function documentContents(db: Kysely<Database>, documentIds: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(documentIds)];
  const contents = new Map<string, string>();
  for (let i = 0; i < ids.length; i += INSERT_ROWS) {
    const rows = await db.selectFrom('documents').select(['id', 'content']).where('id', 'in', ids.slice(i, i + INSERT_ROWS)).execute();
    for (const r of rows) contents.set(r.id, r.content);
  }
  return contents;
}

/** Which of these documents are still not split. */
export async function unsplitAmong(db: Kysely<Database>, ids: string[]): Promise<string[]> {
  const split = await idsFound(db, 'document_splits', 'document_id', ids);
  return ids.filter((id) => !split.has(id));
}

/** Which of `ids` the table holds in `column`, asked INSERT_ROWS at a time (bound-parameter limits). */
async function idsFound(db: Kysely<Database>, table: 'documents' | 'document_splits', column: 'id' | 'document_id', ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += INSERT_ROWS) {
    const { rows } = await sql<{ id: string }>`select ${sql.ref(column)} as id from ${sql.table(table)} where ${sql.ref(column)} in (${sql.join(ids.slice(i, i + INSERT_ROWS))})`.execute(db);
    for (const r of rows) found.add(r.id);
  }
  return found;
}

/**
 * Stores the sentences of split documents and marks them split, idempotently: ids are
 * deterministic, so a document split twice (a lost race) leaves the same rows once.
 */
export async function saveSplits(db: Kysely<Database>, batch: SplitBatch, splitterVersion: number): Promise<void> {
  // Raw INSERTs over VALUES (bulk-sql.ts), not kysely's builder: building and compiling a
  // 5,000-parameter query object per 1,000 sentences cost more than SQLite's work on it.
  const { documentIds, counts, offsets } = batch;
  const sentences = offsets.length / 2;
  const width = SENTENCE_COLUMNS.length;
  const values: unknown[] = new Array(sentences * width);
  let k = 0;
  for (let d = 0; d < documentIds.length; d++) {
    const documentId = documentIds[d]!;
    for (let index = 0; index < counts[d]!; index++, k++) {
      const at = k * width;
      values[at] = sentenceId(documentId, index);
      values[at + 1] = documentId;
      values[at + 2] = index;
      values[at + 3] = offsets[2 * k];
      values[at + 4] = offsets[2 * k + 1];
    }
  }
  for (const [from, rows] of statementSizes(sentences, INSERT_ROWS)) {
    await db.executeQuery(flatInsert(db, 'sentences', SENTENCE_COLUMNS, values.slice(from * width, (from + rows) * width), 'on conflict (id) do nothing'));
  }
  const shared = [
    { name: 'splitter_version', value: splitterVersion, pg: 'integer' },
    { name: 'split_at', value: new Date().toISOString(), pg: 'timestamptz' },
  ];
  for (const [from, rows] of statementSizes(documentIds.length, INSERT_ROWS)) {
    const marks = documentIds.slice(from, from + rows).map((id, j) => [id, counts[from + j]]);
    await insertShared(db, 'document_splits', shared, SPLIT_COLUMNS, marks, 'on conflict (document_id) do nothing');
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
