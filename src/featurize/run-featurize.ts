import type { Kysely } from 'kysely';
import { deterministicId, sha256Hex } from '../core/ids.js';
import type { Embedder } from '../embed/embedder.js';
import type { DocumentStore } from '../store/document-store.js';
import type { VectorStore } from '../vector/vector-store.js';
import { capToTokenLimit, chunkText } from './chunk-text.js';
import { cleanText } from './clean-text.js';
import { planFor, type FeaturizeConfig } from './featurize-config.js';
import { chunkIdsOf, featurizedHashes, forgetCollection, saveFeaturized, type ChunkRow } from '../store/featurize-repo.js';
import { withWorkQueue, type WorkQueue } from '../queue/work-queue.js';
import type { Database, Document } from '../store/types.js';
import { collectionNames } from '../vector/open-vector-store.js';

export type FeaturizeOptions = {
  embedder: Embedder;
  config: FeaturizeConfig;
  category?: string;
  limit?: number;
  /** Documents read per page; chunks are embedded in batches of `embedBatch`. */
  batchSize?: number;
  embedBatch?: number;
  /** Drop and rebuild the collections this run touches (e.g. after changing embedder). */
  recreate?: boolean;
  signal?: AbortSignal;
  onBatch?: (b: { documents: number; chunks: ChunkOut[] }) => Promise<void> | void;
};

export type ChunkOut = ChunkRow & { vector?: number[] };

export type FeaturizeSummary = {
  documents: number;
  chunks: number;
  characters: number;
  tokens: number;
  capped: number;
  skipped_empty: number;
  collections: string[];
  embedder: string;
  interrupted: boolean;
};

type Prepared = { doc: Document; cleaned: string; chunks: ChunkRow[]; names: { cleaned: string; embedded: string }; capped: number };

/** The text a document is featurized from: its title (when not already its first line) and content. */
function documentText(doc: Document): string {
  const title = doc.title?.trim();
  if (!title || doc.content.trimStart().startsWith(title)) return doc.content;
  return `${title}\n\n${doc.content}`;
}

function chunkId(embedder: string, documentId: string, index: number, text: string): string {
  return deterministicId('chunk', embedder, documentId, String(index), sha256Hex(text));
}

/** Clean, chunk and cap one document (no I/O): what `featurize` and its tests share. */
export function prepareDocument(doc: Document, embedder: Embedder, config: FeaturizeConfig): Prepared {
  const plan = planFor(config, doc.category);
  const names = collectionNames(doc.category);
  const cleaned = cleanText(documentText(doc), plan.clean);
  const count = (t: string) => embedder.countTokens(t);
  const windows = chunkText(cleaned, plan.chunk, count);
  // A piece with no letter or digit (".)." left by a splitter) carries nothing to embed or find.
  const pieces = windows.flatMap((c) => capToTokenLimit(c, embedder.maxTokens, count)).filter((p) => /[\p{L}\p{N}]/u.test(p.text));
  const chunks = pieces.map(({ text, tokens }, idx) => ({
    id: chunkId(embedder.id, doc.id, idx, text),
    collection: names.embedded,
    document_id: doc.id,
    embedder: embedder.id,
    category: doc.category,
    idx,
    text,
    token_count: tokens,
  }));
  return { doc, cleaned, chunks, names, capped: Math.max(0, pieces.length - windows.length) };
}

/**
 * Featurizes every document not yet done for this embedder (or changed since): clean, chunk,
 * cap, embed, then upsert `cleaned_<category>` and `embedded_<category>` and record the chunks
 * (lexical index) and the done mark in one transaction, which also drops the documents' leases.
 * Documents are leased from the embedder's work queue, so several workers share them and each
 * chunk is embedded once. Vectors are written before the mark, and every id is deterministic,
 * so a run killed at any point redoes at most its last page and ends in the same state.
 */
