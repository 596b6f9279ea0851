import { existsSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import type { Db, OpenOptions } from '../store/database.js';
import type { DatabaseTarget } from '../store/database-url.js';
import type { DocumentStore } from '../store/document-store.js';
import type { VectorStore } from '../vector/vector-store.js';
import type { VectorStoreChoice } from '../vector/open-vector-store.js';
import type { Context } from './context.js';
import { shownPath } from './locations.js';

// How a command reaches its stores from the global flags. Each opener loads its driver only
// when called, so a command pays for the stores it uses.

/** Where --db (or LLMOPS_DB, the config, a parent's .llmops/) points; a bad value is a usage error naming it. */
export async function databaseTarget(ctx: Context): Promise<DatabaseTarget> {
  const { parseDatabaseUrl } = await import('../store/database-url.js');
  return parseDatabaseUrl(ctx.sources.db.value);
}

/** `{ mustExist: true }` for commands that only read: no database is an error, not a new file. */
export async function openDb(ctx: Context, opts?: OpenOptions): Promise<Db> {
  const { openDatabase } = await import('../store/database.js');
  const target = await databaseTarget(ctx);
  const announce = newDatabaseNote(ctx, target);
  const db = await openDatabase(target, opts);
  announce();
  return db;
}

/** The database handle before anything is opened: `ready()` opens and migrates; `close()` first leaves nothing behind. */
export async function prepareDb(ctx: Context): Promise<Db & { ready(): Promise<void> }> {
  const { prepareDatabase } = await import('../store/database.js');
  const target = await databaseTarget(ctx);
  const announce = newDatabaseNote(ctx, target);
  const db = await prepareDatabase(target);
  return { ...db, ready: () => db.ready().then(announce) };
}

/**
 * A SQLite database created by this command: said once on stderr, so a run from the wrong folder
 * (the default `.llmops/`) or a mistyped `--db` does not pass unnoticed as an empty store.
 */
function newDatabaseNote(ctx: Context, target: DatabaseTarget): () => void {
  if (target.engine !== 'sqlite' || target.path === ':memory:' || existsSync(target.path)) return () => {};
  return () => {
    if (existsSync(target.path)) ctx.logger.info(`llmops: created ${shownPath(target.path)} (new database)`);
  };
}

/** The document warehouse: MongoDB with --warehouse, else the --db database's own tables. */
export async function openWarehouse(ctx: Context, db: Db): Promise<DocumentStore> {
  const url = ctx.warehouseUrl;
  if (url && /^mongodb(\+srv)?:\/\//i.test(url)) {
    const { MongoDocumentStore } = await import('../store/mongo-document-store.js');
    return MongoDocumentStore.open(url);
  }
  if (url) throw new UsageError(`--warehouse: expected a mongodb:// URL (the SQL warehouse is the --db database)`);
  const { SqlDocumentStore } = await import('../store/sql-document-store.js');
  return new SqlDocumentStore(db.db);
}

/** The vector store beside the --db database (sqlite-vec) or in Qdrant; `auto` picks. */
export async function openVectors(ctx: Context, choice: VectorStoreChoice = 'auto'): Promise<VectorStore> {
  const { openVectorStore } = await import('../vector/open-vector-store.js');
  return openVectorStore(await databaseTarget(ctx), choice);
}

/** For readers: the vector store if there is one to read, else null (never a new one). */
export async function openVectorsForReading(ctx: Context): Promise<VectorStore | null> {
  const { openVectorsForReading: open } = await import('../search/open-vectors-for-reading.js');
  return open(await databaseTarget(ctx));
}
