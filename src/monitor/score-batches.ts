import { yieldToEvents } from '../core/yield-to-events.js';
import type { LimitFunction } from 'p-limit';
import { OutputError, UsageError, errorMessage } from '../core/errors.js';
import { createCallSignals } from '../core/call-signals.js';
import { redactText } from '../core/redact.js';
import { storableString } from '../core/storable-text.js';
import { keyString, type LedgerKey } from '../store/ledger-repo.js';
import type { LedgerClaims } from '../queue/ledger-claims.js';
import type { Metric } from './metrics/metric.js';
import type { MonitorRunOptions, RunState } from './run-state.js';
import type { EvalItem, Score, ScoreValue } from './types.js';

type Batches = {
  o: MonitorRunOptions;
  s: RunState;
  /** None on a dry run: every key is "won", nothing is claimed or recorded. */
  claims?: LedgerClaims;
  sampled: EvalItem[];
  pendingMetrics: Map<string, Metric[]>;
};

/** One batch's scores, and which of its keys were scored (ok) or given back (bad). */
type BatchOutcome = { scores: Score[]; okKeys: LedgerKey[]; badKeys: LedgerKey[]; items: Map<string, EvalItem>; time: string };

const keyOf = (it: EvalItem, m: Metric): LedgerKey => ({ itemId: it.id, metric: m.name, version: m.version });

/** Claim, score, publish, mark — batch by batch. */
export async function scoreBatches(c: Batches): Promise<void> {
  const { default: pLimit } = await import('p-limit');
  const limit = pLimit(c.o.monitor.config.concurrency);
  const batchSize = c.o.batchSize ?? 1000;
  for (let b = 0; b < c.sampled.length; b += batchSize) {
    await yieldToEvents(); // heuristic metrics and SQLite settle at once: let a Ctrl-C in
    if (c.o.signal?.aborted) {
      c.s.interrupted = true;
      break;
    }
    await scoreBatch(c, c.sampled.slice(b, b + batchSize), limit);
  }
}

async function scoreBatch(c: Batches, batch: EvalItem[], limit: LimitFunction): Promise<void> {
  let t0 = performance.now();
  const lap = (k: keyof RunState['timing']) => {
    const now = performance.now();
    c.s.timing[k] += (now - t0) / 1000;
    t0 = now;
  };
  const wanted = batch.flatMap((it) => c.pendingMetrics.get(it.id)!.map((m) => keyOf(it, m)));
  const won = c.claims ? await c.claims.claim(wanted) : wanted;
  lap('claim_s');
  c.s.claimedElsewhere += wanted.length - won.length;
  const out = await scoreWon(c, batch, new Set(won.map(keyString)), limit);
  lap('score_s');
  if (c.claims && out.badKeys.length > 0) await c.claims.release(out.badKeys);
  if (!(await publishBatch(c, out))) return;
  lap('publish_s');
  // Every key won was either given back or published: the leases left are the published ones.
  await c.claims?.markDone(out.okKeys, { allHeld: won.length === out.okKeys.length + out.badKeys.length });
  lap('mark_s');
  tally(c, out);
}

/**
 * Scores the won keys of a batch. Heuristics answer synchronously and are scored inline (no
 * promise per score, which cost more than the checks themselves); judges go through the
 * concurrency limiter, each call with its own signal (see call-signals).
 */
async function scoreWon(c: Batches, batch: EvalItem[], won: Set<string>, limit: LimitFunction): Promise<BatchOutcome> {
  const out: BatchOutcome = { scores: [], okKeys: [], badKeys: [], items: new Map(), time: new Date().toISOString() };
  const callSignals = createCallSignals(c.o.signal);
  const tasks: Promise<void>[] = [];
  for (const it of batch) {
    for (const m of c.pendingMetrics.get(it.id)!) {
      if (!won.has(keyString(keyOf(it, m)))) continue;
      const r = m.judge ? limit(async () => scoreOne(c, out, it, m, callSignals)) : scoreOne(c, out, it, m, callSignals);
      if (r) tasks.push(r);
    }
  }
  await Promise.all(tasks).finally(() => callSignals.dispose());
  return out;
}

