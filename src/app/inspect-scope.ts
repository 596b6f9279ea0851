import type { Db } from '../store/database.js';
import type { VectorStore } from '../vector/vector-store.js';
import { runCommand, type CommandScope } from './command-scope.js';
import type { Context } from './context.js';

/** inspect only reads: a path with no database is an error, never a new empty file. */
export function inspecting<T>(ctx: Context, body: (scope: CommandScope, db: Db) => Promise<T>): Promise<T> {
  return runCommand(ctx, async (scope) => body(scope, await scope.db({ mustExist: true, reader: true })));
}

/** Why a collection was not found: a name not there, or no vector store to look in. */
export async function whyNoCollection(vectors: VectorStore | null): Promise<string> {
  if (vectors) return 'llmops inspect collections lists them';
  return (await import('../search/open-vectors-for-reading.js')).NO_VECTOR_STORE_NOTE;
}
