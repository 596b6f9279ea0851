import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { UsageError, errorMessage } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../store/database.js';
import { monitorDb } from '../ledger/ledger-tables.js';
import { claimKeys, keyString, knownKeys, markAllClaimedDone, markDone, releaseKeys, releaseStaleClaims, releaseWorker, renewClaims, type LedgerKey } from '../ledger/ledger-repo.js';
import type { LoadedMonitor } from './monitor-config.js';
import type { Extractor } from './extractors.js';
import type { Metric } from './metrics/metric.js';
import type { Publisher } from './publish/publishers.js';
import { sampleItems } from './sampling.js';
import type { EvalItem, Score, ScoreValue, SourceItem, SourceProblem } from './types.js';
import { createCallSignals } from '../core/call-signals.js';

export type MetricSummary = { metric: string; version: string; count: number; mean: number | null; pass_rate: number | null; failed: number };

export type ItemFailure = { item_id?: string; where?: string; metric?: string; error: string };

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

export type MonitorRunOptions = {
  monitor: LoadedMonitor;
  db: Db;
  source: AsyncIterable<SourceItem | SourceProblem>;
  extractor: Extractor;
  metrics: Metric[];
  publishers: Publisher[];
  dryRun: boolean;
  logger: Logger;
  signal?: AbortSignal;
  /** Items claimed and scored together, then published together. */
  batchSize?: number;
  leaseMs?: number;
  onScore?: (s: Score) => void;
};

const MAX_KEPT_FAILURES = 1000;

/**
 * One monitor run: fetch → drop what the ledger already has → sample → claim → score
 * concurrently → publish → mark done. A key is marked done only after every publisher took
 * its batch; a failed score or a failed publish gives the claim back, so the next run retries.
 */
