import { UsageError } from '../core/errors.js';
import type { SearchHit } from '../search/search-collection.js';
import type { Context } from './context.js';
import { inspecting, whyNoCollection } from './inspect-scope.js';
import { printRows } from './print.js';

// `inspect collections | stats | sample`: what the vector store holds (`search`: inspect-search.ts).

export async function inspectCollections(ctx: Context): Promise<void> {
  await inspecting(ctx, async (scope) => {
    const vectors = await scope.vectorsForReading();
    if (!vectors) {
      const { NO_VECTOR_STORE_NOTE } = await import('../search/open-vectors-for-reading.js');
      ctx.logger.info(`inspect collections: no collections (${NO_VECTOR_STORE_NOTE})`);
    }
    printRows(ctx, vectors ? await vectors.listCollections() : [], ['name', 'embedder', 'dimension', 'count']);
  });
}

export async function inspectStats(ctx: Context, name: string): Promise<void> {
  await inspecting(ctx, async (scope, db) => {
    const vectors = await scope.vectorsForReading();
    const info = vectors ? await vectors.getCollection(name) : null;
    if (!info) throw new UsageError(`inspect stats: no collection named ${name} (${await whyNoCollection(vectors)})`);
    const { chunkTokenStats, countCollectionDocuments } = await import('../store/featurize-repo.js');
    const { maxTokensOf } = await import('../inspect/embedder-limits.js');
    const fdb = db.db;
    const [t] = await chunkTokenStats(fdb, name);
    const documents = await countCollectionDocuments(fdb, name);
    scope.summary(`inspect stats ${name}`, {
      collection: info.name,
      vector_store: vectors!.kind,
      embedder: info.embedder ?? 'none (payload only)',
      dimension: info.dimension ?? undefined,
      points: info.count,
      documents: info.embedder ? documents : info.count,
      token_limit: info.embedder ? (maxTokensOf(info.embedder) ?? undefined) : undefined,
      tokens_min: t?.min,
      tokens_max: t?.max,
      tokens_mean: t ? Number(t.mean.toFixed(1)) : undefined,
      tokens_p95: t?.p95,
    });
  });
}

export async function inspectSample(ctx: Context, name: string, f: { limit: number; filter?: string[] }): Promise<void> {
  await inspecting(ctx, async (scope) => {
    const vectors = await scope.vectorsForReading();
    if (!vectors) throw new UsageError(`inspect sample: no collection named ${name} (${await whyNoCollection(vectors)})`);
    const { parseFilters } = await import('../vector/vector-store.js');
    const pts = await vectors.sample(name, f.limit, parseFilters(f.filter));
    printRows(ctx, pts.map((p) => ({ id: p.id, ...p.payload })));
  });
}
