import { sql } from 'kysely';
import type { Db } from '../store/database.js';

/**
 * Text characters written between two checkpoints: ~8 M characters make ~22 MB of sentence
 * rows and index pages, under the 32 MB of WAL after which the writer's own commits would
 * checkpoint (sqlite-pragmas.ts).
 */
const CHECKPOINT_CHARACTERS = 8_000_000;

export type CheckpointSchedule = {
  /** The writer committed the sentences of this many characters of text. */
  wrote(characters: number): void;
  /** Whether the next batch sent to a worker should checkpoint after it (then counts afresh). */
  due(): boolean;
  /** Gives the writer's connection its automatic checkpoints back. */
  restore(): Promise<void>;
};

/**
 * Takes the WAL's checkpoints out of the writer's commits and gives them to the split workers
 * (split-worker.ts), which copy the WAL into the database file on the other cores while this
 * thread writes: in bench/split.ts, copying and syncing made up about a third of the writer's
 * commit time. Only when the workers read the SQLite file themselves (`enabled`); `every`:
 * the characters of text between two checkpoints.
 */
export async function workerCheckpoints(db: Db, enabled: boolean, every = CHECKPOINT_CHARACTERS): Promise<CheckpointSchedule> {
  if (!enabled) return { wrote: () => {}, due: () => false, restore: async () => {} };
  const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.db);
  const previous = Number(rows[0]?.wal_autocheckpoint ?? 1000);
  await sql.raw('pragma wal_autocheckpoint = 0').execute(db.db);
  let written = 0;
  return {
    wrote(characters) {
      written += characters;
    },
    due() {
      if (written < every) return false;
      written = 0;
      return true;
    },
    restore: async () => void (await sql.raw(`pragma wal_autocheckpoint = ${previous}`).execute(db.db)),
  };
}
