import type { Kysely } from 'kysely';
import type { Embedder } from '../embed/embedder.js';
import type { DocumentStore } from '../store/document-store.js';
import type { VectorStore } from '../vector/vector-store.js';
import type { FeaturizeConfig } from './featurize-config.js';
import { openPreparer, type PreparedBatch, type Preparer, type PreparerThreads } from './featurize-preparer.js';
import type { PreparedDocument } from './prepare-document.js';
import { batchPoints } from './featurize-points.js';
import { chunkIdsOf, featurizedHashes, forgetCollection, saveFeaturized, type ChunkRow } from '../store/featurize-repo.js';
import { inOrderPipeline } from '../core/in-order-pipeline.js';
import { withWorkQueue, type WorkQueue } from '../queue/work-queue.js';
import type { Database, Document } from '../store/types.js';
import { collectionNames } from '../vector/open-vector-store.js';
import { sqliteWal, workerCheckpoints, type CheckpointSchedule } from '../store/wal-checkpoints.js';

export type FeaturizeOptions = {
  embedder: Embedder;
  config: FeaturizeConfig;
  category?: string;
  limit?: number;
  /** Documents read, claimed and committed together; chunks are embedded in batches of `embedBatch`. */
  batchSize?: number;
  embedBatch?: number;
  /** Threads for cleaning, chunking, counting and hashing, this one (the writer) included: N−1 worker threads (1: all in this thread). */
  workers?: number;
  /** Worker threads started ahead (startPreparerThreads), taken if `workers` wants as many, else closed. */
  threads?: PreparerThreads;
  /** Drop and rebuild the collections this run touches (e.g. after changing embedder). */
  recreate?: boolean;
  /** Characters of documents written between two WAL checkpoints by the checkpoint thread (tests; default ~2 M). */
  checkpointEvery?: number;
  /** The WAL's size in pages from which the writer starts it over (tests; default ~100 MB of pages). */
  walRestartPages?: number;
  signal?: AbortSignal;
  onBatch?: (b: { documents: number; chunks: ChunkOut[] }) => Promise<void> | void;
};

/** A chunk as written, with its vector (a view: copy it to keep it past the callback). */
export type ChunkOut = ChunkRow & { vector: Float32Array };

export type FeaturizeSummary = {
  documents: number;
  chunks: number;
  characters: number;
  tokens: number;
  capped: number;
  skipped_empty: number;
  collections: string[];
  embedder: string;
  /** Threads that did the CPU work, this one included (1: this thread alone). */
  workers: number;
  interrupted: boolean;
};

/** A batch's claimed documents beside what was made of them. */
type Prepared = PreparedDocument & { doc: Document; names: { cleaned: string; embedded: string } };

/**
 * The default documents per batch (one transaction). bench/featurize.ts's sweep (64, 256, 1024)
 * found no size clearly cheaper per MB; 1024 raised peak RSS (three batches in flight with
 * workers), 64 commits four times as often: 256.
 */
export const FEATURIZE_BATCH = 256;

/**
 * Characters of documents per batch at most, whatever the batch size: a batch's text, chunks,
 * payloads and vectors are held several times over while batches are in flight, so memory
 * follows the text per batch, not the documents. 256 SciFact abstracts make ~360 K characters;
 * 256 of bench/featurize.ts's generated documents (articles, posts, code) ~1.2 M, and peak RSS
 * on its 500 MB corpus was 379-415 MB with them, 327 with 128 documents per batch and 313 with
 * this cut, at about the same speed (2.17 MB/s against 2.25 back to back): 512 K.
 */
export const BATCH_CHARACTERS = 512 * 1024;

/**
 * Characters of documents featurized between two checkpoints (wal-checkpoints.ts): featurize
 * writes ~11 bytes of database per character with the hashing embedder (vectors, payloads,
 * chunks, lexical index), so ~2 M characters make ~25 MB of WAL, about what the writer's own
 * commits let grow before checkpointing (sqlite-pragmas.ts).
 */
