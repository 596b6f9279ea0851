import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { Db } from '../store/database.js';
import {
  claimSentences,
  countPendingSentences,
  queueName,
  releaseClaims,
  releaseStaleClaims,
  renewClaims,
  saveResults,
  type ClaimedSentence,
  type ResultRow,
} from '../store/results-repo.js';
import type { LlmClient } from '../llm/client.js';
import type { Task } from '../llm/tasks/define-task.js';
import { analyseItem, type ItemOutcome } from './analyse-item.js';
import { createCallSignals } from '../core/call-signals.js';
import { addOutcome, emptySummary, type AnalyseSummary } from './summary.js';

export type AnalyseOptions = {
  task: Task<{ text: string }, Record<string, unknown>>;
  concurrency: number;
  limit?: number;
  signal?: AbortSignal;
  redact: (s: string) => string;
  onResult?: (sentence: ClaimedSentence, outcome: ItemOutcome) => Promise<void> | void;
};

const LEASE_MS = 10 * 60_000;
const FLUSH_ROWS = 200;
// A crash loses at most this much finished work (its claims are released and redone).
const FLUSH_MS = 1000;

/**
 * Gives every sentence without a result for this task and version one, keeping up to
 * `concurrency` calls in flight. Claims are leased (several workers share the work), results
 * are written in small batches, and an interrupted run releases what it had not finished.
 */
export async function runAnalyse(db: Db, client: LlmClient, opts: AnalyseOptions): Promise<AnalyseSummary> {
  const summary = emptySummary();
  const started = performance.now();
  const worker = randomUUID();
  const { task } = opts;
  await releaseStaleClaims(db.db, queueName(task.name, task.version));

  const limit = pLimit(opts.concurrency);
  let buffer: ResultRow[] = [];
  let lastFlush = performance.now();
  let fatal: unknown;
  let claimedTotal = 0;
  let cursor: string | undefined;
  let exhausted = false;

  // Writes run one after another, off the calls' path: a call's slot is free again as soon as
  // its result is buffered, not after a batch of rows has been committed.
  let writing: Promise<void> = Promise.resolve();
  const flush = () => {
    const rows = buffer;
    buffer = [];
    lastFlush = performance.now();
    writing = writing.then(async () => {
      // The calls these results link to (and the cache entries naming them) are committed in
      // the results' own transaction. Taken now, at write time: every buffered result's calls
      // are already in the outbox (the store hook runs before a call returns). A call log that
      // cannot join the transaction (MongoDB) is flushed first instead.
      if (client.outbox) {
        await saveResults(db.db, rows, worker, client.outbox.take());
      } else {
        await client.flush();
        await saveResults(db.db, rows, worker);
      }
    });
    writing.catch((err) => void (fatal ??= err));
    return writing;
  };
  const signals = createCallSignals(opts.signal);
  const renewal = setInterval(() => void renewClaims(db.db, worker, LEASE_MS).catch(() => {}), LEASE_MS / 3);
  renewal.unref();

  const processOne = async (s: ClaimedSentence) => {
    if (opts.signal?.aborted || fatal) return;
    let outcome: ItemOutcome;
    try {
      outcome = await signals.with((signal) => analyseItem(client, task, s.text, opts.redact, signal));
    } catch (err) {
      fatal ??= err;
      return;
    }
    if (opts.signal?.aborted && outcome.status === 'failed') return; // cut short, not failed
    addOutcome(summary, outcome);
    buffer.push({
      id: `${s.id}:${task.name}:v${task.version}`,
      sentence_id: s.id,
      task: task.name,
      task_version: task.version,
      status: outcome.status,
      label: outcome.label,
      confidence: outcome.confidence,
      value: outcome.value,
      error: outcome.error,
      provider: outcome.provider,
      model: outcome.model,
      trace_id: outcome.traceId,
      llm_call_id: outcome.llmCallId,
      cached: outcome.cached,
      created_at: new Date().toISOString(),
    });
    await opts.onResult?.(s, outcome);
    if (buffer.length >= FLUSH_ROWS || performance.now() - lastFlush > FLUSH_MS) void flush();
  };

  // Items queued or running. A finishing item wakes the loop through `wake`: O(1) per item,
  // where racing a set of hundreds of promises cost more CPU than the calls themselves.
  let queued = 0;
  let wake: (() => void) | undefined;
  const settled = () => {
    queued--;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const nextSettled = () => new Promise<void>((resolve) => (wake = resolve));
  try {
    while (!opts.signal?.aborted && !fatal) {
      if (exhausted || queued >= opts.concurrency * 2) {
        if (queued === 0) break;
        await nextSettled();
        continue;
      }
      const want = Math.min(Math.max(opts.concurrency, 16), opts.limit === undefined ? Infinity : opts.limit - claimedTotal);
      if (want <= 0) {
        exhausted = true;
        continue;
      }
      const { claimed, cursor: next } = await claimSentences(db.db, { task: task.name, version: task.version, worker, limit: want, leaseMs: LEASE_MS, afterId: cursor });
      if (next === undefined) {
        exhausted = true;
        continue;
      }
      cursor = next;
      claimedTotal += claimed.length;
      for (const s of claimed) {
        queued++;
        void limit(() => processOne(s)).then(settled, (err) => {
          fatal ??= err;
          settled();
        });
      }
    }
    while (queued > 0) await nextSettled();
    await flush();
  } finally {
    clearInterval(renewal);
    signals.dispose();
    // Whatever was claimed but not finished (interrupted, fatal error) goes back to the pool.
    await releaseClaims(db.db, worker).catch(() => {});
  }
  if (fatal) throw fatal;
  summary.interrupted = Boolean(opts.signal?.aborted);
  summary.elapsed_s = (performance.now() - started) / 1000;
  return summary;
}

export function pendingSentences(db: Db, task: Task<unknown, unknown>): Promise<number> {
  return countPendingSentences(db.db, task.name, task.version);
}
