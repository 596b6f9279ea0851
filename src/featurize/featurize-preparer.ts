import { createWorkerPool, workerScript, type WorkerPool } from '../core/worker-pool.js';
import type { Embedder } from '../embed/embedder.js';
import type { Document } from '../store/types.js';
import type { FeaturizeConfig } from './featurize-config.js';
import type { PointCodes } from '../vector/vector-store.js';
import { prepareDocument, type PreparedDocument } from './prepare-document.js';

/**
 * Prepared documents in the order given, with their chunks' vectors when they were embedded with
 * them, and their points' quantized codes (one per collection, batchPoints' order) when a worker
 * thread computed those too.
 */
export type PreparedBatch = { prepared: PreparedDocument[]; vectors: Float32Array[] | null; codes?: PointCodes[] | null };

/**
 * Where featurize's CPU work runs. `threads` counts this thread (the writer) too: with N, N−1
 * worker threads prepare batches, and this one prepares queued batches itself while it waits
 * for the next one to write (`ready`). `depth` is how many batches may be in preparation at
 * once: enough to keep every thread busy, few enough to keep memory flat.
 */
export type Preparer = {
  readonly threads: number;
  readonly depth: number;
  /** Resolves once the worker threads have loaded their script (until then this thread prepares every batch it waits for). */
  readonly started: Promise<void>;
  /** Queues a batch for preparation; call `ready` for its result. */
  prepare(docs: Document[]): Promise<PreparedBatch>;
  /** The batch `work` (from `prepare`), preparing batches still queued in this thread meanwhile. */
  ready(work: Promise<PreparedBatch>): Promise<PreparedBatch>;
  close(): Promise<void>;
};

export type FeaturizeWorkerData = { embedder: { id: string; maxTokens: number; dimension: number }; embed: boolean; pointCodes: boolean; config: FeaturizeConfig };
/** A batch, and what to do with it (each job carries it: the threads start before the embedder is known). */
export type FeaturizeWorkerInput = { docs: Document[]; setup: FeaturizeWorkerData };
export type FeaturizeWorkerOutput = { prepared: PreparedDocument[]; vectors: Float32Array | null; codes: PointCodes[] | null };

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

/** Whether worker threads may prepare for the embedder of this name (workerMode says for which exactly). */
export const threadsCanHelp = (embedderName: string): boolean => embedderName === 'hashing' || embedderName === 'openai';

/**
 * Worker threads started ahead of a run, before its database and embedder are open: each takes
 * ~150 ms to load its script, which overlapped nothing when the run started them (featurize's
 * writer prepared the first batch alone meanwhile, cold). openPreparer takes them if it wants
 * as many, else closes them.
 */
export type PreparerThreads = { readonly size: number; readonly pool: WorkerPool<FeaturizeWorkerInput, FeaturizeWorkerOutput>; onFree: () => void };

export function startPreparerThreads(size: number): PreparerThreads {
  const hooks = { onFree: () => {} };
  // A worker's garbage is short-lived (a batch's strings and vectors): a young generation of
  // 8 MB instead of V8's default (up to 48 MB) cost no throughput and ~30 MB of RSS per worker.
  const pool = createWorkerPool<FeaturizeWorkerInput, FeaturizeWorkerOutput>(workerScript(import.meta.url, 'featurize-worker'), size, null, {
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
    prefetch: PREFETCH,
    onFree: () => hooks.onFree(),
  });
  return Object.assign(hooks, { size, pool });
}

const WORKER_YOUNG_MB = 8;
/**
 * Batches posted to a worker thread at once: the one it prepares and the next, in its own
 * message queue, so that it goes on while this thread writes (a synchronous transaction, after
 * which the event loop would hand it the next). The rest wait here, for the first worker with
 * a free place or for this thread, whichever is first.
 */
const PREFETCH = 2;

/** A batch not handed to a worker; `done` holds what this thread has prepared of it so far. */
type Queued = { docs: Document[]; resolve(b: PreparedBatch): void; reject(e: unknown): void; done: PreparedDocument[]; vectors: Float32Array[] };

/**
 * `pointCodes`: the vectors go to a store that keeps a quantized copy (sqlite-vec), whose codes
 * the worker threads compute too when they embed (point-codes.ts).
 */