const CHECKPOINT_CHARACTERS = 2_000_000;

/**
 * Featurizes every document not yet done for this embedder (or changed since): clean, chunk,
 * cap, embed, then upsert `cleaned_<category>` and `embedded_<category>` and record the chunks
 * (lexical index) and the done mark in one transaction, which also drops the documents' leases.
 * Documents are leased from the embedder's work queue, so several processes share them and each
 * chunk is embedded once. Vectors are written before the mark, and every id is deterministic,
 * so a run killed at any point redoes at most the batches it held and ends in the same state.
 *
 * With N threads, N−1 worker threads prepare the next batches while this thread writes the one
 * before, and this thread prepares queued batches itself while it waits: the writer is about
 * half the work, so N threads keep N cores busy. Batches are written in the order they were
 * claimed, so the result is the same as with one thread.
 */
export async function runFeaturize(db: Kysely<Database>, store: DocumentStore, vectors: VectorStore, opts: FeaturizeOptions): Promise<FeaturizeSummary> {
  const { embedder } = opts;
  const wal = (opts.workers ?? 1) > 1 ? await sqliteWal(db) : null;
  const preparer = openPreparer(embedder, opts.config, opts.workers ?? 1, { pointCodes: vectors.kind === 'sqlite-vec', started: opts.threads });
  const summary: FeaturizeSummary = { documents: 0, chunks: 0, characters: 0, tokens: 0, capped: 0, skipped_empty: 0, collections: [], embedder: embedder.id, workers: preparer.threads, interrupted: false };
  try {
    // A thread of its own checkpoints the file while this one writes: both its connections
    // (this one and the vector store's, when in the same file) stop checkpointing in their commits.
    const checkpoints = await workerCheckpoints(preparer.threads > 1 && wal ? [wal, vectors.wal] : [], opts.checkpointEvery ?? CHECKPOINT_CHARACTERS, { restartPages: opts.walRestartPages });
    try {
      await withWorkQueue(db, `featurize:${embedder.id}`, (queue) => featurizeLoop({ db, store, vectors, queue, preparer, checkpoints }, opts, summary));
    } finally {
      await checkpoints.restore();
    }
  } finally {
    await preparer.close();
  }
  return summary;
}

type Run = { db: Kysely<Database>; store: DocumentStore; vectors: VectorStore; queue: WorkQueue; preparer: Preparer; checkpoints: CheckpointSchedule };

/** Claims up to the preparer's depth of batches ahead of the writer, and writes them in the order claimed. */
async function featurizeLoop(run: Run, opts: FeaturizeOptions, summary: FeaturizeSummary): Promise<void> {
  const { db, vectors, queue, preparer, checkpoints } = run;
  const ensure = collectionMaker(db, vectors, opts, summary);
  const next = batchClaimer(db, run.store, queue, opts, ensure);
  summary.interrupted = await inOrderPipeline({
    depth: preparer.depth,
    signal: opts.signal,
    next: async () => {
      const claimed = await next();
      if (claimed === undefined) checkpoints.draining();
      return claimed && claimed.docs.length === 0 ? null : claimed;
    },
    start: (claimed) => preparer.prepare(claimed.docs),
    wait: (work) => preparer.ready(work),
    finish: async (claimed, batch) => {
      const prepared = claimed.docs.map((doc, i) => ({ ...batch.prepared[i]!, doc, names: collectionNames(doc.category) }));
      for (const p of prepared) await ensure(p.names);
      const chunks = await featurizeBatch(db, vectors, queue, prepared, claimed.featurizedBefore, batch, opts);
      addBatch(summary, prepared);
      await checkpoints.wrote(prepared.reduce((n, p) => n + p.doc.content.length, 0));
      await opts.onBatch?.({ documents: prepared.length, chunks });
    },
  });
}

