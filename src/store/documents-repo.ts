import type { Kysely, Selectable } from 'kysely';
import type { Database, Document, DocumentKey, DocumentsTable, NewDocument, UpsertCounts } from './types.js';
import { readJson, writeJson } from './json-column.js';

// Rows per multi-row INSERT: 12 columns × 500 stays far below SQLite's 32,766 bound parameters.
const INSERT_ROWS = 500;

function toDocument(row: Selectable<DocumentsTable>): Document {
  return { ...row, metadata: readJson(row.metadata) };
}

function toRow(doc: NewDocument, now: string) {
  return { ...doc, metadata: writeJson(doc.metadata), updated_at: doc.updated_at ?? now };
}

/**
 * A record whose id an earlier record of the same batch had: unchanged if it has the same
 * content, else an update of it (as when the two land in different batches: the counts do not
 * depend on where a batch ends).
 */
export function countRepeat(counts: UpsertCounts, earlier: NewDocument | undefined, d: NewDocument): void {
  if (!earlier) return;
  if (earlier.content_hash === d.content_hash) counts.unchanged++;
  else counts.updated++;
}

/** The content hash of each of these documents that is stored. */
async function contentHashes(db: Kysely<Database>, ids: string[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (let i = 0; i < ids.length; i += INSERT_ROWS * 2) {
    const rows = await db
      .selectFrom('documents')
      .select(['id', 'content_hash'])
      .where('id', 'in', ids.slice(i, i + INSERT_ROWS * 2))
      .execute();
    for (const r of rows) hashes.set(r.id, r.content_hash);
  }
  return hashes;
}

/**
 * Inserts new documents, replaces changed ones (same id, other content) and leaves identical
 * ones alone. A changed document loses its sentences and split mark, so `split` redoes it.
 */
export async function upsertDocuments(db: Kysely<Database>, docs: NewDocument[]): Promise<UpsertCounts> {
  const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  if (docs.length === 0) return counts;
  // Within one batch the last record with an id wins, counted as a later batch would count it.
  const byId = new Map<string, NewDocument>();
  for (const d of docs) {
    countRepeat(counts, byId.get(d.id), d);
    byId.set(d.id, d);
  }
  const existing = await contentHashes(db, [...byId.keys()]);
  const now = new Date().toISOString();
  const fresh: NewDocument[] = [];
  const changed: NewDocument[] = [];
  for (const d of byId.values()) {
    const hash = existing.get(d.id);
    if (hash === undefined) fresh.push(d);
    else if (hash !== d.content_hash) changed.push(d);
    else counts.unchanged++;
  }
  const taken: NewDocument[] = [];
  for (let i = 0; i < fresh.length; i += INSERT_ROWS) {
    const chunk = fresh.slice(i, i + INSERT_ROWS);
    const rows = await db
      .insertInto('documents')
      .values(chunk.map((d) => toRow(d, now)))
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute();
    const inserted = new Set(rows.map((r) => r.id));
    taken.push(...chunk.filter((d) => !inserted.has(d.id)));
  }
  counts.inserted = fresh.length - taken.length;
  // Another writer (a concurrent ingest on PostgreSQL) inserted these ids since we looked, maybe
  // with other content: they were left as that writer had them, and counted inserted. Its row is
  // committed now (the insert waited for it): this record replaces it when its text differs.
  for (const [id, hash] of await contentHashes(db, taken.map((d) => d.id))) existing.set(id, hash);
  const gone: NewDocument[] = []; // and deleted since, by yet another writer
  for (const d of taken) {
    const hash = existing.get(d.id);
    if (hash === undefined) gone.push(d);
    else if (hash === d.content_hash) counts.unchanged++;
    else changed.push(d);
  }
  if (gone.length > 0) {
    await db.insertInto('documents').values(gone.map((d) => toRow(d, now))).onConflict((oc) => oc.column('id').doNothing()).execute();
    counts.inserted += gone.length;
  }
  for (const d of changed) {
    const { id, created_at: _created, ...rest } = toRow(d, now);
    await db.updateTable('documents').set(rest).where('id', '=', id).execute();
  }
  if (changed.length > 0) {
    const changedIds = changed.map((d) => d.id);
    await db.deleteFrom('sentences').where('document_id', 'in', changedIds).execute();
    await db.deleteFrom('document_splits').where('document_id', 'in', changedIds).execute();
  }
  counts.updated += changed.length;
  return counts;
}

export async function getDocument(db: Kysely<Database>, id: string): Promise<Document | undefined> {
  const row = await db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toDocument(row);
}

export async function getDocuments(db: Kysely<Database>, ids: string[]): Promise<Document[]> {
  const out: Document[] = [];
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += INSERT_ROWS) {
    const rows = await db.selectFrom('documents').selectAll().where('id', 'in', unique.slice(i, i + INSERT_ROWS)).execute();
    out.push(...rows.map(toDocument));
  }
  return out;
}

export async function getDocumentByLink(db: Kysely<Database>, link: string): Promise<Document | undefined> {
  const row = await db.selectFrom('documents').selectAll().where('link', '=', link).orderBy('id').executeTakeFirst();
  return row && toDocument(row);
}

export type ListDocumentsOptions = { afterId?: string; limit: number; category?: string };

/** Documents in id order, from after `afterId`: keyset pagination that stays fast on big tables. */
export async function listDocuments(db: Kysely<Database>, opts: ListDocumentsOptions): Promise<Document[]> {
  let q = db.selectFrom('documents').selectAll().orderBy('id').limit(opts.limit);
  if (opts.afterId !== undefined) q = q.where('id', '>', opts.afterId);
  if (opts.category !== undefined) q = q.where('category', '=', opts.category);
  return (await q.execute()).map(toDocument);
}

export async function listDocumentKeys(db: Kysely<Database>, opts: ListDocumentsOptions): Promise<DocumentKey[]> {
  let q = db.selectFrom('documents').select(['id', 'content_hash', 'category']).orderBy('id').limit(opts.limit);
  if (opts.afterId !== undefined) q = q.where('id', '>', opts.afterId);
  if (opts.category !== undefined) q = q.where('category', '=', opts.category);
  return q.execute();
}

export async function countDocuments(db: Kysely<Database>, opts: { category?: string } = {}): Promise<number> {
  let q = db.selectFrom('documents').select((eb) => eb.fn.countAll<number>().as('n'));
  if (opts.category !== undefined) q = q.where('category', '=', opts.category);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deleteDocuments(db: Kysely<Database>, ids: string[]): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < ids.length; i += INSERT_ROWS) {
    const res = await db.deleteFrom('documents').where('id', 'in', ids.slice(i, i + INSERT_ROWS)).executeTakeFirst();
    deleted += Number(res.numDeletedRows);
  }
  return deleted;
}
