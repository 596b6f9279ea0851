import type { Document, DocumentKey, NewDocument, UpsertCounts } from './types.js';

/**
 * The document warehouse: where ingested and crawled documents live. SQL (SQLite or
 * PostgreSQL, the same file/database as everything else) by default; MongoDB to scale out.
 * Every implementation passes test/store/document-store.contract.ts.
 */
export interface DocumentStore {
  readonly kind: 'sql' | 'mongodb';
  upsert(docs: NewDocument[]): Promise<UpsertCounts>;
  get(id: string): Promise<Document | undefined>;
  /** The documents of these ids that exist, in one round trip per few hundred ids; order not kept. */
  getMany(ids: string[]): Promise<Document[]>;
  getByLink(link: string): Promise<Document | undefined>;
  /** Id order, after `afterId`: page through everything with constant memory. */
  list(opts: { afterId?: string; limit: number; category?: string }): Promise<Document[]>;
  /** The same pages as `list`, ids and content hashes only: what is already done is found without reading its text. */
  listKeys(opts: { afterId?: string; limit: number; category?: string }): Promise<DocumentKey[]>;
  count(opts?: { category?: string }): Promise<number>;
  delete(ids: string[]): Promise<number>;
  /** Runs `fn` so that either all of its writes land or none do. */
  transaction<T>(fn: (store: DocumentStore) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
