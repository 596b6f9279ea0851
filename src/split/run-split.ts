import type { Db } from '../store/database.js';
import { withWorkQueue, type WorkQueue } from '../queue/work-queue.js';
import { countUnsplitDocuments, saveSplits, unsplitAmong, unsplitDocuments, type PendingDocument } from '../store/sentences-repo.js';
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
 * Splits every document that has no sentences yet, a batch at a time: claim (leases in the
 * work queue, so several workers share the documents), split, then store the sentences and
 * the split mark and drop the leases in one transaction. A kill at any moment loses at most
 * the batch in flight, which the next run redoes; nothing is ever split twice.
 */
export async function runSplit(db: Db, opts: SplitOptions = {}): Promise<SplitSummary> {
  const summary: SplitSummary = { documents: 0, sentences: 0, characters: 0, interrupted: false };
  await withWorkQueue(db.db, 'split', async (queue) => {
    let afterId: string | undefined;
    for (;;) {
      if (opts.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      const want = opts.limit === undefined ? (opts.batchSize ?? 256) : Math.min(opts.batchSize ?? 256, opts.limit - summary.documents);
      if (want <= 0) break;
      const candidates = await unsplitDocuments(db.db, { afterId, limit: want, filter: queue.notLeased('d.id') });
      if (candidates.length === 0) break;
      // The cursor moves past what this worker was offered; documents other workers hold are theirs.
      afterId = candidates.at(-1)!.id;
      const won = new Set(await queue.claim(candidates.map((d) => d.id), unsplitAmong));
      const batch = await splitBatch(db, queue, candidates.filter((d) => won.has(d.id)));
      summary.documents += batch.documents;
      summary.sentences += batch.sentences.length;
      summary.characters += batch.characters;
      await opts.onBatch?.({ documents: batch.documents, sentences: batch.sentences });
    }
  });
  return summary;
}

/** Splits claimed documents; their sentences, split marks and lease deletions commit together. */
async function splitBatch(db: Db, queue: WorkQueue, docs: PendingDocument[]) {
  const splits = docs.map((d) => ({ documentId: d.id, sentences: splitDocument(d) }));
  await db.db.transaction().execute(async (trx) => {
    await saveSplits(trx, splits, SPLITTER_VERSION);
    await queue.complete(trx, docs.map((d) => d.id));
  });
  let characters = 0;
  for (const d of docs) characters += d.content.length;
  return { documents: docs.length, characters, sentences: splits.flatMap((s) => s.sentences) };
}

export function pendingDocuments(db: Db): Promise<number> {
  return countUnsplitDocuments(db.db);
}
