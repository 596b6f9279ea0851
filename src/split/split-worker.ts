// A worker thread of `split --workers N`: reads a batch of claimed documents from the SQLite
// file itself (when the main thread gives it the file), finds their sentences and sends them
// back in columns (split-batch.ts). Reading here keeps the documents' text off the writer
// thread: it reads and clones nothing but the sentences it stores.
import type { Database as SqliteHandle } from 'better-sqlite3';
import { serveWorkerJobs } from '../core/worker-pool.js';
import { splitBatch } from './split-batch.js';
import type { SplitWorkerData, SplitWorkerInput, SplitWorkerOutput } from './split-workers.js';

let reader: SqliteHandle | undefined;

async function readDocuments(path: string, ids: string[]): Promise<{ id: string; content: string }[]> {
  if (!reader) {
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    reader = new BetterSqlite3(path, { fileMustExist: true });
    reader.pragma('busy_timeout = 15000');
    reader.pragma('synchronous = NORMAL'); // as the writer's connection: its checkpoints sync the same way
  }
  const found = new Map<string, string>();
  // 500 ids per statement: far below SQLite's bound-parameter limit.
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const rows = reader.prepare(`select id, content from documents where id in (${part.map(() => '?').join(',')})`).raw().all(part) as [string, string][];
    for (const [id, content] of rows) found.set(id, content);
  }
  // In the order claimed; a document deleted since its claim is left out.
  return ids.filter((id) => found.has(id)).map((id) => ({ id, content: found.get(id)! }));
}

/**
 * Copies the WAL into the database file, here rather than in the writer's commits (the main
 * thread turned its automatic checkpoints off): first without blocking anyone; then, once the
 * WAL holds `restartPages` (split-workers.ts), the few pages committed meanwhile with the
 * writer held back a moment, so that its next transaction starts the WAL over instead of
 * growing it. A restart that could not be done is done by a later checkpoint.
 */
function checkpoint(restartPages: number): void {
  try {
    const [passive] = reader!.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    if (!passive || passive.log < restartPages) return;
    // RESTART holds writers back while it waits for readers: another process's long read (an
    // export, a shell) must not stall this split's writer and everyone else's for the 15 s of
    // busy_timeout, so it waits 50 ms at most and otherwise leaves it to the next checkpoint.
    reader!.pragma('busy_timeout = 50');
    try {
      reader!.pragma('wal_checkpoint(RESTART)');
    } finally {
      reader!.pragma('busy_timeout = 15000');
    }
  } catch {
    // SQLITE_BUSY and the like: the next checkpoint, or the writer's own at the end, does it
  }
}

serveWorkerJobs<SplitWorkerInput, SplitWorkerOutput>(async (input, data) => {
  const { path, walRestartPages } = data as SplitWorkerData;
  const docs = 'contents' in input ? input.ids.map((id, i) => ({ id, content: input.contents[i]! })) : await readDocuments(path!, input.ids);
  const batch = splitBatch(docs);
  // After the answer is on its way: the writer stores it while this thread checkpoints, and
  // the next batches go to the other workers meanwhile (a copy of ~20 MB and two fsyncs).
  const afterwards = 'checkpoint' in input && input.checkpoint && reader ? () => checkpoint(walRestartPages) : undefined;
  return { output: batch, transfer: [batch.counts.buffer as ArrayBuffer, batch.offsets.buffer as ArrayBuffer], afterwards };
});
