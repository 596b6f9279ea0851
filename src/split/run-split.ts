import type { Db } from '../store/database.js';
import { claimUnsplitDocuments, countUnsplitDocuments, saveSplits } from '../store/sentences-repo.js';
import type { Sentence } from '../store/types.js';
import { splitDocument } from './split-document.js';
import { SPLITTER_VERSION } from '../text/split-sentences.js';

export type SplitOptions = {
  limit?: number;
  batchSize?: number;
  signal?: AbortSignal;
  onBatch?: (done: { documents: number; sentences: Sentence[] }) => Promise<void> | void;
};

export type SplitSummary = { documents: number; sentences: number; characters: number; interrupted: boolean };

/**
 * Splits every document that has no sentences yet, a batch per transaction: claim, split,
 * store sentences and the split mark, commit. A kill at any moment loses at most the batch in
 * flight, which the next run redoes; nothing is ever split twice.
 */
export async function runSplit(db: Db, opts: SplitOptions = {}): Promise<SplitSummary> {
  const summary: SplitSummary = { documents: 0, sentences: 0, characters: 0, interrupted: false };
  const batchSize = opts.batchSize ?? 256;
  let afterId: string | undefined;
  for (;;) {
    if (opts.signal?.aborted) {
      summary.interrupted = true;
      break;
    }
    const want = opts.limit === undefined ? batchSize : Math.min(batchSize, opts.limit - summary.documents);
    if (want <= 0) break;
    const batch = await db.db.transaction().execute(async (trx) => {
      const { documents: docs, cursor } = await claimUnsplitDocuments(trx, { afterId, limit: want, engine: db.engine });
      if (cursor === undefined) return null;
      const splits = docs.map((d) => ({ documentId: d.id, sentences: splitDocument(d) }));
      await saveSplits(trx, splits, SPLITTER_VERSION);
      let characters = 0;
      for (const d of docs) characters += d.content.length;
      return { lastId: cursor, documents: docs.length, characters, sentences: splits.flatMap((s) => s.sentences) };
    });
    if (!batch) break;
    // The cursor moves past what this worker claimed; rows other workers hold are theirs.
    afterId = batch.lastId;
    summary.documents += batch.documents;
    summary.sentences += batch.sentences.length;
    summary.characters += batch.characters;
    await opts.onBatch?.({ documents: batch.documents, sentences: batch.sentences });
  }
  return summary;
}

export function pendingDocuments(db: Db): Promise<number> {
  return countUnsplitDocuments(db.db);
}
