import { existsSync } from 'node:fs';
import type { Database as SqliteHandle } from 'better-sqlite3';

// SQLite reads `file:` URIs (needed for `immutable`, below) only when configured to, once per
// process, when better-sqlite3's addon first loads: every llmops connection is opened here, so
// this runs first. Our own paths are absolute (database-url.ts), never `file:…`, so nothing
// else changes meaning; a user's SQLITE_USE_URI=0 is kept (the reader then gets the error).
process.env.SQLITE_USE_URI ??= '1';

/** An opened SQLite file; `immutable` when it was opened as an unchanging file (see openSqliteFile). */
export type SqliteFile = { sqlite: SqliteHandle; immutable: boolean };

/**
 * Opens a SQLite file with better-sqlite3 (every connection of llmops: the relational one, the
 * vector store's, a worker thread's).
 *
 * `reader`: the command only reads. A WAL database in a folder this user may not write (a
 * read-only mount, another user's folder) cannot be read the usual way: even a reader must
 * create `<db>-shm` beside it. When there is no `<db>-wal` either (no connection has the file
 * open for writing: one in WAL mode keeps that file while it lives), a reader opens it
 * `immutable`: SQLite then reads the file as it is, without locks or a shared index. A writer
 * that starts on it later, where it can, is not seen by that reader.
 */
export async function openSqliteFile(path: string, opts: { mustExist?: boolean; reader?: boolean } = {}): Promise<SqliteFile> {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const sqlite = new BetterSqlite3(path, { fileMustExist: Boolean(opts.mustExist) });
  if (!opts.reader || path === ':memory:') return { sqlite, immutable: false };
  try {
    sqlite.pragma('schema_version'); // the first read of the file (and of its WAL index)
    return { sqlite, immutable: false };
  } catch (err) {
    if (!folderNotWritable(err) || existsSync(`${path}-wal`)) {
      sqlite.close();
      throw err;
    }
    sqlite.close();
  }
  const uri = `file:${encodeURI(path).replace(/[?#]/g, encodeURIComponent)}?immutable=1`;
  const frozen = new BetterSqlite3(uri, { readonly: true, fileMustExist: true });
  frozen.pragma('schema_version');
  return { sqlite: frozen, immutable: true };
}

/** SQLite's errors for a file it may read but cannot create its WAL files beside. */
function folderNotWritable(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY_CANTINIT';
}
