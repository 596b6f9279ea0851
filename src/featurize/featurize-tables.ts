import type { Generated, Kysely } from 'kysely';
import type { Database } from '../store/types.js';

/** Tables of migration 0003 (kept here, beside their only users). */
export interface FeaturizeChunksTable {
  seq: Generated<number>;
  id: string;
  collection: string;
  document_id: string;
  embedder: string;
  category: string;
  idx: number;
  text: string;
  token_count: number;
  created_at: string;
}

export interface FeaturizedDocumentsTable {
  document_id: string;
  embedder: string;
  collection: string;
  content_hash: string;
  chunk_count: number;
  featurized_at: string;
}

export type FeaturizeTables = { featurize_chunks: FeaturizeChunksTable; featurized_documents: FeaturizedDocumentsTable };
export type FeaturizeDb = Kysely<Database & FeaturizeTables>;

export const withFeaturizeTables = (db: Kysely<Database>): FeaturizeDb => db.withTables<FeaturizeTables>();