/**
 * Reads the next documents to do (a page of `batchSize` ids, those not featurized at their
 * current hash read whole, cut at BATCH_CHARACTERS, the rest kept for the next batch) and leases
 * them; undefined when none are left. Ids and hashes come first, so that a rerun over a warehouse
 * mostly done reads no text it will not use (a rerun with nothing to do on SciFact ×7, 51 MB,
 * read every document's content: 0.9 s against 0.3 s on 8 MB).
 */
function batchClaimer(db: Kysely<Database>, store: DocumentStore, queue: WorkQueue, opts: FeaturizeOptions, ensure: (names: { cleaned: string; embedded: string }) => Promise<void>) {
  let afterId: string | undefined;
  let claimedSoFar = 0;
  let rest: Document[] = [];
  let featurizedBefore = new Map<string, string>();
  return async () => {
    if (opts.limit !== undefined && claimedSoFar >= opts.limit) return undefined;
    if (rest.length === 0) {
      // With --recreate every key of the page has its collections rebuilt, so under --limit the
      // page is no longer than what may still be claimed: a page of 256 keys rebuilt (emptied)
      // the collections of documents past the limit, which this run then did not featurize.
      const room = opts.recreate && opts.limit !== undefined ? opts.limit - claimedSoFar : Infinity;
      const keys = await store.listKeys({ afterId, limit: Math.min(opts.batchSize ?? FEATURIZE_BATCH, room), category: opts.category });
      if (keys.length === 0) return undefined;
      afterId = keys.at(-1)!.id;
      // Dropped and forgotten before their marks are read: every document of a rebuilt collection is to do.
      if (opts.recreate) for (const k of keys) await ensure(collectionNames(k.category));
      featurizedBefore = await featurizedHashes(db, opts.embedder.id, keys.map((k) => k.id));
      rest = await documentsInOrder(store, keys.filter((k) => featurizedBefore.get(k.id) !== k.content_hash).map((k) => k.id));
      if (rest.length === 0) return { docs: [], featurizedBefore }; // all done: the next page
    }
    let characters = rest[0]!.content.length;
    let n = 1;
    while (n < rest.length && characters + rest[n]!.content.length <= BATCH_CHARACTERS) characters += rest[n++]!.content.length;
    const page = rest.slice(0, n);
    rest = rest.slice(n);
    const claimed = await claimPending(db, queue, opts.embedder.id, page, featurizedBefore, opts.limit === undefined ? undefined : opts.limit - claimedSoFar);
    claimedSoFar += claimed.docs.length;
    return claimed;
  };
}

/** Creates a run's collections once each (dropped first with `recreate`). */
function collectionMaker(db: Kysely<Database>, vectors: VectorStore, opts: FeaturizeOptions, summary: FeaturizeSummary) {
  const ready = new Set<string>();
  return async (names: { cleaned: string; embedded: string }) => {
    if (ready.has(names.embedded)) return;
    if (opts.recreate) {
      await vectors.dropCollection(names.embedded);
      await vectors.dropCollection(names.cleaned);
      await forgetCollection(db, names.embedded);
    }
    await vectors.createCollection(names.cleaned, { embedder: null, dimension: null });
    await vectors.createCollection(names.embedded, { embedder: opts.embedder.id, dimension: opts.embedder.dimension });
    ready.add(names.embedded);
    summary.collections.push(names.embedded);
  };
}

