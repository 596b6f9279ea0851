import { createWorkerPool, workerScript } from '../core/worker-pool.js';
import { splitBatch, type DocumentToSplit, type SplitBatch } from './split-batch.js';

/**
 * The SQLite file the workers read the documents from (none: the main thread sends their
 * text), and whether the sentences' texts go back with their offsets.
 */
export type SplitWorkerData = { path: string | null; texts: boolean };
export type SplitWorkerInput = { docs: DocumentToSplit[] } | { ids: string[] };
export type SplitWorkerOutput = SplitBatch;

/** Documents to split: with their content and hash, or only their ids when the splitter reads them itself. */
export type SplitInput = { id: string; content?: string; content_hash?: string }[];

/**
 * Where split's sentence finding runs: in this thread (one worker), or in worker threads,
 * `depth` batches at once (enough to keep every worker busy while this thread writes). With
 * `readsDocuments`, the workers read the documents from the SQLite file `path` themselves.
 */
export type Splitter = {
  readonly workers: number;
  readonly depth: number;
  readonly readsDocuments: boolean;
  split(docs: SplitInput): Promise<SplitBatch>;
  close(): Promise<void>;
};

export function openSplitter(workers: number, opts: { path?: string | null; texts?: boolean } = {}): Splitter {
  const texts = opts.texts ?? false;
  if (workers <= 1) {
    return { workers: 1, depth: 1, readsDocuments: false, split: async (docs) => splitBatch(docs as DocumentToSplit[], { texts }), close: async () => {} };
  }
  const path = opts.path ?? null;
  const data: SplitWorkerData = { path, texts };
  const pool = createWorkerPool<SplitWorkerInput, SplitWorkerOutput>(workerScript(import.meta.url, 'split-worker'), workers, data);
  return {
    workers,
    depth: workers + 1,
    readsDocuments: path !== null,
    split: (docs) => pool.run(path !== null ? { ids: docs.map((d) => d.id) } : { docs: docs as DocumentToSplit[] }),
    close: () => pool.close(),
  };
}