export async function runFeaturize(db: Kysely<Database>, store: DocumentStore, vectors: VectorStore, opts: FeaturizeOptions): Promise<FeaturizeSummary> {
  const { embedder } = opts;
  const summary: FeaturizeSummary = { documents: 0, chunks: 0, characters: 0, tokens: 0, capped: 0, skipped_empty: 0, collections: [], embedder: embedder.id, interrupted: false };
  const ensure = collectionMaker(db, vectors, opts, summary);
  await withWorkQueue(db, `featurize:${embedder.id}`, async (queue) => {
    let afterId: string | undefined;
    for (;;) {
      if (opts.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      if (opts.limit !== undefined && summary.documents >= opts.limit) break;
      const page = await store.list({ afterId, limit: opts.batchSize ?? 64, category: opts.category });
      if (page.length === 0) break;
      afterId = page.at(-1)!.id;
      if (opts.recreate) for (const d of page) await ensure(collectionNames(d.category));
      const claimed = await claimPending(db, queue, embedder.id, page, opts.limit === undefined ? undefined : opts.limit - summary.documents);
      if (claimed.docs.length === 0) continue;
      const prepared = claimed.docs.map((d) => prepareDocument(d, embedder, opts.config));
      for (const p of prepared) await ensure(p.names);
      const chunks = await featurizeBatch(db, vectors, queue, prepared, claimed.featurizedBefore, opts);
      addBatch(summary, prepared);
      await opts.onBatch?.({ documents: prepared.length, chunks });
    }
  });
  return summary;
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

/**
 * Leases the page's documents that are not featurized at their current content (at most
 * `room`); `featurizedBefore` holds the hash a changed document was featurized at.
 */
async function claimPending(db: Kysely<Database>, queue: WorkQueue, embedder: string, page: Document[], room?: number) {
  const featurizedBefore = await featurizedHashes(db, embedder, page.map((d) => d.id));
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

/** Embeds the chunks, writes the vectors, then the chunks, marks and lease deletions in one transaction. */
async function featurizeBatch(db: Kysely<Database>, vectors: VectorStore, queue: WorkQueue, prepared: Prepared[], featurizedBefore: Map<string, string>, opts: FeaturizeOptions): Promise<ChunkOut[]> {
  const { embedder } = opts;
  const chunks = prepared.flatMap((p) => p.chunks);
  const embedBatch = opts.embedBatch ?? 64;
  const vecs: Float32Array[] = [];
  for (let i = 0; i < chunks.length; i += embedBatch) vecs.push(...(await embedder.embedBatch(chunks.slice(i, i + embedBatch).map((c) => c.text), opts.signal)));
  const vectorOf = new Map<string, Float32Array>();
  chunks.forEach((c, k) => vectorOf.set(c.id, vecs[k]!));
  await writeVectors(db, vectors, prepared, featurizedBefore, vectorOf, embedder.id);
  await saveFeaturized(
    db,
    prepared.map((p) => ({ documentId: p.doc.id, contentHash: p.doc.content_hash, collection: p.names.embedded, embedder: embedder.id, chunks: p.chunks })),
    (trx) => queue.complete(trx, prepared.map((p) => p.doc.id)),
  );
  return chunks.map((c) => ({ ...c, vector: Array.from(vectorOf.get(c.id)!) }));
}

/** Upserts the cleaned documents and their chunks' vectors; a changed document's old chunks go first. */
async function writeVectors(db: Kysely<Database>, vectors: VectorStore, prepared: Prepared[], featurizedBefore: Map<string, string>, vectorOf: Map<string, Float32Array>, embedderId: string): Promise<void> {
  const byCollection = new Map<string, Prepared[]>();
  for (const p of prepared) byCollection.set(p.names.embedded, [...(byCollection.get(p.names.embedded) ?? []), p]);
  for (const [collection, group] of byCollection) {
    // Their ids differ from the new ones.
    const stale = await chunkIdsOf(db, collection, group.filter((p) => featurizedBefore.has(p.doc.id)).map((p) => p.doc.id));
    const fresh = new Set(group.flatMap((p) => p.chunks.map((c) => c.id)));
    await vectors.delete(collection, stale.filter((id) => !fresh.has(id)));
  }
  for (const [collection, group] of byCollection) {
    await vectors.upsert(
      group[0]!.names.cleaned,
      group.map((p) => ({
        id: p.doc.id,
        payload: { document_id: p.doc.id, category: p.doc.category, source: p.doc.source, title: p.doc.title, link: p.doc.link, author: p.doc.author, text: p.cleaned, chunk_count: p.chunks.length },
      })),
      null,
    );
    await vectors.upsert(
      collection,
      group.flatMap((p) =>
        p.chunks.map((c) => ({
          id: c.id,
          vector: vectorOf.get(c.id)!,
          payload: { document_id: c.document_id, chunk_index: c.idx, category: c.category, source: p.doc.source, title: p.doc.title, link: p.doc.link, author: p.doc.author, token_count: c.token_count, text: c.text },
        })),
      ),
      embedderId,
    );
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
