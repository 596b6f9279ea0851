import { parseInstant } from '../core/duration.js';
import type { CacheGroup } from '../store/llm-cache-repo.js';
import { runCommand } from './command-scope.js';
import type { Context } from './context.js';
import { inspecting } from './inspect-scope.js';
import { printRows } from './print.js';

// `llmops cache stats | clear`: the response cache. Both read an existing database (a missing
// one is an error, never a new file), and neither touches calls or results.

export async function cacheStats(ctx: Context): Promise<void> {
  await inspecting(ctx, async (scope, db) => {
    const { cacheGroups } = await import('../store/llm-cache-repo.js');
    const groups = await cacheGroups(db.db);
    const sum = (k: 'entries' | 'bytes' | 'hits') => groups.reduce((s, g) => s + g[k], 0);
    const times = groups.flatMap((g) => [g.oldest, g.newest]).sort();
    scope.summary('cache stats', { entries: sum('entries'), bytes: sum('bytes'), hits: sum('hits'), oldest: times[0], newest: times.at(-1), by: groups });
    if (!ctx.json && groups.length > 0) printRows(ctx, groups.map(groupRow));
  });
}

const groupRow = (g: CacheGroup) => ({ task: g.task ?? '(unknown)', model: `${g.provider}/${g.model}`, entries: g.entries, bytes: g.bytes, hits: g.hits, oldest: g.oldest, newest: g.newest });

export type CacheClearFlags = { olderThan?: string; task?: string; model?: string; dryRun?: boolean };

export async function cacheClear(ctx: Context, f: CacheClearFlags): Promise<void> {
  const selection = { before: f.olderThan === undefined ? undefined : parseInstant(f.olderThan, '--older-than'), task: f.task, model: f.model };
  await runCommand(ctx, async (scope) => {
    const db = await scope.db({ mustExist: true });
    const repo = await import('../store/llm-cache-repo.js');
    const which = { older_than: f.olderThan, task: f.task, model: f.model };
    if (f.dryRun) scope.summary('cache clear', { dry_run: true, would_remove: await repo.countCacheEntries(db.db, selection), ...which });
    else scope.summary('cache clear', { removed: await repo.deleteCacheEntries(db.db, selection), ...which });
  });
}
