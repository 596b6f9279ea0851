import type { CollectionInfo } from '../vector/vector-store.js';
import type { CommandScope } from './command-scope.js';
import type { Context } from './context.js';
import { inspecting } from './inspect-scope.js';

// `inspect export | report`: the store written out, as JSONL that ingest restores or as one HTML page.

export async function inspectExport(ctx: Context, file: string): Promise<void> {
  await inspecting(ctx, async (scope) => {
    const { exportWarehouse } = await import('../inspect/export-warehouse.js');
    const store = await scope.warehouse();
    const out = scope.ndjson(file, { label: 'inspect export' });
    const documents = await exportWarehouse(store, out, ctx.signal);
    await scope.finish('inspect export', { file, documents });
  });
}

export async function inspectReport(ctx: Context, f: { out: string }): Promise<void> {
  await inspecting(ctx, async (scope, db) => {
    const { gatherReportData } = await import('../inspect/report-data.js');
    const { renderReport } = await import('../inspect/render-report.js');
    // Opened first: a path that cannot be written fails before any work.
    const sink = scope.file(f.out, { label: 'inspect report' });
    const store = await scope.warehouse();
    const data = await gatherReportData(db, store, await collectionsIfAny(scope));
    await sink.write(renderReport(data));
    await scope.finish('inspect report', { out: f.out, documents: data.documents, chunks: data.chunks.reduce((s, c) => s + c.counts.length, 0), llm_calls: data.calls_by_day.reduce((s, c) => s + c.calls, 0) });
  });
}

/** The vector collections, for their token limits; without a vector store the chunks table has them. */
async function collectionsIfAny(scope: CommandScope): Promise<CollectionInfo[] | null> {
  try {
    const vectors = await scope.vectors();
    return await vectors.listCollections();
  } catch (err) {
    scope.ctx.logger.debug(`report: no vector store (${String(err)}); chunk limits from the chunks table`);
    return null;
  }
}