/** These documents (those still there), in the order of `ids`. */
async function documentsInOrder(store: DocumentStore, ids: string[]): Promise<Document[]> {
  if (ids.length === 0) return [];
  const byId = new Map((await store.getMany(ids)).map((d) => [d.id, d]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * Leases the page's documents that are not featurized at their current content (at most
 * `room`); `featurizedBefore` holds the hash each was featurized at, if any (the claim checks
 * again, in its transaction, against what another run may have done since).
 */
async function claimPending(db: Kysely<Database>, queue: WorkQueue, embedder: string, page: Document[], featurizedBefore: Map<string, string>, room?: number) {
  const pending = page.filter((d) => featurizedBefore.get(d.id) !== d.content_hash).slice(0, room);
  const hashOf = new Map(pending.map((d) => [d.id, d.content_hash]));
  const won = new Set(
    await queue.claim([...hashOf.keys()], async (trx, ids) => {
      const now = await featurizedHashes(trx, embedder, ids);
      return ids.filter((id) => now.get(id) !== hashOf.get(id));
    }),
  );
  return { docs: pending.filter((d) => won.has(d.id)), featurizedBefore };
}

/** Embeds the chunks (unless the workers did), writes the vectors, then the chunks, marks and lease deletions in one transaction. */
async function featurizeBatch(
  db: Kysely<Database>,
  vectors: VectorStore,
  queue: WorkQueue,
  prepared: Prepared[],
  featurizedBefore: Map<string, string>,
  batch: PreparedBatch,
  opts: FeaturizeOptions,
): Promise<ChunkOut[]> {
  const { embedder } = opts;
  const chunks = prepared.flatMap((p) => p.chunks);
  const embedBatch = opts.embedBatch ?? 64;
  const vecs: Float32Array[] = batch.vectors ?? [];
  if (!batch.vectors) for (let i = 0; i < chunks.length; i += embedBatch) vecs.push(...(await embedder.embedBatch(chunks.slice(i, i + embedBatch).map((c) => c.text), opts.signal)));
  await deleteReplaced(db, vectors, prepared, featurizedBefore);
  for (const [i, g] of batchPoints(prepared.map((p) => p.doc), prepared, vecs).entries()) {
    await vectors.upsert(g.cleaned, g.documents, null);
    await vectors.upsert(g.embedded, g.chunks, embedder.id, batch.codes?.[i]);
  }
  await saveFeaturized(
    db,
    prepared.map((p) => ({ documentId: p.doc.id, contentHash: p.doc.content_hash, collection: p.names.embedded, embedder: embedder.id, chunks: p.chunks })),
    (trx) => queue.complete(trx, prepared.map((p) => p.doc.id)),
  );
  return chunks.map((c, k) => ({ ...c, vector: vecs[k]! }));
}

/** Deletes the points of the chunks a changed document no longer has (their ids differ from the new ones). */
async function deleteReplaced(db: Kysely<Database>, vectors: VectorStore, prepared: Prepared[], featurizedBefore: Map<string, string>): Promise<void> {
  const byCollection = new Map<string, Prepared[]>();
  for (const p of prepared) if (featurizedBefore.has(p.doc.id)) byCollection.set(p.names.embedded, [...(byCollection.get(p.names.embedded) ?? []), p]);
  for (const [collection, group] of byCollection) {
    const stale = await chunkIdsOf(db, collection, group.map((p) => p.doc.id));
    const fresh = new Set(group.flatMap((p) => p.chunks.map((c) => c.id)));
    const gone = stale.filter((id) => !fresh.has(id));
    // Most batches replace nothing: no empty write transaction for them.
    if (gone.length > 0) await vectors.delete(collection, gone);
  }
}

function addBatch(summary: FeaturizeSummary, prepared: Prepared[]): void {
  summary.documents += prepared.length;
  for (const p of prepared) {
    summary.chunks += p.chunks.length;
    summary.characters += p.doc.content.length;
    summary.capped += p.capped;
    if (p.chunks.length === 0) summary.skipped_empty++;
    for (const c of p.chunks) summary.tokens += c.token_count;
  }
}

/** Documents not yet featurized for this embedder (an estimate for the progress bar). */
export async function pendingCount(db: Kysely<Database>, store: DocumentStore, embedder: string, category?: string): Promise<number> {
  const total = await store.count({ category });
  if (category) return total;
  const { countFeaturized } = await import('../store/featurize-repo.js');
  return Math.max(0, total - (await countFeaturized(db, embedder)));
}
