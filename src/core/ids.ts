import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';

// A fixed namespace so that ids are the same on every machine and in every store.
const LLMOPS_NAMESPACE = '6f1f8a4e-3c8b-5d0e-9a43-7d1c2f6b9e10';
const NAMESPACE_BYTES = Buffer.from(LLMOPS_NAMESPACE.replaceAll('-', ''), 'hex');

type WellFormed = string & { isWellFormed(): boolean };

/** Deterministic UUIDv5 over the given parts (joined with a separator no part can contain). */
export function deterministicId(...parts: string[]): string {
  const name = parts.join('\u0000');
  // RFC 9562's v5 straight from node:crypto: the uuid package's own UTF-8 encoding made it 3×
  // slower, a chunk id apiece in featurize. A lone surrogate still goes to uuid, which refuses it
  // (UTF-8 would turn every one into U+FFFD, and two names into one id).
  if (!(name as WellFormed).isWellFormed()) return uuidv5(name, LLMOPS_NAMESPACE);
  const h = createHash('sha1').update(NAMESPACE_BYTES).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50; // version 5
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC variant
  const x = h.toString('hex', 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
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
