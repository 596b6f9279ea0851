import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';

// A fixed namespace so that ids are the same on every machine and in every store.
const LLMOPS_NAMESPACE = '6f1f8a4e-3c8b-5d0e-9a43-7d1c2f6b9e10';

/** Deterministic UUIDv5 over the given parts (joined with a separator no part can contain). */
export function deterministicId(...parts: string[]): string {
  return uuidv5(parts.join('\u0000'), LLMOPS_NAMESPACE);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * A document's id: stable for the same source and the same external key (the record's own id,
 * else its link, else its content), so re-ingesting the same input is a no-op.
 */
export function documentId(source: string, key: { externalId?: string | null; link?: string | null; contentHash: string }): string {
  if (key.externalId) return deterministicId('doc', source, 'id', key.externalId);
  if (key.link) return deterministicId('doc', source, 'link', key.link);
  return deterministicId('doc', source, 'content', key.contentHash);
}

/**
 * A sentence's id is its document's id and its position. Deterministic like every id, and it
 * sorts with its document, so a batch of sentences lands in the index in order instead of at
 * random places (random UUID keys made SQLite inserts several times slower).
 */
export function sentenceId(documentId: string, index: number): string {
  return `${documentId}:${index}`;
}
