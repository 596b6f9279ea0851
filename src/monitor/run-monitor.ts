import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { errorMessage } from '../core/errors.js';
import { keyString, type LedgerKey } from '../store/ledger-repo.js';
import { finishRun, startRun } from '../store/runs-repo.js';
import { ledgerClaims, type LedgerClaims } from '../queue/ledger-claims.js';
import type { Metric } from './metrics/metric.js';
import { sampleItems } from './sampling.js';
import { scoreBatches } from './score-batches.js';
import { newRunState, type ItemFailure, type MonitorRunOptions, type RunState } from './run-state.js';
import type { EvalItem } from './types.js';
import { sortInvalidInputs, type InvalidInput } from './invalid-inputs.js';

export type MetricSummary = { metric: string; version: string; count: number; mean: number | null; pass_rate: number | null; failed: number };

export type MonitorRunResult = {
  run_id: string;
  monitor: string;
  source: string;
  fetched: number;
  already_scored: number;
  pending: number;
  sampled: number;
  claimed_elsewhere: number;
  scored_items: number;
  scores: number;
  failed: number;
  /** Inputs that cannot be scored (a bad line), met for the first time; those met before are skipped quietly. */
  invalid: number;
  invalid_seen_before: number;
  skipped_budget: number;
  judge_cost_usd: number;
  elapsed_s: number;
  dry_run: boolean;
  interrupted: boolean;
  metrics: MetricSummary[];
  failures: ItemFailure[];
  /** Seconds per phase, for -v and the bench. */
  timing?: Record<string, number>;
};

/**
 * One monitor run: fetch → drop what the ledger already has → sample → claim → score
 * concurrently → publish → mark done. A key is marked done only after every publisher took
 * its batch; a failed score or a failed publish gives the claim back, so the next run retries.
 * The run is a `runs` row of command `monitor` (not on a dry run, which records nothing).
 */
export async function runMonitor(o: MonitorRunOptions): Promise<MonitorRunResult> {
  const started = performance.now();
  const { config } = o.monitor;
  const source = config.source.type;
  const claims = ledgerClaims(o.db.db, `monitor:${source}:${config.name}`, { leaseMs: o.leaseMs });
  const s = newRunState(o, randomUUID());
  if (o.db.engine === 'sqlite') {
    // Item ids arrive in no key order, so ledger and score writes land all over their B-trees;
    // with SQLite's default 2 MB page cache a 100k-item run spent most of its time re-reading
    // and re-writing pages. 64 MB keeps the working set in memory for this connection.
    await sql`pragma cache_size = -65536`.execute(o.db.db);
  }
  if (!o.dryRun) {
    s.runId = await startRun(o.db.db, 'monitor', ['monitor', o.monitor.shown], { monitor: config.name, source, config_file: o.monitor.shown });
    await claims.releaseStale();
  }
  try {
    const { items, fetched, invalid } = await fetchItems(o, s);
    await sortInvalidInputs(o.dryRun ? undefined : claims, s, invalid);
    s.timing.fetch_s = (performance.now() - started) / 1000;
    const pending = await pendingWork(o, claims, items);
    const sampled = sampleItems(pending.items, config.sampling);
    await scoreBatches({ o, s, claims: o.dryRun ? undefined : claims, sampled, pendingMetrics: pending.metrics });
    const result = monitorResult(o, s, { fetched, alreadyScored: items.length - pending.items.length, pending: pending.items.length, sampled: sampled.length, started });
    if (!o.dryRun) await finishMonitorRun(o, s, result, claims);
    return result;
  } catch (err) {
    // The source itself failed (unreachable, auth), or a publisher refused the whole run.
    if (!o.dryRun) await finishRun(o.db.db, s.runId, { status: 'failed', counts: {}, error: errorMessage(err).split('\n')[0] }).catch(() => {});
    throw err;
  } finally {
    claims.stop();
    if (!o.dryRun) await claims.release().catch(() => {});
  }
}

