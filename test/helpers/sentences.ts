import type { Db } from '../../src/store/database.js';
import { sentenceTexts } from '../../src/store/sentences-repo.js';

/** Every stored sentence in id order, with its text sliced from its document as the readers do. */
export async function storedSentences(db: Db) {
  const rows = await db.db.selectFrom('sentences').select(['id', 'document_id', 'idx', 'start_offset', 'end_offset']).orderBy('id').execute();
  const texts = await sentenceTexts(db.db, rows);
  return rows.map((r, i) => ({ ...r, text: texts[i]! }));
}
