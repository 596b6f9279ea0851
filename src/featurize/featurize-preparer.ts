import { createWorkerPool, workerScript } from '../core/worker-pool.js';
import type { Embedder } from '../embed/embedder.js';
import type { Document } from '../store/types.js';
import type { FeaturizeConfig } from './featurize-config.js';
import { prepareDocument, type PreparedDocument } from './prepare-document.js';

/** Prepared documents in the order given, with their chunks' vectors when the workers embedded them. */
export type PreparedBatch = { prepared: PreparedDocument[]; vectors: Float32Array[] | null };

/**
 * Where featurize's CPU work runs: in this thread (one worker), or in worker threads. `depth`
 * is how many batches may be in preparation at once: enough to keep every worker busy while
 * the main thread writes, few enough to keep memory flat.
 */
export type Preparer = { readonly workers: number; readonly depth: number; prepare(docs: Document[]): Promise<PreparedBatch>; close(): Promise<void> };

export type FeaturizeWorkerData = { embedder: { id: string; maxTokens: number; dimension: number }; embed: boolean; config: FeaturizeConfig };
export type FeaturizeWorkerInput = { docs: Document[] };
export type FeaturizeWorkerOutput = { prepared: PreparedDocument[]; vectors: Float32Array | null };

/**
 * What a worker thread can do for this embedder: the hashing embedder is rebuilt there from its
 * id and embeds too; OpenAI's chunks are counted in cl100k there and embedded here (network);
 * MiniLM (its ONNX session already uses every core) and user modules prepare in this thread.
 */
function workerMode(e: Embedder): 'embed' | 'prepare' | undefined {
  if (e.name === 'hashing' && e.id.startsWith('hashing:')) return 'embed';
  if (e.name === 'openai' && e.id.startsWith('openai:') && e.tokenizer === 'cl100k_base') return 'prepare';
  return undefined;
}

const WORKER_YOUNG_MB = 8;

export function openPreparer(embedder: Embedder, config: FeaturizeConfig, workers: number): Preparer {
  const mode = workerMode(embedder);
  if (workers <= 1 || !mode) {
    return {
      workers: 1,
      depth: 1,
      prepare: async (docs) => ({ prepared: docs.map((d) => prepareDocument(d, embedder, config)), vectors: null }),
      close: async () => {},
    };
  }
  const data: FeaturizeWorkerData = { embedder: { id: embedder.id, maxTokens: embedder.maxTokens, dimension: embedder.dimension }, embed: mode === 'embed', config };
  // A worker's garbage is short-lived (a batch's strings and vectors): a young generation of
  // 8 MB instead of V8's default (up to 48 MB) cost no throughput and ~30 MB of RSS per worker.
  const pool = createWorkerPool<FeaturizeWorkerInput, FeaturizeWorkerOutput>(workerScript(import.meta.url, 'featurize-worker'), workers, data, { maxYoungGenerationSizeMb: WORKER_YOUNG_MB });
  const dim = embedder.dimension;
  return {
    workers,
    depth: workers + 1,
    async prepare(docs) {
      const out = await pool.run({ docs });
      const flat = out.vectors;
      const vectors = flat && Array.from({ length: flat.length / dim }, (_, i) => flat.subarray(i * dim, (i + 1) * dim));
      return { prepared: out.prepared, vectors };
    },
    close: () => pool.close(),
  };
}
