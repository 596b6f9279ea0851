import { deterministicId, sha256Hex } from '../core/ids.js';
import type { Embedder } from '../embed/embedder.js';
import type { DocumentStore } from '../store/document-store.js';
import type { Document } from '../store/types.js';
import type { VectorStore } from '../vector/vector-store.js';
import { capToTokenLimit, chunkText } from './chunk-text.js';
import { cleanText } from './clean-text.js';
import { planFor, type FeaturizeConfig } from './featurize-config.js';
import { chunkIdsOf, featurizedHashes, forgetCollection, saveFeaturized, type ChunkRow } from './featurize-repo.js';
import type { FeaturizeDb } from './featurize-tables.js';
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

export function chunkId(embedder: string, documentId: string, index: number, text: string): string {
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
 * (lexical index) and the done mark in one transaction. Vectors are written before the mark,
 * and every id is deterministic, so a run killed at any point redoes at most its last page and
 * ends in the same state.
 */
export async function runFeaturize(db: FeaturizeDb, store: DocumentStore, vectors: VectorStore, opts: FeaturizeOptions): Promise<FeaturizeSummary> {
  const { embedder } = opts;
  const summary: FeaturizeSummary = { documents: 0, chunks: 0, characters: 0, tokens: 0, capped: 0, skipped_empty: 0, collections: [], embedder: embedder.id, interrupted: false };
  const ready = new Set<string>();
  const ensure = async (names: { cleaned: string; embedded: string }) => {
    if (ready.has(names.embedded)) return;
    if (opts.recreate) {
      await vectors.dropCollection(names.embedded);
      await vectors.dropCollection(names.cleaned);
      await forgetCollection(db, names.embedded);
    }
    await vectors.createCollection(names.cleaned, { embedder: null, dimension: null });
    await vectors.createCollection(names.embedded, { embedder: embedder.id, dimension: embedder.dimension });
    ready.add(names.embedded);
    summary.collections.push(names.embedded);
  };
  const pageSize = opts.batchSize ?? 64;
  const embedBatch = opts.embedBatch ?? 64;
  let afterId: string | undefined;
  for (;;) {
    if (opts.signal?.aborted) {
      summary.interrupted = true;
      break;
    }
    if (opts.limit !== undefined && summary.documents >= opts.limit) break;
    const page = await store.list({ afterId, limit: pageSize, category: opts.category });
    if (page.length === 0) break;
    afterId = page.at(-1)!.id;
    if (opts.recreate) for (const d of page) await ensure(collectionNames(d.category));
    const done = await featurizedHashes(db, embedder.id, page.map((d) => d.id));
    let pending = page.filter((d) => done.get(d.id) !== d.content_hash);
    if (opts.limit !== undefined) pending = pending.slice(0, opts.limit - summary.documents);
    if (pending.length === 0) continue;

    const prepared = pending.map((d) => prepareDocument(d, embedder, opts.config));
    for (const p of prepared) await ensure(p.names);
    const chunks = prepared.flatMap((p) => p.chunks);
    const vecs: Float32Array[] = [];
    for (let i = 0; i < chunks.length; i += embedBatch) vecs.push(...(await embedder.embedBatch(chunks.slice(i, i + embedBatch).map((c) => c.text), opts.signal)));

    // A changed document's old chunks go first (their ids differ from the new ones).
    const changed = prepared.filter((p) => done.has(p.doc.id));
    const byCollection = new Map<string, Prepared[]>();
    for (const p of prepared) byCollection.set(p.names.embedded, [...(byCollection.get(p.names.embedded) ?? []), p]);
    for (const [collection, group] of byCollection) {
      const stale = await chunkIdsOf(db, collection, changed.filter((p) => group.includes(p)).map((p) => p.doc.id));
      const fresh = new Set(group.flatMap((p) => p.chunks.map((c) => c.id)));
      await vectors.delete(collection, stale.filter((id) => !fresh.has(id)));
    }
    let k = 0;
    const vectorOf = new Map<string, Float32Array>();
    for (const c of chunks) vectorOf.set(c.id, vecs[k++]!);
    for (const [collection, group] of byCollection) {
      const d0 = group[0]!;
      await vectors.upsert(
        d0.names.cleaned,
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
        embedder.id,
      );
    }
    await saveFeaturized(
      db,
      prepared.map((p) => ({ documentId: p.doc.id, contentHash: p.doc.content_hash, collection: p.names.embedded, embedder: embedder.id, chunks: p.chunks })),
    );
    summary.documents += prepared.length;
    summary.chunks += chunks.length;
    for (const p of prepared) {
      summary.characters += p.doc.content.length;
      summary.capped += p.capped;
      if (p.chunks.length === 0) summary.skipped_empty++;
    }
    for (const c of chunks) summary.tokens += c.token_count;
    await opts.onBatch?.({ documents: prepared.length, chunks: chunks.map((c) => ({ ...c, vector: Array.from(vectorOf.get(c.id)!) })) });
  }
  return summary;
}

/** Documents not yet featurized for this embedder (an estimate for the progress bar). */
export async function pendingCount(db: FeaturizeDb, store: DocumentStore, embedder: string, category?: string): Promise<number> {
  const total = await store.count({ category });
  if (category) return total;
  const { countFeaturized } = await import('./featurize-repo.js');
  return Math.max(0, total - (await countFeaturized(db, embedder)));
}
