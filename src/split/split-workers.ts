import { createWorkerPool, workerScript } from '../core/worker-pool.js';
import { sentenceId } from '../core/ids.js';
import type { Sentence } from '../store/types.js';
import { splitDocument } from './split-document.js';

export type SplitWorkerInput = { contents: string[] };
/** Per document its number of sentences; then every sentence's start and end, in order. */
export type SplitWorkerOutput = { counts: Int32Array; offsets: Int32Array };

/**
 * Where split's sentence finding runs: in this thread (one worker), or in worker threads,
 * `depth` batches at once (enough to keep every worker busy while this thread writes).
 */
export type Splitter = { readonly workers: number; readonly depth: number; split(docs: { id: string; content: string }[]): Promise<Sentence[][]>; close(): Promise<void> };

export function openSplitter(workers: number): Splitter {
  if (workers <= 1) return { workers: 1, depth: 1, split: async (docs) => docs.map(splitDocument), close: async () => {} };
  const pool = createWorkerPool<SplitWorkerInput, SplitWorkerOutput>(workerScript(import.meta.url, 'split-worker'), workers, null);
  return {
    workers,
    depth: workers + 1,
    async split(docs) {
      const { counts, offsets } = await pool.run({ contents: docs.map((d) => d.content) });
      let k = 0;
      // The same sentences splitDocument makes: text is content[start, end) (split-sentences.ts).
      return docs.map((d, i) =>
        Array.from({ length: counts[i]! }, (_, index) => {
          const start = offsets[k++]!;
          const end = offsets[k++]!;
          return { id: sentenceId(d.id, index), document_id: d.id, index, text: d.content.slice(start, end), start, end };
        }),
      );
    },
    close: () => pool.close(),
  };
}