function scoreOne(c: Batches, out: BatchOutcome, it: EvalItem, m: Metric, callSignals: ReturnType<typeof createCallSignals>): Promise<void> | void {
  const key = keyOf(it, m);
  const cap = c.o.monitor.config.sampling.max_judge_cost_usd;
  if (m.judge && cap !== undefined && c.s.judgeCost >= cap) {
    c.s.skippedBudget++;
    out.badKeys.push(key);
    return;
  }
  if (c.o.signal?.aborted) {
    out.badKeys.push(key);
    c.s.interrupted = true;
    return;
  }
  let v: ScoreValue | Promise<ScoreValue>;
  try {
    v = m.judge ? callSignals.with((signal) => Promise.resolve(m.score(it, signal))) : m.score(it, c.o.signal);
  } catch (err) {
    return scoreFailed(c, out, it, m, err);
  }
  if (v && typeof (v as Promise<ScoreValue>).then === 'function') {
    return (v as Promise<ScoreValue>).then(
      (r) => record(c, out, it, m, r),
      (err) => scoreFailed(c, out, it, m, err),
    );
  }
  record(c, out, it, m, v as ScoreValue);
}

function record(c: Batches, out: BatchOutcome, it: EvalItem, m: Metric, v: ScoreValue): void {
  if (v.costUsd) c.s.judgeCost += v.costUsd;
  const { config } = c.o.monitor;
  // A fixed shape (no spread of the metric's object): one hidden class for every score.
  out.scores.push({
    value: v.value,
    pass: v.pass,
    comment: v.comment == null ? undefined : scoreComment(String(v.comment)), // a module metric may hand a null or a number
    scorer: v.scorer,
    costUsd: v.costUsd,
    monitor: config.name,
    source: config.source.type,
    run_id: c.s.runId,
    item_id: it.id,
    trace_id: it.trace_id,
    observation_id: it.observation_id,
    metric: m.name,
    metric_version: m.version,
    created_at: out.time,
  });
  out.okKeys.push(keyOf(it, m));
  out.items.set(it.id, it);
}

/**
 * A comment may quote the trace (a judge's reason, a parse error), and a trace may hold a key a
 * user pasted. Masked once, here where the score is made, so every publisher (stdout, --out,
 * Langfuse, SQL) gets the same masked text; only SQL masked it before. Storable too: a judge
 * may answer a NUL, which PostgreSQL refuses.
 */
const scoreComment = (comment: string): string => storableString(redactText(comment));

function scoreFailed(c: Batches, out: BatchOutcome, it: EvalItem, m: Metric, err: unknown): void {
  if (c.o.signal?.aborted) {
    // A judge call the interrupt cancelled: not the item's failure. Its key goes back and the
    // next run scores it (recorded as failed, it read "rubric: SIGINT" and counted as scored).
    out.badKeys.push(keyOf(it, m));
    c.s.interrupted = true;
    return;
  }
  c.s.stats.get(m.name)!.failed++;
  out.badKeys.push(keyOf(it, m));
  c.s.fail({ item_id: it.id, metric: m.name, error: errorMessage(err).split('\n')[0]! });
}

/** Publishes a batch to every publisher; false when one failed (its keys then go back). */
async function publishBatch(c: Batches, out: BatchOutcome): Promise<boolean> {
  const { config } = c.o.monitor;
  try {
    for (const p of c.o.publishers) await p.publish({ scores: out.scores, items: [...out.items.values()], runId: c.s.runId, monitor: config.name, source: config.source.type });
    return true;
  } catch (err) {
    // Nothing of this batch counts as scored: the claims go back, the next run redoes it.
    await c.claims?.release(out.okKeys);
    // Bad credentials or settings (exit 2), or our own --out failing to be written (a full
    // disk, exit 1), fail every batch alike: stop the run, not item by item.
    if (err instanceof UsageError || err instanceof OutputError) throw err;
    c.s.failAll([...out.items.keys()], `publish failed: ${errorMessage(err).split('\n')[0]}`);
    return false;
  }
}

function tally(c: Batches, out: BatchOutcome): void {
  c.s.scoredItems += out.items.size;
  c.s.scoreCount += out.scores.length;
  for (const sc of out.scores) {
    const st = c.s.stats.get(sc.metric)!;
    st.count++;
    if (sc.value !== null) {
      st.sum += sc.value;
      st.valued++;
    }
    if (sc.pass !== undefined) {
      st.judged++;
      if (sc.pass) st.passed++;
    }
    c.o.onScore?.(sc);
  }
}
