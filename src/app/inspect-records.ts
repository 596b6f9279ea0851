import { PartialFailure } from '../core/errors.js';
import type { Context } from './context.js';
import { inspecting } from './inspect-scope.js';
import { printRows } from './print.js';

// `inspect chunks | documents | sentences | results | runs`: rows of the database (calls: inspect-calls.ts).

export async function inspectChunks(ctx: Context, f: { collection?: string }): Promise<void> {
  await inspecting(ctx, async (_scope, db) => {
    const { chunkTokenStats } = await import('../store/featurize-repo.js');
    const { maxTokensOf } = await import('../inspect/embedder-limits.js');
    const stats = await chunkTokenStats(db.db, f.collection);
    const rows = stats.map((s) => {
      const limit = maxTokensOf(s.embedder);
      return { collection: s.collection, embedder: s.embedder, chunks: s.chunks, min: s.min, max: s.max, mean: Number(s.mean.toFixed(1)), p95: s.p95, limit, verdict: limit === null ? 'UNKNOWN' : s.max <= limit ? 'PASS' : 'FAIL' };
    });
    printRows(ctx, rows);
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
  await inspecting(ctx, async (_scope, db) => {
    const { listSentenceRows } = await import('../inspect/list-records.js');
    printRows(ctx, await listSentenceRows(db, f));
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
