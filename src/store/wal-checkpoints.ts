import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * A connection to a SQLite file whose automatic WAL checkpoints a bulk writer turns off for its
 * run, to have its worker threads checkpoint the file instead (split, featurize).
 */
export type WalConnection = {
  /** The database file (absolute). */
  readonly file: string;
  /** Sets the connection's `wal_autocheckpoint` (pages; 0: none) and returns what it was. */
  setAutoCheckpoint(pages: number): Promise<number>;
};

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
  };
}

export type CheckpointSchedule = {
  /** The file the workers checkpoint; null when they do not (the writers keep their own checkpoints). */
  readonly file: string | null;
  /** The writer committed the work of this many characters of text. */
  wrote(characters: number): void;
  /** Whether the next batch sent to a worker should checkpoint after it (then counts afresh). */
  due(): boolean;
  /** Gives the connections their automatic checkpoints back. */
  restore(): Promise<void>;
};

const NO_SCHEDULE: CheckpointSchedule = { file: null, wrote: () => {}, due: () => false, restore: async () => {} };

/**
 * Takes the WAL's checkpoints out of the writer's commits and gives them to worker threads,
 * which copy the WAL into the database file on the other cores while the writer goes on
 * (worker-sqlite.ts). In bench/split.ts copying and syncing made up about a third of the
 * writer's commit time; in featurize, 3.6 of the writer's 19.7 CPU-s on SciFact ×7.
 * `connections`: every connection that writes to the file during the run, the first one's file
 * the one checkpointed (a connection to another file keeps its own checkpoints). `every`:
 * characters of text written between two checkpoints. No connection: nothing changes.
 */
export async function workerCheckpoints(connections: (WalConnection | null | undefined)[], every: number): Promise<CheckpointSchedule> {
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
  let written = 0;
  return {
    file: first.file,
    wrote(characters) {
      written += characters;
    },
    due() {
      if (written < every) return false;
      written = 0;
      return true;
    },
    async restore() {
      for (const [c, pages] of previous) await c.setAutoCheckpoint(pages);
    },
  };
}
