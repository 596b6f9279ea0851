import { PartialFailure } from '../core/errors.js';
import type { Context } from './context.js';
import { inspecting } from './inspect-scope.js';
import { printRows } from './print.js';
import { UsageError } from '../core/errors.js';

// `inspect chunks | documents | sentences | results | runs`: rows of the database (calls: inspect-calls.ts).

export async function inspectChunks(ctx: Context, f: { collection?: string }): Promise<void> {
  await inspecting(ctx, async (scope, db) => {
    const { chunkTokenStats } = await import('../store/featurize-repo.js');
    const { maxTokensOf } = await import('../inspect/embedder-limits.js');
    const stats = await chunkTokenStats(db.db, f.collection);
    // The longest chunk's document, by title: where to look first when a collection FAILs.
    const documents = await (await scope.warehouse()).getMany(stats.map((s) => s.longest_document_id));
    const titles = new Map(documents.map((d) => [d.id, d.title]));
    const rows = stats.map(({ longest_document_id, ...s }) => {
      const limit = maxTokensOf(s.embedder);
      const verdict = limit === null ? 'UNKNOWN' : s.max <= limit ? 'PASS' : 'FAIL';
      return { ...s, mean: Number(s.mean.toFixed(1)), limit, verdict, longest_document_id, longest_document_title: titles.get(longest_document_id) ?? null };
    });
    const shown = ctx.json ? rows : rows.map(({ longest_document_id: id, longest_document_title: title, ...r }) => ({ ...r, longest_in: title ?? id }));
    printRows(ctx, shown);
    if (rows.some((r) => r.verdict === 'FAIL')) throw new PartialFailure('inspect chunks: some chunks are over their embedder limit');
  });
}

export async function inspectDocuments(ctx: Context, f: { limit: number; category?: string }): Promise<void> {
  await inspecting(ctx, async (_scope, db) => {
    const { listDocumentRows } = await import('../inspect/list-records.js');
    printRows(ctx, await listDocumentRows(db, f), ['id', 'category', 'source', 'title', 'chars', 'created_at']);
  });
}

export async function inspectSentences(ctx: Context, f: { limit: number; document?: string }): Promise<void> {
  await inspecting(ctx, async (scope, db) => {
    const { listSentenceRows } = await import('../inspect/list-records.js');
    const rows = await listSentenceRows(db, f);
    // A document id that names nothing is an error, as any argument that names nothing is.
    if (rows.length === 0 && f.document !== undefined) {
      if (!(await (await scope.warehouse()).get(f.document))) throw new UsageError(`inspect sentences --document: no document ${f.document} (llmops inspect documents lists them)`);
      ctx.logger.warn(`inspect sentences: document ${f.document} has no sentences yet (llmops split finds them)`);
    }
    printRows(ctx, rows);
  });
}

export async function inspectResults(ctx: Context, f: { limit: number; task?: string }): Promise<void> {
  await inspecting(ctx, async (_scope, db) => {
    const { listResults } = await import('../store/results-repo.js');
    const rows = await listResults(db.db, f);
    printRows(ctx, rows as unknown as Record<string, unknown>[], ['sentence_id', 'task', 'status', 'label', 'confidence', 'provider', 'model', 'created_at']);
  });
}

export async function inspectRuns(ctx: Context, f: { limit: number; command?: string }): Promise<void> {
  await inspecting(ctx, async (_scope, db) => {
    const { listRuns } = await import('../store/runs-repo.js');
    const rows = await listRuns(db.db, f);
    printRows(ctx, rows as unknown as Record<string, unknown>[], ['started_at', 'command', 'status', 'counts', 'error']);
  });
}
