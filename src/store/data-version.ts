import { sql, type Kysely } from 'kysely';
import type { Engine } from './database.js';

/**
 * SQLite's `data_version` on this connection: it changes when another connection commits to
 * the file, and never for this connection's own commits, nor for the PASSIVE and RESTART
 * checkpoints split's checkpoint thread runs (a TRUNCATE one may change it: only a needless check). Two
 * equal readings mean nothing else was written in between. null on PostgreSQL, which has no
 * such counter.
 */
export async function dataVersion(db: Kysely<any>, engine: Engine): Promise<number | null> {
  if (engine !== 'sqlite') return null;
  const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(db);
  return Number(rows[0]!.data_version);
}

/** Rows this SQLite connection has changed since it opened (`total_changes()`); null on PostgreSQL. */
export async function connectionChanges(db: Kysely<any>, engine: Engine): Promise<number | null> {
  if (engine !== 'sqlite') return null;
  const { rows } = await sql<{ n: number }>`select total_changes() as n`.execute(db);
  return Number(rows[0]!.n);
}
