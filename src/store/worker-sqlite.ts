// A worker thread's own connection to the SQLite file its stage writes (split's workers read
// documents through it; the checkpoint thread checkpoints the WAL with it, wal-checkpoints.ts).
import type { Database as SqliteHandle } from 'better-sqlite3';
import { openSqliteFile } from './sqlite-file.js';

const connections = new Map<string, SqliteHandle>();

/** This thread's connection to `path`, opened at first use and kept for the thread's life. */
export async function workerConnection(path: string): Promise<SqliteHandle> {
  let handle = connections.get(path);
  if (!handle) {
    handle = (await openSqliteFile(path, { mustExist: true })).sqlite;
    handle.pragma('busy_timeout = 15000');
    handle.pragma('synchronous = NORMAL'); // as the writer's connection: its checkpoints sync the same way
    connections.set(path, handle);
  }
  return handle;
}

/**
 * Copies the WAL into the database file, here rather than in the writer's commits (the writer
 * turned its automatic checkpoints off), blocking no one (PASSIVE); the frames the WAL holds
 * since it last started over, or -1 when the checkpoint could not be done (SQLITE_BUSY and the
 * like: the next checkpoint, or the writer's own at the end, does it).
 */
export function checkpointWal(handle: SqliteHandle): number {
  try {
    const [passive] = handle.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    return passive?.log ?? -1;
  } catch {
    return -1;
  }
}
