import type { Db } from '../store/database.js';
import { inOrderPipeline } from '../core/in-order-pipeline.js';
import { withWorkQueue, type WorkQueue } from '../queue/work-queue.js';
import { countUnsplitDocuments, documentHashes, saveSplits, unsplitAmong, unsplitDocuments, type PendingDocument } from '../store/sentences-repo.js';
import type { Sentence } from '../store/types.js';
import { batchSentences, keepDocuments, sentenceCount, type SplitBatch } from './split-batch.js';
import { openSplitter, type Splitter } from './split-workers.js';
import { sqliteWal, workerCheckpoints, type CheckpointSchedule } from '../store/wal-checkpoints.js';
import { connectionChanges, dataVersion } from '../store/data-version.js';
import { writerSettings, type WriterSettings } from './writer-settings.js';
import { SPLITTER_VERSION } from '../text/split-sentences.js';

export type SplitOptions = {
  limit?: number;
  batchSize?: number;
  /** Worker threads that find sentences (1: all in this thread). */
  workers?: number;
  signal?: AbortSignal;
  /** Characters of text written between two WAL checkpoints by the checkpoint thread (tests; default ~8 M). */
  checkpointEvery?: number;
  /** The WAL's size in pages from which a checkpoint starts it over (tests; default ~100 MB of pages). */
  walRestartPages?: number;
  /** Whether onBatch gets the batch's sentences with their texts (`split --out`); else it gets counts only. */
  texts?: boolean;
  /**
   * Called after each committed batch; `sentences` only with `texts`. On SQLite the connection
   * has foreign keys off while the split runs (writer-settings.ts): a delete made through it
   * from here does not cascade. Documents deleted or changed from here are noticed (as from
   * another connection), but not through this connection by other code while the split runs.
   */
  onBatch?: (done: { documents: number; sentences: Sentence[] | undefined }) => Promise<void> | void;
};

export type SplitSummary = { documents: number; sentences: number; characters: number; workers: number; interrupted: boolean };

/**
 * The default documents per transaction. bench/split.ts's sweep (256, 1024) found no size
 * clearly cheaper per MB, and 1024 raised peak RSS: 256, as before.
 */
export const SPLIT_BATCH = 256;

/**
 * Text characters written between two checkpoints: ~8 M characters make ~22 MB
 * of sentence rows and index pages, under the 32 MB of WAL after which the writer's own commits
 * would checkpoint (sqlite-pragmas.ts).
 */
const CHECKPOINT_CHARACTERS = 8_000_000;

/**
 * Splits every document that has no sentences yet, a batch at a time: claim (leases in the
 * work queue, so several processes share the documents), split, then store the sentences and
 * the split mark and drop the leases in one transaction. A kill at any moment loses at most
 * the batches in flight, which the next run redoes; nothing is ever split twice. With worker
 * threads the next batches are split there while this thread writes, and batches are written
 * in the order they were claimed: the same rows as with one worker.
 */
export async function runSplit(db: Db, opts: SplitOptions = {}): Promise<SplitSummary> {
  const wal = (opts.workers ?? 1) > 1 ? await sqliteWal(db.db) : null;
  const splitter = openSplitter(opts.workers ?? 1, { path: wal?.file ?? null, texts: opts.texts });
  const summary: SplitSummary = { documents: 0, sentences: 0, characters: 0, workers: splitter.workers, interrupted: false };
  try {
    const checkpoints = await workerCheckpoints(splitter.readsDocuments ? [wal] : [], opts.checkpointEvery ?? CHECKPOINT_CHARACTERS, { restartPages: opts.walRestartPages });
    try {
      const settings = await writerSettings(db);
      try {
        await withWorkQueue(db.db, 'split', (queue) => splitLoop(db, queue, splitter, { checkpoints, settings }, opts, summary));
      } finally {
        await settings.restore();
      }
    } finally {
      await checkpoints.restore();
    }
  } finally {
    await splitter.close();
  }
  return summary;
}

