import { UsageError } from '../core/errors.js';
import type { DatabaseTarget } from '../store/database-url.js';
import type { VectorStore } from './vector-store.js';

export type VectorStoreChoice = 'auto' | 'sqlite' | 'qdrant';

/**
 * Where vectors go: Qdrant when asked (or when QDRANT_URL is set and nothing else was asked),
 * else sqlite-vec in the SQLite file. With PostgreSQL as --db there is no embedded vector store
 * (no pgvector assumed): Qdrant is required, and saying so beats a half-working fallback.
 * `reader`: the caller only searches (sqlite-file.ts: a file in a read-only folder).
 */
export async function openVectorStore(target: DatabaseTarget, choice: VectorStoreChoice = 'auto', qdrantUrl = process.env.QDRANT_URL, opts: { reader?: boolean } = {}): Promise<VectorStore> {
  const useQdrant = choice === 'qdrant' || (choice === 'auto' && Boolean(qdrantUrl));
  if (useQdrant) {
    if (!qdrantUrl) throw new UsageError('--vectors qdrant: set QDRANT_URL (docker compose up qdrant starts one at http://127.0.0.1:6333)');
    const { QdrantVectorStore } = await import('./qdrant-vector-store.js');
    return QdrantVectorStore.open(qdrantUrl);
  }
  if (target.engine === 'postgres') {
    throw new UsageError('vectors: with PostgreSQL as --db, vectors live in Qdrant: set QDRANT_URL (docker compose up qdrant), or use a SQLite --db for sqlite-vec');
  }
  if (target.path === ':memory:') throw new UsageError('vectors: sqlite-vec needs a SQLite file, not :memory:');
  const { SqliteVectorStore } = await import('./sqlite-vector-store.js');
  return SqliteVectorStore.open(target.path, opts);
}

/** Collection names from categories: anything outside [A-Za-z0-9_-] becomes _. */
export function collectionNames(category: string): { cleaned: string; embedded: string } {
  const safe = category.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 50) || 'documents';
  return { cleaned: `cleaned_${safe}`, embedded: `embedded_${safe}` };
}

/** The cleaned collection paired with an embedded one (collectionNames' pair), or undefined for another name. */
export function cleanedCollectionOf(embedded: string): string | undefined {
  return embedded.startsWith('embedded_') ? `cleaned_${embedded.slice('embedded_'.length)}` : undefined;
}
