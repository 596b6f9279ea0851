import { sql } from 'kysely';
import type { Db } from '../store/database.js';

/** How the split's writer connection is set for the run, and how to set it back. */
export type WriterSettings = {
  restore(): Promise<void>;
};

/**
 * On SQLite, for the time of a split: no foreign-key lookup of its document per sentence
 * (the writer checks a batch's few hundred documents once, inside the same write
 * transaction, so none can be deleted or changed in between: run-split.ts's saveBatch), and statement journals in memory, not in
 * temporary files (a multi-row INSERT keeps one in case it fails half-way). bench/split.ts's
 * 357,334 sentences inserted as split does, in plain SQLite: 0.86 CPU s as they were, 0.71 s
 * so (median of 7). PostgreSQL: nothing changes.
 */
export async function writerSettings(db: Db): Promise<WriterSettings> {
  if (db.engine !== 'sqlite') return { restore: async () => {} };
  const read = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db.db)).rows[0] as object)[0] as number;
  const [foreignKeys, tempStore] = [await read('foreign_keys'), await read('temp_store')];
  // Neither takes effect inside a transaction: these run between them. Foreign keys last, and
  // back on first: a failure in between leaves at most the harmless temp_store changed.
  await sql.raw('pragma temp_store = memory').execute(db.db);
  await sql.raw('pragma foreign_keys = off').execute(db.db);
  return {
    async restore() {
      await sql.raw(`pragma foreign_keys = ${foreignKeys ? 'on' : 'off'}`).execute(db.db);
      await sql.raw(`pragma temp_store = ${Number(tempStore)}`).execute(db.db);
    },
  };
}
