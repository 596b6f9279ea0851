import type { Document } from '../store/types.js';
import { collectionNames } from '../vector/open-vector-store.js';
import type { Point } from '../vector/vector-store.js';
import type { PreparedDocument } from './prepare-document.js';

/**
 * A batch's points per collection, in the order the collections first appear: the cleaned
 * documents (`cleaned_<category>`, payloads only) and their chunks with vectors
 * (`embedded_<category>`).
 */
export type CollectionPoints = { cleaned: string; embedded: string; documents: Point[]; chunks: Point[] };

/** The points featurize writes for these documents (vectors: one per chunk, in order). */
export function batchPoints(docs: Document[], prepared: PreparedDocument[], vectors: Float32Array[]): CollectionPoints[] {
  const groups = new Map<string, CollectionPoints>();
  let k = 0;
  docs.forEach((doc, i) => {
    const p = prepared[i]!;
    const names = collectionNames(doc.category);
    let g = groups.get(names.embedded);
    if (!g) groups.set(names.embedded, (g = { ...names, documents: [], chunks: [] }));
    g.documents.push({
      id: doc.id,
      payload: { document_id: doc.id, category: doc.category, source: doc.source, title: doc.title, link: doc.link, author: doc.author, text: p.cleaned, chunk_count: p.chunks.length },
    });
    for (const c of p.chunks) {
      g.chunks.push({
        id: c.id,
        vector: vectors[k++]!,
        payload: { document_id: c.document_id, chunk_index: c.idx, category: c.category, source: doc.source, title: doc.title, link: doc.link, author: doc.author, token_count: c.token_count, text: c.text },
      });
    }
  });
  return [...groups.values()];
}
