// A worker thread of `split --workers N`: reads a batch of claimed documents from the SQLite
// file itself (when the main thread gives it the file), finds their sentences and sends them
// back in columns (split-batch.ts). Reading here keeps the documents' text off the writer
// thread: it reads and clones nothing but the sentences it stores.
import { serveWorkerJobs } from '../core/worker-pool.js';
import { workerConnection } from '../store/worker-sqlite.js';
import { splitBatch, type DocumentToSplit } from './split-batch.js';
import type { SplitWorkerData, SplitWorkerInput, SplitWorkerOutput } from './split-workers.js';

async function readDocuments(path: string, ids: string[]): Promise<DocumentToSplit[]> {
  const reader = await workerConnection(path);
  const found = new Map<string, DocumentToSplit>();
  // 500 ids per statement: far below SQLite's bound-parameter limit.
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const rows = reader.prepare(`select id, content, content_hash from documents where id in (${part.map(() => '?').join(',')})`).raw().all(part) as [string, string, string][];
    for (const [id, content, hash] of rows) found.set(id, { id, content, content_hash: hash });
  }
  // In the order claimed; a document deleted since its claim is left out.
  return ids.filter((id) => found.has(id)).map((id) => found.get(id)!);
}

serveWorkerJobs<SplitWorkerInput, SplitWorkerOutput>(async (input, data) => {
  const { path, texts } = data as SplitWorkerData;
  const docs = 'docs' in input ? input.docs : await readDocuments(path!, input.ids);
  const batch = splitBatch(docs, { texts });
  return { output: batch };
});
