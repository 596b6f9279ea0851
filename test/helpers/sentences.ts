import type { Db } from '../../src/store/database.js';
import { withSentenceTexts } from '../../src/store/sentences-repo.js';

/** Every stored sentence in id order, with its text sliced from its document as the readers do. */
export async function storedSentences(db: Db) {
  const read = () => db.db.selectFrom('sentences').select(['id', 'document_id', 'idx', 'start_offset', 'end_offset']).orderBy('id').execute();
  const { rows, texts } = await withSentenceTexts(db.db, read);
  return rows.map((r, i) => ({ ...r, text: texts[i]! }));
}