export function openPreparer(embedder: Embedder, config: FeaturizeConfig, threads: number, opts: { pointCodes?: boolean; started?: PreparerThreads } = {}): Preparer {
  const mode = workerMode(embedder);
  const embed = mode === 'embed';
  const size = threads - 1;
  let early = opts.started;
  if (early && !(mode && early.size === size)) {
    void early.pool.close(); // started ahead for nothing: this run wants other threads, or none
    early = undefined;
  }
  if (threads <= 1 || !mode) {
    return {
      threads: 1,
      depth: 1,
      started: Promise.resolve(),
      prepare: async (docs) => ({ prepared: docs.map((d) => prepareDocument(d, embedder, config)), vectors: null }),
      ready: (work) => work,
      close: async () => {},
    };
  }
  const setup: FeaturizeWorkerData = { embedder: { id: embedder.id, maxTokens: embedder.maxTokens, dimension: embedder.dimension }, embed, pointCodes: embed && opts.pointCodes === true, config };
  const queued: Queued[] = [];
  const started = early ?? startPreparerThreads(size);
  const pool = started.pool;
  const send = workerFeeder(pool, queued, setup);
  started.onFree = send;
  // The batch this thread has begun and not finished: it goes on with it the next time it waits.
  let mine: Queued | undefined;
  /** Prepares (and embeds) the next document of this thread's batch, with the code a worker runs; resolves the batch after its last. */
  const step = async (job: Queued) => {
    const p = prepareDocument(job.docs[job.done.length]!, embedder, config);
    job.done.push(p);
    if (embed) job.vectors.push(...(await embedder.embedBatch(p.chunks.map((c) => c.text))));
    if (job.done.length < job.docs.length) return;
    mine = undefined;
    job.resolve({ prepared: job.done, vectors: embed ? job.vectors : null });
  };
  return {
    threads,
    // The batches the workers hold, the one this thread prepares while it waits, and one more
    // (claimed while this thread writes the one before): batches in flight beyond it are memory.
    depth: size * PREFETCH + 2,
    started: pool.started,
    prepare(docs) {
      return new Promise<PreparedBatch>((resolve, reject) => {
        queued.push({ docs, resolve, reject, done: [], vectors: [] });
        send();
      });
    },
    async ready(work) {
      let settled = false;
      work.then(
        () => (settled = true),
        () => (settled = true),
      );
      // A document at a time, the event loop turning in between: as soon as the batch awaited
      // is back from its worker, this thread goes back to writing, and finishes the batch it
      // began the next time it waits. A whole batch taken at once kept the writer (the bound
      // on 2 cores) from writing for the time of a batch, with the worker idle meanwhile.
      // The first look is without a turn of the event loop (microtasks only, which tell whether
      // `work` is back): the queued batch it takes is not handed meanwhile to a worker that
      // frees up, which would hold it behind the one it has.
      for (let turn = false; ; turn = true) {
        await (turn ? new Promise((r) => setImmediate(r)) : Promise.resolve());
        if (settled) break;
        const job = (mine ??= queued.shift());
        if (!job) break;
        try {
          await step(job);
        } catch (err) {
          mine = undefined;
          job.reject(err);
        }
      }
      return work;
    },
    close: () => pool.close(),
  };
}

/**
 * `send` hands the oldest batches of `queued` to the pool while it has free places on started
 * workers; the writer thread takes the oldest itself when it waits.
 */
function workerFeeder(pool: WorkerPool<FeaturizeWorkerInput, FeaturizeWorkerOutput>, queued: Queued[], setup: FeaturizeWorkerData): () => void {
  const dim = setup.embedder.dimension;
  return () => {
    while (queued.length > 0 && pool.free > 0) {
      const job = queued.shift()!;
      pool.run({ docs: job.docs, setup }).then((out) => {
        const flat = out.vectors;
        job.resolve({ prepared: out.prepared, vectors: flat && Array.from({ length: flat.length / dim }, (_, i) => flat.subarray(i * dim, (i + 1) * dim)), codes: out.codes });
      }, job.reject);
    }
  };
}
