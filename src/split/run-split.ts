import type { Db } from '../store/database.js';
import { withWorkQueue, type WorkQueue } from '../queue/work-queue.js';
import { countUnsplitDocuments, saveSplits, unsplitAmong, unsplitDocuments, type PendingDocument } from '../store/sentences-repo.js';
import type { Sentence } from '../store/types.js';
import { openSplitter } from './split-workers.js';
import { SPLITTER_VERSION } from '../text/split-sentences.js';

export type SplitOptions = {
  limit?: number;
  batchSize?: number;
  /** Worker threads that find sentences (1: all in this thread). */
  workers?: number;
  signal?: AbortSignal;
  onBatch?: (done: { documents: number; sentences: Sentence[] }) => Promise<void> | void;
};

export type SplitSummary = { documents: number; sentences: number; characters: number; workers: number; interrupted: boolean };

/**
 * The default documents per transaction. bench/split.ts's sweep (256, 1024) found no size
 * clearly cheaper per MB, and 1024 raised peak RSS: 256, as before.
 */
export const SPLIT_BATCH = 256;

type Claimed = { docs: PendingDocument[]; work: Promise<Sentence[][]> };

/**
 * Splits every document that has no sentences yet, a batch at a time: claim (leases in the
 * work queue, so several processes share the documents), split, then store the sentences and
 * the split mark and drop the leases in one transaction. A kill at any moment loses at most
 * the batches in flight, which the next run redoes; nothing is ever split twice. With worker
 * threads the next batches are split there while this thread writes, and batches are written
 * in the order they were claimed: the same rows as with one worker.
 */
export async function runSplit(db: Db, opts: SplitOptions = {}): Promise<SplitSummary> {
  const splitter = openSplitter(opts.workers ?? 1);
  const summary: SplitSummary = { documents: 0, sentences: 0, characters: 0, workers: splitter.workers, interrupted: false };
  try {
    await withWorkQueue(db.db, 'split', async (queue) => {
      const next = batchClaimer(db, queue, opts);
      const inflight: Claimed[] = [];
      let more = true;
      for (;;) {
        while (more && inflight.length < splitter.depth) {
          if (opts.signal?.aborted) {
            summary.interrupted = true;
            more = false;
            break;
          }
          const docs = await next();
          if (!docs) more = false;
          else if (docs.length > 0) {
            const work = splitter.split(docs);
            work.catch(() => {}); // awaited below, in order; not an unhandled rejection meanwhile
            inflight.push({ docs, work });
          }
        }
        const head = inflight.shift();
        if (!head || summary.interrupted) break;
        const batch = await saveBatch(db, queue, head.docs, await head.work);
        summary.documents += batch.documents;
        summary.sentences += batch.sentences.length;
        summary.characters += batch.characters;
        await opts.onBatch?.({ documents: batch.documents, sentences: batch.sentences });
      }
    });
  } finally {
    await splitter.close();
  }
  return summary;
}

/** The next documents not split yet that this worker won; [] when others hold a page, undefined at the end. */
function batchClaimer(db: Db, queue: WorkQueue, opts: SplitOptions) {
  let afterId: string | undefined;
  let claimed = 0;
  return async (): Promise<PendingDocument[] | undefined> => {
    const size = opts.batchSize ?? SPLIT_BATCH;
    const want = opts.limit === undefined ? size : Math.min(size, opts.limit - claimed);
    if (want <= 0) return undefined;
    const candidates = await unsplitDocuments(db.db, { afterId, limit: want, filter: queue.notLeased('d.id') });
    if (candidates.length === 0) return undefined;
    // The cursor moves past what this worker was offered; documents other workers hold are theirs.
    afterId = candidates.at(-1)!.id;
    const won = new Set(await queue.claim(candidates.map((d) => d.id), unsplitAmong));
    const docs = candidates.filter((d) => won.has(d.id));
    claimed += docs.length;
    return docs;
  };
}

/** Claimed documents' sentences, split marks and lease deletions, committed together. */
async function saveBatch(db: Db, queue: WorkQueue, docs: PendingDocument[], sentences: Sentence[][]) {
  const splits = docs.map((d, i) => ({ documentId: d.id, sentences: sentences[i]! }));
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
