import { createWorkerPool, workerScript } from '../core/worker-pool.js';
import type { Embedder } from '../embed/embedder.js';
import type { Document } from '../store/types.js';
import type { FeaturizeConfig } from './featurize-config.js';
import { prepareDocument, type PreparedDocument } from './prepare-document.js';

/** Prepared documents in the order given, with their chunks' vectors when they were embedded with them. */
export type PreparedBatch = { prepared: PreparedDocument[]; vectors: Float32Array[] | null };

/**
 * Where featurize's CPU work runs. `threads` counts this thread (the writer) too: with N, N−1
 * worker threads prepare batches, and this one prepares queued batches itself while it waits
 * for the next one to write (`ready`). `depth` is how many batches may be in preparation at
 * once: enough to keep every thread busy, few enough to keep memory flat.
 */
export type Preparer = {
  readonly threads: number;
  readonly depth: number;
  /** Queues a batch for preparation; call `ready` for its result. */
  prepare(docs: Document[]): Promise<PreparedBatch>;
  /** The batch `work` (from `prepare`), preparing batches still queued in this thread meanwhile. */
  ready(work: Promise<PreparedBatch>): Promise<PreparedBatch>;
  close(): Promise<void>;
};

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
/**
 * Batches handed to each worker thread at once: the one it works on and the next, so it never
 * waits for this thread to send more (this thread may be busy writing or preparing a batch).
 */
const PER_WORKER = 2;

type Queued = { docs: Document[]; resolve(b: PreparedBatch): void; reject(e: unknown): void };

export function openPreparer(embedder: Embedder, config: FeaturizeConfig, threads: number): Preparer {
  const mode = workerMode(embedder);
  const embed = mode === 'embed';
  /** One batch in this thread: what a worker thread does, with the same code. */
  const prepareHere = async (docs: Document[]): Promise<PreparedBatch> => {
    const prepared = docs.map((d) => prepareDocument(d, embedder, config));
    const vectors = embed ? await embedder.embedBatch(prepared.flatMap((p) => p.chunks.map((c) => c.text))) : null;
    return { prepared, vectors };
  };
  if (threads <= 1 || !mode) {
    return {
      threads: 1,
      depth: 1,
      prepare: async (docs) => ({ prepared: docs.map((d) => prepareDocument(d, embedder, config)), vectors: null }),
      ready: (work) => work,
      close: async () => {},
    };
  }
  const data: FeaturizeWorkerData = { embedder: { id: embedder.id, maxTokens: embedder.maxTokens, dimension: embedder.dimension }, embed, config };
  // A worker's garbage is short-lived (a batch's strings and vectors): a young generation of
  // 8 MB instead of V8's default (up to 48 MB) cost no throughput and ~30 MB of RSS per worker.
  const size = threads - 1;
  const pool = createWorkerPool<FeaturizeWorkerInput, FeaturizeWorkerOutput>(workerScript(import.meta.url, 'featurize-worker'), size, data, { maxYoungGenerationSizeMb: WORKER_YOUNG_MB });
  const dim = embedder.dimension;
  // Batches not yet handed to a worker: the oldest go to the workers as they free up, and this
  // thread takes the oldest itself when it has nothing to write.
  const queued: Queued[] = [];
  let sent = 0;
  const send = () => {
    while (sent < size * PER_WORKER && queued.length > 0) {
      const job = queued.shift()!;
      sent++;
      pool.run({ docs: job.docs }).then(
        (out) => {
          sent--;
          send();
          const flat = out.vectors;
          job.resolve({ prepared: out.prepared, vectors: flat && Array.from({ length: flat.length / dim }, (_, i) => flat.subarray(i * dim, (i + 1) * dim)) });
        },
        (err: unknown) => {
          sent--;
          job.reject(err);
        },
      );
    }
  };
  return {
    threads,
    // One batch more than the workers hold: the one this thread prepares while it waits. A
    // fourth in flight with 2 threads was no faster and ~15 MB heavier (one noisy run each).
    depth: size * PER_WORKER + 1,
    prepare(docs) {
      return new Promise<PreparedBatch>((resolve, reject) => {
        queued.push({ docs, resolve, reject });
        send();
      });
    },
    async ready(work) {
      let settled = false;
      work.then(
        () => (settled = true),
        () => (settled = true),
      );
      for (;;) {
        // A worker's answer that arrived meanwhile is handled before this thread takes more on.
        await new Promise((r) => setImmediate(r));
        const job = settled ? undefined : queued.shift();
        if (!job) break;
        try {
          job.resolve(await prepareHere(job.docs));
        } catch (err) {
          job.reject(err);
        }
      }
      return work;
    },
    close: () => pool.close(),
  };
}
