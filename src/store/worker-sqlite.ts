// A worker thread's own connection to the SQLite file its stage writes (split reads documents
// through it; split and featurize workers checkpoint the WAL with it, wal-checkpoints.ts).
import type { Database as SqliteHandle } from 'better-sqlite3';

/**
 * The WAL's size (pages) from which a worker's checkpoint starts it over (RESTART) instead of
 * only copying it into the database file (PASSIVE, which blocks no one). Starting over holds
 * the writer back while the last frames are copied and the file synced: 60-140 ms each in
 * bench/split.ts (under load, 150-230 ms), which at every checkpoint (~22 MB of WAL) added up
 * to 0.3-0.5 s of waits in the writer's BEGIN IMMEDIATE on 47 MB of text. From ~100 MB: the
 * WAL file grows to that size for the time of the run (the last connection to close deletes it).
 */
export const WAL_RESTART_PAGES = 24_576;

const connections = new Map<string, SqliteHandle>();

/** This thread's connection to `path`, opened at first use and kept for the thread's life. */
export async function workerConnection(path: string): Promise<SqliteHandle> {
  let handle = connections.get(path);
  if (!handle) {
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    handle = new BetterSqlite3(path, { fileMustExist: true });
    handle.pragma('busy_timeout = 15000');
    handle.pragma('synchronous = NORMAL'); // as the writer's connection: its checkpoints sync the same way
    connections.set(path, handle);
  }
  return handle;
}

/**
 * Copies the WAL into the database file, here rather than in the writer's commits (the writer
 * turned its automatic checkpoints off): first without blocking anyone; then, once the WAL
 * holds `restartPages`, the few pages committed meanwhile with the writer held back a moment,
 * so that its next transaction starts the WAL over instead of growing it. A restart that could
 * not be done is done by a later checkpoint; a failure is left to the next one, or to the
 * writer's own at the end.
 */
export function checkpointWal(handle: SqliteHandle, restartPages = WAL_RESTART_PAGES): void {
  try {
    const [passive] = handle.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    if (!passive || passive.log < restartPages) return;
    // RESTART holds writers back while it waits for readers: another process's long read (an
    // export, a shell) must not stall the writer and everyone else's for the 15 s of
    // busy_timeout, so it waits 50 ms at most and otherwise leaves it to the next checkpoint.
    handle.pragma('busy_timeout = 50');
    try {
      handle.pragma('wal_checkpoint(RESTART)');
    } finally {
      handle.pragma('busy_timeout = 15000');
    }
  } catch {
    // SQLITE_BUSY and the like: the next checkpoint, or the writer's own at the end, does it
  }
}
