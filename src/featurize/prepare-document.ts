import { deterministicId, sha256Hex } from '../core/ids.js';
import type { Embedder } from '../embed/embedder.js';
import type { ChunkRow } from '../store/featurize-repo.js';
import type { Document } from '../store/types.js';
import { collectionNames } from '../vector/open-vector-store.js';
import { capToTokenLimit, chunkText } from './chunk-text.js';
import { cleanText } from './clean-text.js';
import { planFor, type FeaturizeConfig } from './featurize-config.js';

/** What cleaning and chunking make of one document: no I/O, no vectors. */
export type PreparedDocument = { cleaned: string; chunks: ChunkRow[]; capped: number };

/** The embedder as far as preparing needs it: the id its chunks carry, its limit and tokenizer. */
export type ChunkingEmbedder = Pick<Embedder, 'id' | 'maxTokens' | 'countTokens' | 'counterFor'>;

/** The text a document is featurized from: its title (when not already its first line) and content. */
function documentText(doc: Document): string {
  const title = doc.title?.trim();
  if (!title || doc.content.trimStart().startsWith(title)) return doc.content;
  return `${title}\n\n${doc.content}`;
}

function chunkId(embedder: string, documentId: string, index: number, text: string): string {
  return deterministicId('chunk', embedder, documentId, String(index), sha256Hex(text));
}

/** Clean, chunk and cap one document (no I/O): what featurize, its worker threads and its tests share. */
export function prepareDocument(doc: Document, embedder: ChunkingEmbedder, config: FeaturizeConfig): PreparedDocument {
  const plan = planFor(config, doc.category);
  const collection = collectionNames(doc.category).embedded;
  const cleaned = cleanText(documentText(doc), plan.clean);
  const count = embedder.counterFor?.(cleaned) ?? ((t: string) => embedder.countTokens(t));
  const windows = chunkText(cleaned, plan.chunk, count);
  // A piece with no letter or digit (".)." left by a splitter) carries nothing to embed or find.
  const pieces = windows.flatMap((c) => capToTokenLimit(c, embedder.maxTokens, count)).filter((p) => /[\p{L}\p{N}]/u.test(p.text));
  const chunks = pieces.map(({ text, tokens }, idx) => ({
    id: chunkId(embedder.id, doc.id, idx, text),
    collection,
    document_id: doc.id,
    embedder: embedder.id,
    category: doc.category,
    idx,
    text,
    token_count: Math.ceil(tokens),
  }));
  return { cleaned, chunks, capped: Math.max(0, pieces.length - windows.length) };
}
