import type { Db } from '../store/database.js';
import { withSentenceTexts } from '../store/sentences-repo.js';

/** Short views of the relational tables for `inspect documents|sentences`. */
export async function listDocumentRows(db: Db, opts: { limit: number; category?: string }) {
  let q = db.db
    .selectFrom('documents')
    .select(['id', 'category', 'source', 'title', 'link', 'author', 'created_at', (eb) => eb.fn('length', ['content']).as('chars')])
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(opts.limit);
  if (opts.category) q = q.where('category', '=', opts.category);
  return (await q.execute()).map((r) => ({ ...r, chars: Number(r.chars) }));
}

export async function listSentenceRows(db: Db, opts: { limit: number; document?: string }) {
  let q = db.db.selectFrom('sentences').select(['id', 'document_id', 'idx', 'start_offset', 'end_offset']).orderBy('document_id').orderBy('idx').limit(opts.limit);
  if (opts.document) q = q.where('document_id', '=', opts.document);
  const { rows, texts } = await withSentenceTexts(db.db, () => q.execute());
  return rows.map((r, i) => ({ id: r.id, document_id: r.document_id, index: r.idx, start: r.start_offset, end: r.end_offset, text: texts[i]! }));
}
