import { Interrupted } from '../core/errors.js';
import type { OutputKind } from '../core/output-file.js';
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
    stopIfInterrupted(ctx, 'inspect export', file, out.kind);
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
    stopIfInterrupted(ctx, 'inspect report', f.out, sink.kind);
    await sink.write(renderReport(data));
    await scope.finish('inspect report', { out: f.out, documents: data.documents, chunks: data.chunks.reduce((s, c) => s + c.counts.length, 0), llm_calls: data.calls_by_day.reduce((s, c) => s + c.calls, 0) });
  });
}

/**
 * An export or a report cut short by Ctrl-C/SIGTERM is not what was asked for, unlike a stage's
 * output (which says what was stored so far): thrown, so the scope removes the temporary file
 * and a file written before stays whole (a partial backup restored with exit 0, lines missing).
 */
function stopIfInterrupted(ctx: Context, command: string, target: string, kind: OutputKind): void {
  const { signal } = ctx;
  if (!signal.aborted) return;
  const why = signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
  const left = kind === 'replace' ? `${target} is left as it was` : 'what was written is incomplete';
  throw new Interrupted(`${command}: stopped (${why}); ${left}`, signal.reason);
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
