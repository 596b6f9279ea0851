import type { Db } from '../store/database.js';
import { featurizedCollections, featurizedRowsOf, forgetFeaturized } from '../store/featurize-repo.js';
import { cleanedCollectionOf } from '../vector/open-vector-store.js';
import type { VectorStore } from '../vector/vector-store.js';

/**
 * What featurize made of documents that are gone from the warehouse (dedup --apply deleted
 * them): their points in the vector store (chunks in `embedded_*`, the cleaned document in
 * `cleaned_*`), then their chunk rows, lexical index entries and featurize marks. Without this
 * a deleted document went on answering searches (and `ask`) with no title. The points go
 * first: a run stopped in between leaves the rows, which name the points for the next run.
 * `orphans`: also every featurized document no longer in a SQL warehouse (a run stopped after
 * deleting documents and before this). The chunks removed.
 */
export async function forgetGoneDocuments(db: Db, vectors: VectorStore | null, documentIds: string[], orphans: boolean): Promise<number> {
  const rows = await featurizedRowsOf(db.db, documentIds, orphans);
  if (rows.length === 0) return 0;
  if (vectors) {
    const present = new Set((await vectors.listCollections()).map((c) => c.name));
    const byCollection = new Map<string, { chunks: string[]; documents: string[] }>();
    for (const r of rows) {
      const g = byCollection.get(r.collection) ?? { chunks: [], documents: [] };
      g.chunks.push(...r.chunkIds);
      g.documents.push(r.documentId);
      byCollection.set(r.collection, g);
    }
    for (const [embedded, g] of byCollection) {
      const cleaned = cleanedCollectionOf(embedded);
      if (present.has(embedded) && g.chunks.length > 0) await vectors.delete(embedded, g.chunks);
      if (cleaned && present.has(cleaned)) await vectors.delete(cleaned, g.documents);
    }
  }
  await forgetFeaturized(db.db, [...new Set(rows.map((r) => r.documentId))]);
  return rows.reduce((n, r) => n + r.chunkIds.length, 0);
}

/**
 * The collections documents are featurized into that this vector store does not hold: all of
 * them when there is none (PostgreSQL without QDRANT_URL), or those featurize wrote to another
 * store (Qdrant, and now the SQLite file's). Forgetting a deleted document's rows there leaves
 * its points for good, answering searches without a document, and no later run can find them
 * again: dedup --apply refuses before it deletes anything.
 */
export async function collectionsOutOfReach(db: Db, vectors: VectorStore | null): Promise<string[]> {
  const featurized = await featurizedCollections(db.db);
  if (featurized.length === 0) return [];
  const present = new Set((vectors ? await vectors.listCollections() : []).map((c) => c.name));
  return featurized.filter((c) => !present.has(c)).sort();
}