/** Claims up to `depth` batches ahead of the writer, and writes them in the order claimed. */
async function splitLoop(db: Db, queue: WorkQueue, splitter: Splitter, writer: { checkpoints: CheckpointSchedule; settings: WriterSettings }, opts: SplitOptions, summary: SplitSummary) {
  const { checkpoints } = writer;
  // Bumped when onBatch writes through this connection: SQLite's data version does not show it.
  const writes = { byCallback: 0 };
  const next = batchClaimer(db, queue, splitter, opts, writes);
  summary.interrupted = await inOrderPipeline({
    depth: splitter.depth,
    signal: opts.signal,
    next: async () => {
      const claimed = await next();
      if (claimed === undefined) checkpoints.draining();
      return claimed && claimed.docs.length === 0 ? null : claimed;
    },
    start: ({ docs }) => splitter.split(docs),
    finish: async (claimed, split) => {
      const batch = await saveBatch(db, queue, claimed, split, writes);
      await checkpoints.wrote(batch.characters);
      summary.documents += batch.documentIds.length;
      summary.sentences += sentenceCount(batch);
      summary.characters += batch.characters;
      if (!opts.onBatch) return;
      const before = await connectionChanges(db.db, db.engine);
      await opts.onBatch({ documents: batch.documentIds.length, sentences: batch.texts ? batchSentences(batch).flat() : undefined });
      if ((await connectionChanges(db.db, db.engine)) !== before) writes.byCallback++;
    },
  });
}

/**
 * Batches claimed ahead when the workers read the documents (this thread then holds only ids):
 * one claim transaction for four written ones, instead of one each.
 */
const CLAIM_AHEAD = 4;

/**
 * Documents claimed for one batch, with the database's data version (data-version.ts) and the
 * count of onBatch calls that wrote, both read before anything of them was: both unchanged at
 * the write, nothing else wrote meanwhile.
 */
type Claimed = { docs: PendingDocument[]; seen: number | null; byCallback: number };

/** The next documents not split yet that this worker won; [] when others hold a page, undefined at the end. */
function batchClaimer(db: Db, queue: WorkQueue, splitter: Splitter, opts: SplitOptions, writes: { byCallback: number }) {
  const size = opts.batchSize ?? SPLIT_BATCH;
  let afterId: string | undefined;
  let claimed = 0;
  let won: PendingDocument[] = [];
  let seen: number | null = null;
  let byCallback = 0;
  const claim = async (): Promise<PendingDocument[] | undefined> => {
    const ahead = splitter.readsDocuments ? size * CLAIM_AHEAD : size;
    const want = opts.limit === undefined ? ahead : Math.min(ahead, opts.limit - claimed);
    if (want <= 0) return undefined;
    seen = await dataVersion(db.db, db.engine);
    byCallback = writes.byCallback;
    const candidates = await unsplitDocuments(db.db, { afterId, limit: want, filter: queue.notLeased('d.id'), content: !splitter.readsDocuments });
    if (candidates.length === 0) return undefined;
    // The cursor moves past what this worker was offered; documents other workers hold are theirs.
    afterId = candidates.at(-1)!.id;
    const ids = new Set(await queue.claim(candidates.map((d) => d.id), unsplitAmong));
    const docs = candidates.filter((d) => ids.has(d.id));
    claimed += docs.length;
    return docs;
  };
  return async (): Promise<Claimed | undefined> => {
    if (won.length === 0) {
      const docs = await claim();
      if (!docs || docs.length === 0) return docs && { docs, seen, byCallback };
      won = docs;
    }
    return { docs: won.splice(0, size), seen, byCallback };
  };
}

/**
 * Claimed documents' sentences, split marks and lease deletions, committed together, of the
 * documents still as they were read: a sentence is only offsets into its document's content,
 * so one deleted or changed since (by an ingest meanwhile) is left unsplit, for the next run.
 * SQLite's write transaction holds off other writers, and when neither another connection nor
 * onBatch has written since the claim, the documents are as read: their hashes are looked up
 * only otherwise (reading them cost ~10% of the split). On PostgreSQL they are always looked up,
 * their rows locked until the commit. Returns what it stored.
 */
async function saveBatch(db: Db, queue: WorkQueue, { docs, seen, byCallback }: Claimed, batch: SplitBatch, writes: { byCallback: number }): Promise<SplitBatch> {
  return db.db.transaction().execute(async (trx) => {
    const untouched = seen !== null && byCallback === writes.byCallback && (await dataVersion(trx, db.engine)) === seen;
    const hashes = untouched ? null : await documentHashes(trx, db.engine, batch.documentIds);
    const stored = hashes ? keepDocuments(batch, (id, hash) => hashes.get(id) === hash) : batch;
    await saveSplits(trx, stored, SPLITTER_VERSION);
    await queue.complete(trx, docs.map((d) => d.id));
    return stored;
  });
}

export function pendingDocuments(db: Db): Promise<number> {
  return countUnsplitDocuments(db.db);
}