/** Fetch and extract. Ids repeat in some sources (a trace seen twice): the first wins. */
async function fetchItems(o: MonitorRunOptions, s: RunState): Promise<{ items: EvalItem[]; fetched: number; invalid: InvalidInput[] }> {
  const items: EvalItem[] = [];
  const invalid: InvalidInput[] = [];
  const seen = new Set<string>();
  let fetched = 0;
  for await (const x of o.source) {
    if (o.signal?.aborted) break;
    fetched++;
    if ('problem' in x) {
      invalid.push({ where: x.where, error: x.problem, text: x.text ?? x.problem });
      continue;
    }
    try {
      const item = o.extractor(x.raw);
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      items.push(item);
    } catch (err) {
      invalid.push({ where: x.where, error: `extractor: ${errorMessage(err)}`, text: JSON.stringify(x.raw) ?? '' });
    }
  }
  // A source ends early on the interrupt: the run says so even when nothing was left to score.
  if (o.signal?.aborted) s.interrupted = true;
  return { items, fetched, invalid };
}

/** Drops what is scored (or being scored) already, per metric and version. */
async function pendingWork(o: MonitorRunOptions, claims: LedgerClaims, items: EvalItem[]) {
  const keyOf = (it: EvalItem, m: Metric): LedgerKey => ({ itemId: it.id, metric: m.name, version: m.version });
  const known = await claims.known(items.flatMap((it) => o.metrics.map((m) => keyOf(it, m))));
  const metrics = new Map<string, Metric[]>();
  for (const it of items) {
    const ms = o.metrics.filter((m) => !known.has(keyString(keyOf(it, m))));
    if (ms.length > 0) metrics.set(it.id, ms);
  }
  return { items: items.filter((it) => metrics.has(it.id)), metrics };
}

function monitorResult(o: MonitorRunOptions, s: RunState, n: { fetched: number; alreadyScored: number; pending: number; sampled: number; started: number }): MonitorRunResult {
  const { config } = o.monitor;
  return {
    run_id: s.runId,
    monitor: config.name,
    source: config.source.type,
    fetched: n.fetched,
    already_scored: n.alreadyScored,
    pending: n.pending,
    sampled: n.sampled,
    claimed_elsewhere: s.claimedElsewhere,
    scored_items: s.scoredItems,
    scores: s.scoreCount,
    failed: s.failed,
    invalid: s.invalidCount,
    invalid_seen_before: s.invalidSeenBefore,
    skipped_budget: s.skippedBudget,
    judge_cost_usd: Number(s.judgeCost.toFixed(6)),
    elapsed_s: Number(((performance.now() - n.started) / 1000).toFixed(3)),
    dry_run: o.dryRun,
    interrupted: s.interrupted,
    timing: Object.fromEntries(Object.entries(s.timing).map(([k, v]) => [k, Number(v.toFixed(3))])),
    metrics: [...s.stats.entries()].map(([metric, st]) => ({
      metric,
      version: st.version,
      count: st.count,
      mean: st.valued ? Number((st.sum / st.valued).toFixed(4)) : null,
      pass_rate: st.judged ? Number((st.passed / st.judged).toFixed(4)) : null,
      failed: st.failed,
    })),
    failures: s.failures,
  };
}

/** Failed items are recorded with their reason (whatever the publishers), then the run row is closed. */
async function finishMonitorRun(o: MonitorRunOptions, s: RunState, result: MonitorRunResult, claims: LedgerClaims): Promise<void> {
  const { config } = o.monitor;
  const now = new Date().toISOString();
  const rows = s.failures.map((f, i) => ({
    run_id: s.runId,
    item_id: f.item_id ?? `unread:${f.where ?? i}`,
    monitor: config.name,
    source: config.source.type,
    trace_id: null,
    input: null,
    output: null,
    context: null,
    metadata: JSON.stringify({ where: f.where, metric: f.metric }),
    status: f.status ?? 'failed',
    error: f.metric ? `${f.metric}: ${f.error}` : f.error,
    created_at: now,
  }));
  for (let i = 0; i < rows.length; i += 200) {
    await o.db.db.insertInto('monitor_items').values(rows.slice(i, i + 200)).onConflict((oc) => oc.columns(['run_id', 'item_id']).doUpdateSet((eb) => ({ status: 'failed', error: eb.ref('excluded.error') }))).execute();
  }
  // Reported in monitor_items: now the ledger may say so.
  if (s.invalidKeys.length > 0) await claims.markDone(s.invalidKeys);
  const { failures: _f, metrics, timing: _t, ...counts } = result;
  await finishRun(o.db.db, s.runId, { status: s.interrupted ? 'interrupted' : s.failed + s.invalidCount > 0 ? 'partial' : 'ok', counts: { ...counts, metrics } });
}
