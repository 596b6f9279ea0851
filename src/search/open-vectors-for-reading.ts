import type { DatabaseTarget } from '../store/database-url.js';
import type { VectorStore } from '../vector/vector-store.js';

/** Why a reader has no vector store; said once on stderr and in "no collection" errors. */
export const NO_VECTOR_STORE_NOTE = 'with PostgreSQL as --db, collections live in Qdrant and QDRANT_URL is not set';

/**
 * The vector store for readers (inspect). Featurize must refuse a PostgreSQL --db without
 * Qdrant (it would have nowhere to write), but a reader just finds no collections there.
 */
export async function openVectorsForReading(target: DatabaseTarget, qdrantUrl = process.env.QDRANT_URL): Promise<VectorStore | null> {
  if (target.engine === 'postgres' && !qdrantUrl) return null;
  const { openVectorStore } = await import('../vector/open-vector-store.js');
  return openVectorStore(target, 'auto', qdrantUrl, { reader: true });
}
