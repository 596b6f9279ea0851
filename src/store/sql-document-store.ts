import type { Kysely } from 'kysely';
import type { DocumentStore } from './document-store.js';
import {
  countDocuments,
  deleteDocuments,
  getDocument,
  getDocumentByLink,
  getDocuments,
  listDocuments,
  listDocumentKeys,
  upsertDocuments,
} from './documents-repo.js';
import type { Database } from './types.js';

/** The warehouse in the relational database (SQLite or PostgreSQL), beside sentences and runs. */
export class SqlDocumentStore implements DocumentStore {
  readonly kind = 'sql' as const;
  constructor(
    readonly db: Kysely<Database>,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  upsert(docs: Parameters<DocumentStore['upsert']>[0]) {
    return upsertDocuments(this.db, docs);
  }
  get(id: string) {
    return getDocument(this.db, id);
  }
  getMany(ids: string[]) {
    return getDocuments(this.db, ids);
  }
  getByLink(link: string) {
    return getDocumentByLink(this.db, link);
  }
  list(opts: Parameters<DocumentStore['list']>[0]) {
    return listDocuments(this.db, opts);
  }
  listKeys(opts: Parameters<DocumentStore['listKeys']>[0]) {
    return listDocumentKeys(this.db, opts);
  }
  count(opts?: { category?: string }) {
    return countDocuments(this.db, opts);
  }
  delete(ids: string[]) {
    return deleteDocuments(this.db, ids);
  }
  transaction<T>(fn: (store: DocumentStore) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new SqlDocumentStore(trx)));
  }
  close() {
    return this.onClose();
  }
}