export async function runMonitor(o: MonitorRunOptions): Promise<MonitorRunResult> {
  const started = performance.now();
  const { config } = o.monitor;
  const source = config.source.type;
  const namespace = `monitor:${source}:${config.name}`;
  const mdb = monitorDb(o.db.db);
  const runId = randomUUID();
  const worker = `${runId}`;
  const leaseMs = o.leaseMs ?? 10 * 60_000;
  const failures: ItemFailure[] = [];
  let failed = 0;
  const fail = (f: ItemFailure) => {
    // A reason quotes what a judge, a source or a publisher answered: masked before it is kept.
    f = { ...f, error: redactText(f.error) };
    failed++;
    if (failures.length < MAX_KEPT_FAILURES) failures.push(f);
    o.logger.warn(`monitor ${config.name}: ${f.where ?? f.item_id ?? ''}${f.metric ? ` ${f.metric}` : ''}: ${f.error}`);
  };

  if (o.db.engine === 'sqlite') {
    // Item ids arrive in no key order, so ledger and score writes land all over their B-trees;
    // with SQLite's default 2 MB page cache a 100k-item run spent most of its time re-reading
    // and re-writing pages. 64 MB keeps the working set in memory for this connection.
    await sql`pragma cache_size = -65536`.execute(o.db.db);
  }
  if (!o.dryRun) {
    await mdb
      .insertInto('monitor_runs')
      .values({ id: runId, monitor: config.name, source, config_file: o.monitor.shown, started_at: new Date().toISOString(), finished_at: null, status: 'running', counts: '{}' })
      .execute();
    await releaseStaleClaims(mdb, namespace);
  }

  // 1. Fetch and extract. Ids repeat in some sources (a trace seen twice): the first wins.
  const items: EvalItem[] = [];
  const seen = new Set<string>();
  let fetched = 0;
  try {
    for await (const s of o.source) {
      if (o.signal?.aborted) break;
      fetched++;
      if ('problem' in s) {
        fail({ where: s.where, error: s.problem });
        continue;
      }
      try {
        const item = o.extractor(s.raw);
        if (seen.has(item.id)) continue;
        seen.add(item.id);
        items.push(item);
      } catch (err) {
        fail({ where: s.where, error: `extractor: ${errorMessage(err)}` });
      }
    }
  } catch (err) {
    // The source itself failed (unreachable, auth): the run fails, and says so in monitor_runs.
    if (!o.dryRun) await mdb.updateTable('monitor_runs').set({ finished_at: new Date().toISOString(), status: 'failed', counts: JSON.stringify({ error: redactText(errorMessage(err).split('\n')[0]!) }) }).where('id', '=', runId).execute().catch(() => {});
    throw err;
  }

  // 2. Drop what is scored (or being scored) already, per metric and version.
  const allKeys = (it: EvalItem): LedgerKey[] => o.metrics.map((m) => ({ itemId: it.id, metric: m.name, version: m.version }));
  const known = await knownKeys(mdb, namespace, items.flatMap(allKeys));
  const pendingMetrics = new Map<string, Metric[]>();
  for (const it of items) {
    const ms = o.metrics.filter((m) => !known.has(keyString({ itemId: it.id, metric: m.name, version: m.version })));
    if (ms.length > 0) pendingMetrics.set(it.id, ms);
  }
  const pendingItems = items.filter((it) => pendingMetrics.has(it.id));

  // 3. Sample.
  const sampled = sampleItems(pendingItems, config.sampling);

  // 4. Claim, score, publish, mark — batch by batch.
  const { default: pLimit } = await import('p-limit');
  const limit = pLimit(config.concurrency);
  const costCap = config.sampling.max_judge_cost_usd;
  let judgeCost = 0;
  let skippedBudget = 0;
  let claimedElsewhere = 0;
  let scoredItems = 0;
  let scoreCount = 0;
  const stats = new Map<string, { version: string; count: number; sum: number; valued: number; passed: number; judged: number; failed: number }>();
  for (const m of o.metrics) stats.set(m.name, { version: m.version, count: 0, sum: 0, valued: 0, passed: 0, judged: 0, failed: 0 });
  const renew = o.dryRun ? undefined : setInterval(() => void renewClaims(mdb, namespace, worker, leaseMs).catch(() => {}), Math.max(1000, leaseMs / 3));
  renew?.unref();
  const batchSize = o.batchSize ?? 1000;
  let interrupted = false;
  const timing = { fetch_s: (performance.now() - started) / 1000, claim_s: 0, score_s: 0, publish_s: 0, mark_s: 0 };
  let t0 = performance.now();
  const lap = (k: keyof typeof timing) => {
    const now = performance.now();
    timing[k] += (now - t0) / 1000;
    t0 = now;
  };
  try {
    for (let b = 0; b < sampled.length; b += batchSize) {
      if (o.signal?.aborted) {
        interrupted = true;
        break;
      }
      const batch = sampled.slice(b, b + batchSize);
      const wanted = batch.flatMap((it) => pendingMetrics.get(it.id)!.map((m) => ({ itemId: it.id, metric: m.name, version: m.version })));
      t0 = performance.now();
      const won = o.dryRun ? wanted : await claimKeys(mdb, namespace, worker, wanted, leaseMs);
      lap('claim_s');
      claimedElsewhere += wanted.length - won.length;
      const wonSet = new Set(won.map(keyString));
      const okKeys: LedgerKey[] = [];
      const badKeys: LedgerKey[] = [];
      const scores: Score[] = [];
      const scoredInBatch = new Map<string, EvalItem>();
      const batchTime = new Date().toISOString();
      const record = (it: EvalItem, m: Metric, key: LedgerKey, v: ScoreValue) => {
        if (v.costUsd) judgeCost += v.costUsd;
        // A fixed shape (no spread of the metric's object): one hidden class for every score.
        scores.push({
          value: v.value,
          pass: v.pass,
          comment: v.comment,
          scorer: v.scorer,
          costUsd: v.costUsd,
          monitor: config.name,
          source,
          run_id: runId,
          item_id: it.id,
          trace_id: it.trace_id,
          observation_id: it.observation_id,
          metric: m.name,
          metric_version: m.version,
          created_at: batchTime,
        });
        okKeys.push(key);
        scoredInBatch.set(it.id, it);
      };
      const scoreFailed = (it: EvalItem, m: Metric, key: LedgerKey, err: unknown) => {
        stats.get(m.name)!.failed++;
        badKeys.push(key);
        fail({ item_id: it.id, metric: m.name, error: errorMessage(err).split('\n')[0]! });
      };
      // Heuristics answer synchronously and are scored inline (no promise per score, which cost
      // more than the checks themselves); judges go through the concurrency limiter.
      const callSignals = createCallSignals(o.signal);
      const scoreOne = (it: EvalItem, m: Metric): Promise<void> | void => {
        const key = { itemId: it.id, metric: m.name, version: m.version };
        if (!wonSet.has(keyString(key))) return;
        if (m.judge && costCap !== undefined && judgeCost >= costCap) {
          skippedBudget++;
          badKeys.push(key);
          return;
        }
        if (o.signal?.aborted) {
          badKeys.push(key);
          interrupted = true;
          return;
        }
        let v: ScoreValue | Promise<ScoreValue>;
        try {
          // A judge's SDK call listens on its signal: one signal per call, not the run's (see call-signals).
          v = m.judge ? callSignals.with((signal) => Promise.resolve(m.score(it, signal))) : m.score(it, o.signal);
        } catch (err) {
          return scoreFailed(it, m, key, err);
        }
        if (v && typeof (v as Promise<ScoreValue>).then === 'function') {
          return (v as Promise<ScoreValue>).then(
            (r) => record(it, m, key, r),
            (err) => scoreFailed(it, m, key, err),
          );
        }
        record(it, m, key, v as ScoreValue);
      };
      const tasks: Promise<void>[] = [];
      for (const it of batch) {
        for (const m of pendingMetrics.get(it.id)!) {
          const r = m.judge ? limit(async () => scoreOne(it, m)) : scoreOne(it, m);
          if (r) tasks.push(r);
        }
      }
      await Promise.all(tasks).finally(() => callSignals.dispose());
      lap('score_s');
      if (!o.dryRun && badKeys.length > 0) await releaseKeys(mdb, namespace, worker, badKeys);
      try {
        const itemsOut = [...scoredInBatch.values()];
        for (const p of o.publishers) await p.publish({ scores, items: itemsOut, runId, monitor: config.name, source });
      } catch (err) {
        // Nothing of this batch counts as scored: the claims go back, the next run redoes it.
        if (!o.dryRun) await releaseKeys(mdb, namespace, worker, okKeys);
        // Bad credentials or settings fail every batch alike: stop the run (exit 2), not per item.
        if (err instanceof UsageError) throw err;
        for (const it of scoredInBatch.values()) fail({ item_id: it.id, error: `publish failed: ${errorMessage(err).split('\n')[0]}` });
        continue;
      }
      lap('publish_s');
      if (!o.dryRun) {
        // Every claim of this batch was either given back or published: mark them done in one
        // statement. Anything unaccounted for falls back to the key-by-key update.
        if (won.length === okKeys.length + badKeys.length) await markAllClaimedDone(mdb, namespace, worker);
        else await markDone(mdb, namespace, worker, okKeys);
      }
      lap('mark_s');
      scoredItems += scoredInBatch.size;
      scoreCount += scores.length;
      for (const s of scores) {
        const st = stats.get(s.metric)!;
        st.count++;
        if (s.value !== null) {
          st.sum += s.value;
          st.valued++;
        }
        if (s.pass !== undefined) {
          st.judged++;
          if (s.pass) st.passed++;
        }
        o.onScore?.(s);
      }
    }
  } catch (err) {
    // A publisher refused the whole run (bad credentials): recorded like a failed source.
    if (!o.dryRun) await mdb.updateTable('monitor_runs').set({ finished_at: new Date().toISOString(), status: 'failed', counts: JSON.stringify({ error: redactText(errorMessage(err).split('\n')[0]!) }) }).where('id', '=', runId).execute().catch(() => {});
    throw err;
  } finally {
    if (renew) clearInterval(renew);
    if (!o.dryRun) await releaseWorker(mdb, namespace, worker).catch(() => {});
  }

  const result: MonitorRunResult = {
    run_id: runId,
    monitor: config.name,
    source,
    fetched,
    already_scored: items.length - pendingItems.length,
    pending: pendingItems.length,
    sampled: sampled.length,
    claimed_elsewhere: claimedElsewhere,
    scored_items: scoredItems,
    scores: scoreCount,
    failed,
    skipped_budget: skippedBudget,
    judge_cost_usd: Number(judgeCost.toFixed(6)),
    elapsed_s: Number(((performance.now() - started) / 1000).toFixed(3)),
    dry_run: o.dryRun,
    interrupted,
    timing: Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Number(v.toFixed(3))])),
    metrics: [...stats.entries()].map(([metric, st]) => ({
      metric,
      version: st.version,
      count: st.count,
      mean: st.valued ? Number((st.sum / st.valued).toFixed(4)) : null,
      pass_rate: st.judged ? Number((st.passed / st.judged).toFixed(4)) : null,
      failed: st.failed,
    })),
    failures,
  };
  if (!o.dryRun) {
    const now = new Date().toISOString();
    if (failures.length > 0) {
      // Failed items are recorded with their reason (whatever the publishers), then reported.
      const rows = failures.map((f, i) => ({
        run_id: runId,
        item_id: f.item_id ?? `unread:${f.where ?? i}`,
        monitor: config.name,
        source,
        trace_id: null,
        input: null,
        output: null,
        context: null,
        metadata: JSON.stringify({ where: f.where, metric: f.metric }),
        status: 'failed',
        error: f.metric ? `${f.metric}: ${f.error}` : f.error,
        created_at: now,
      }));
      for (let i = 0; i < rows.length; i += 200) {
        await mdb.insertInto('monitor_items').values(rows.slice(i, i + 200)).onConflict((oc) => oc.columns(['run_id', 'item_id']).doUpdateSet((eb) => ({ status: 'failed', error: eb.ref('excluded.error') }))).execute();
      }
    }
    const { failures: _f, metrics, timing: _t, ...counts } = result;
    await mdb
      .updateTable('monitor_runs')
      .set({ finished_at: now, status: interrupted ? 'interrupted' : failed > 0 ? 'partial' : 'ok', counts: JSON.stringify({ ...counts, metrics }) })
      .where('id', '=', runId)
      .execute();
  }
  return result;
}
