import { SqliteAdapter, sql, type Kysely } from 'kysely';
import { createWorkerPool, workerScript } from '../core/worker-pool.js';
import type { CheckpointWorkerData } from './wal-checkpoint-worker.js';

/**
 * A connection to a SQLite file whose automatic WAL checkpoints a bulk writer turns off for its
 * run, to have a thread of its own checkpoint the file instead (split, featurize).
 */
export type WalConnection = {
  /** The database file (absolute). */
  readonly file: string;
  /** Sets the connection's `wal_autocheckpoint` (pages; 0: none) and returns what it was. */
  setAutoCheckpoint(pages: number): Promise<number>;
  /** Runs `pragma <text>` on the connection. */
  pragma(text: string): Promise<unknown>;
};

/**
 * The WAL's size (pages) from which the writer starts it over (RESTART) instead of leaving it to
 * the checkpoint thread's copies (PASSIVE, which blocks no one). Starting over holds the writer
 * back while the last frames are copied and the file synced: 60-140 ms each in bench/split.ts
 * (under load, 150-230 ms), which at every checkpoint (~22 MB of WAL) added up to 0.3-0.5 s of
 * waits on 47 MB of text. From ~100 MB: the WAL file grows to that size for the time of the run
 * (the last connection to close deletes it).
 */
const WAL_RESTART_PAGES = 24_576;

/**
 * Starts the WAL over through the writer's own connection, between its transactions. Not from
 * the checkpoint thread: a RESTART there, holding the write lock, now and then made the
 * writer's next BEGIN IMMEDIATE fail at once with "database is locked" whatever its busy
 * timeout (featurize on SciFact ×7 with 2 threads: about one run in eight, before this thread
 * existed too, when the stage's workers ran them). It waits 50 ms at most for readers (another
 * process's long read must not stall the writer for 15 s), else a later one does it. A RESTART
 * takes effect at the next write (SQLite writes from the WAL's start then); at the end of a run
 * there is none, so there it is TRUNCATE, which empties the WAL file at once.
 */
async function restartWal(c: WalConnection, mode: 'RESTART' | 'TRUNCATE' = 'RESTART'): Promise<void> {
  const [row] = (await c.pragma('busy_timeout')) as Record<string, number>[];
  const was = Math.trunc(Number(Object.values(row ?? {})[0] ?? 0));
  await c.pragma('busy_timeout = 50');
  try {
    await c.pragma(`wal_checkpoint(${mode})`);
  } catch {
    // SQLITE_BUSY: a later one, or the writer's own checkpoint at the end
  } finally {
    await c.pragma(`busy_timeout = ${was}`);
  }
}

/** The kysely connection's, when it is to a SQLite file (not PostgreSQL, not `:memory:`). */
export async function sqliteWal(db: Kysely<any>): Promise<WalConnection | null> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return null;
  const { rows } = await sql<{ name: string; file: string }>`pragma database_list`.execute(db);
  const file = rows.find((r) => r.name === 'main')?.file;
  if (!file) return null;
  return {
    file,
    async setAutoCheckpoint(pages) {
      const { rows: was } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
      await sql.raw(`pragma wal_autocheckpoint = ${Math.trunc(pages)}`).execute(db);
      return Number(was[0]?.wal_autocheckpoint ?? 1000);
    },
    pragma: async (text) => (await sql.raw(`pragma ${text}`).execute(db)).rows,
  };
}

export type CheckpointSchedule = {
  /**
   * The writer committed the work of this many characters of text, and holds no transaction:
   * checkpoints when enough has been written since the last, and starts the WAL over once large.
   */
  wrote(characters: number): Promise<void>;
  /**
   * Nothing more will be claimed: the writer is writing the last batches, and the threads that
   * prepared them are idle. From now on a checkpoint follows every write, so that the one at
   * the end (restore, which the run waits for) has little left to copy.
   */
  draining(): void;
  /**
   * Waits for a checkpoint under way, checkpoints the rest and starts the WAL over if it is
   * large, stops the thread and gives the connections their automatic checkpoints back.
   */
  restore(): Promise<void>;
};

const NO_SCHEDULE: CheckpointSchedule = { wrote: async () => {}, draining: () => {}, restore: async () => {} };

/**
 * Takes the WAL's checkpoints out of the writer's commits and gives them to a thread of their
 * own, which copies the WAL into the database file while the writer goes on (worker-sqlite.ts).
 * In bench/split.ts copying and syncing made up about a third of the writer's commit time; in
 * featurize, 3.6 of the writer's 19.7 CPU-s on SciFact ×7. The stage's worker threads did it
 * before, between batches: a checkpoint is mostly waiting on the disk, and they sat out
 * 2.6 s of a 16 s featurize (SciFact ×7, 2 threads) that way instead of preparing batches.
 * `connections`: every connection that writes to the file during the run, the first one's file
 * the one checkpointed (a connection to another file keeps its own checkpoints). `every`:
 * characters of text written between two checkpoints; one at a time, the next one once the
 * writer has written `every` more after it started. Once a checkpoint finds `restartPages` in the
 * WAL, the writer starts it over itself (restartWal). No connection: nothing changes.
 */
export async function workerCheckpoints(connections: (WalConnection | null | undefined)[], every: number, opts: { restartPages?: number } = {}): Promise<CheckpointSchedule> {
  const first = connections.find((c) => c);
  if (!first) return NO_SCHEDULE;
  const mine = connections.filter((c): c is WalConnection => c?.file === first.file);
  const previous: [WalConnection, number][] = [];
  try {
    for (const c of mine) previous.push([c, await c.setAutoCheckpoint(0)]);
  } catch (err) {
    for (const [c, pages] of previous) await c.setAutoCheckpoint(pages);
    throw err;
  }
  const data: CheckpointWorkerData = { file: first.file };
  const thread = createWorkerPool<null, number>(workerScript(import.meta.url, 'wal-checkpoint-worker'), 1, data);
  const restartPages = opts.restartPages ?? WAL_RESTART_PAGES;
  let written = 0;
  let restart = false;
  let started = false;
  let running: Promise<unknown> | undefined;
  let drain = false;
  return {
    draining() {
      drain = true;
    },
    async wrote(characters) {
      written += characters;
      if (running) return;
      // No checkpoint under way, and none can start before this one is done: this thread starts them.
      if (restart) {
        restart = false;
        await restartWal(first);
      }
      // (`every` Infinity, tests': no checkpoints at all.)
      if (written < (drain && Number.isFinite(every) ? 1 : every)) return;
      written = 0;
      started = true;
      // A checkpoint that fails is left to the next one, or to the writer's own at the end.
      running = thread.run(null).then(
        (frames) => {
          running = undefined;
          if (frames >= restartPages) restart = true;
        },
        () => (running = undefined),
      );
    },
    async restore() {
      await running;
      // The run's last commits are not in the thread's last count, and a short run may end
      // before its first checkpoint is back: the writer looks at the WAL itself.
      // (Only when checkpoints were due at all: with none, the run leaves the WAL as it is.)
      const [last] = (started ? await first.pragma('wal_checkpoint(PASSIVE)').catch(() => []) : []) as { log?: number }[];
      if (restart || (last?.log ?? 0) >= restartPages) await restartWal(first, 'TRUNCATE');
      await thread.close();
      for (const [c, pages] of previous) await c.setAutoCheckpoint(pages);
    },
  };
}
