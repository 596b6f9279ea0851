import { UsageError } from '../core/errors.js';
import type { Embedder } from '../embed/embedder.js';
import type { CollectionInfo } from '../vector/vector-store.js';
import type { SearchResult } from '../search/search-results.js';
import type { CommandScope } from './command-scope.js';
import type { Context } from './context.js';
import { inspecting, whyNoCollection } from './inspect-scope.js';
import { printSearchResults } from './print-search-results.js';

export type SearchFlags = { query: string; k: number; mode: string; fusion?: string; feedback?: number; filter?: string[]; embedder?: string; modelsDir?: string };

/** `inspect search`: the hits of a collection, with their documents and a marked snippet. */
export async function inspectSearch(ctx: Context, name: string, f: SearchFlags): Promise<void> {
  printSearchResults(ctx, await searchHits(ctx, name, f));
}

/** The best `k` chunks of a collection for a query (vector, lexical or hybrid), each with its document and snippet. */
export function searchHits(ctx: Context, name: string, f: SearchFlags): Promise<SearchResult[]> {
  return inspecting(ctx, async (scope, db) => {
    const vectors = await scope.vectorsForReading();
    const { FUSIONS, SEARCH_MODES, searchCollection } = await import('../search/search-collection.js');
    if (!SEARCH_MODES.includes(f.mode as never)) throw new UsageError(`--mode: expected vector, lexical or hybrid, got ${f.mode}`);
    if (f.fusion !== undefined && !FUSIONS.includes(f.fusion as never)) throw new UsageError(`--fusion: expected rrf or convex, got ${f.fusion}`);
    const { parseFilters } = await import('../vector/vector-store.js');
    const filter = parseFilters(f.filter);
    const info = vectors ? await vectors.getCollection(name) : null;
    if (!info) throw new UsageError(`inspect search: no collection named ${name} (${await whyNoCollection(vectors)})`);
    if (!info.embedder) throw new UsageError(`inspect search: ${name} holds payloads only; search its embedded_ twin`);
    const embedder = f.mode === 'lexical' ? undefined : scope.use(await collectionEmbedder(scope, { ...info, embedder: info.embedder }, f), (e) => e.close?.());
    const hits = await searchCollection({ db: db.db, engine: db.engine, vectors: vectors!, collection: name, query: f.query, k: f.k, mode: f.mode as 'hybrid', fusion: f.fusion as 'rrf' | undefined, feedback: f.feedback, filter, embedder });
    const { describeHits } = await import('../search/search-results.js');
    return describeHits(hits, await scope.warehouse(), f.query);
  });
}

/**
 * The embedder that wrote the collection: rebuilt from the id it recorded, or the one named
 * with --embedder (a module of the user's cannot be rebuilt from an id), which must make the
 * same vectors: the same id and dimension.
 */
async function collectionEmbedder(scope: CommandScope, info: CollectionInfo & { embedder: string }, f: SearchFlags): Promise<Embedder> {
  const { createEmbedder, embedderFromId } = await import('../embed/create-embedder.js');
  if (f.embedder === undefined) return embedderFromId(info.embedder, { modelsDir: f.modelsDir });
  const e = await createEmbedder({ name: f.embedder, modelsDir: f.modelsDir, logger: scope.ctx.logger });
  if (e.id !== info.embedder || e.dimension !== info.dimension) {
    await e.close?.();
    throw new UsageError(`--embedder ${f.embedder}: makes ${e.id} (${e.dimension} dimensions) but ${info.name} holds ${info.embedder} (${info.dimension} dimensions)`);
  }
  return e;
}
