import pLimit from 'p-limit';
import type { Db } from '../store/database.js';
import { countPendingSentences, saveResults, sentencesWithoutResult, withoutResultAmong, type PendingSentence, type ResultRow } from '../store/results-repo.js';
import { withWorkQueue, type WorkQueue } from '../queue/work-queue.js';
import type { LlmClient } from '../llm/client.js';
import type { Task } from '../llm/tasks/define-task.js';
import { analyseItem, type ItemOutcome } from './analyse-item.js';
import { createCallSignals } from '../core/call-signals.js';
import { yieldToEvents } from '../core/yield-to-events.js';
import { addOutcome, emptySummary, type AnalyseSummary } from './summary.js';

type SentenceTask = Task<{ text: string }, Record<string, unknown>>;

export type AnalyseOptions = {
  task: SentenceTask;
  concurrency: number;
  limit?: number;
  signal?: AbortSignal;
  redact: (s: string) => string;
  onResult?: (sentence: PendingSentence, outcome: ItemOutcome) => Promise<void> | void;
};

const FLUSH_ROWS = 200;
// A crash loses at most this much finished work (its leases are released and redone).
const FLUSH_MS = 1000;

/** The work queue of a task and version (named as the leases of earlier releases were). */
const queueName = (task: string, version: number) => `results:${task}:v${version}`;

/**
 * Gives every sentence without a result for this task and version one, keeping up to
 * `concurrency` calls in flight. Sentences are leased from the work queue (several workers
 * share the work), results are written in small batches that drop their leases in the same
 * transaction, and an interrupted run gives back what it had not finished.
 */
export async function runAnalyse(db: Db, client: LlmClient, opts: AnalyseOptions): Promise<AnalyseSummary> {
  const summary = emptySummary();
  const started = performance.now();
  const { task } = opts;
  let fatal: unknown;
  const signals = createCallSignals(opts.signal);
  // The results' transactions commit the calls they link to (writeResults), from the first call on.
  client.outbox?.own();
  try {
    await withWorkQueue(db.db, queueName(task.name, task.version), async (queue) => {
      const writer = resultWriter(db, client, queue, (err) => void (fatal ??= err));
      const processOne = async (s: PendingSentence) => {
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
        writer.push(resultRow(s, task, outcome));
        await opts.onResult?.(s, outcome);
      };
      const claimNext = sentenceClaimer(db, queue, task, opts);
      await workThrough(claimNext, processOne, { concurrency: opts.concurrency, stop: () => Boolean(opts.signal?.aborted || fatal), onError: (err) => void (fatal ??= err) });
      await writer.flush();
    });
  } finally {
    signals.dispose();
  }
  if (fatal) throw fatal;
  summary.interrupted = Boolean(opts.signal?.aborted);
  summary.elapsed_s = (performance.now() - started) / 1000;
  return summary;
}

/** Claims the next sentences in id order (a cursor past what this worker was offered); null when none are left. */
function sentenceClaimer(db: Db, queue: WorkQueue, task: SentenceTask, opts: AnalyseOptions) {
  let cursor: string | undefined;
  let claimedTotal = 0;
  return async (): Promise<PendingSentence[] | null> => {
    const want = Math.min(Math.max(opts.concurrency, 16), opts.limit === undefined ? Infinity : opts.limit - claimedTotal);
    if (want <= 0) return null;
    const candidates = await sentencesWithoutResult(db.db, { task: task.name, version: task.version, limit: want, afterId: cursor, filter: queue.notLeased('s.id') });
    if (candidates.length === 0) return null;
    cursor = candidates.at(-1)!.id;
    const won = new Set(await queue.claim(candidates.map((c) => c.id), (trx, ids) => withoutResultAmong(trx, ids, task.name, task.version)));
    const claimed = candidates.filter((c) => won.has(c.id));
    claimedTotal += claimed.length;
    return claimed;
  };
}

/**
 * Runs `process` over what `claimNext` hands out, up to `concurrency` at once and twice that
 * queued. A finishing item wakes the loop through `wake`: O(1) per item, where racing a set of
 * hundreds of promises cost more CPU than the calls themselves.
 */
async function workThrough<T>(
  claimNext: () => Promise<T[] | null>,
  process: (item: T) => Promise<void>,
  o: { concurrency: number; stop: () => boolean; onError: (err: unknown) => void },
): Promise<void> {
  const limit = pLimit(o.concurrency);
  let queued = 0;
  let exhausted = false;
  let wake: (() => void) | undefined;
  const settled = () => {
    queued--;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const nextSettled = () => new Promise<void>((resolve) => (wake = resolve));
  while (!o.stop()) {
    await yieldToEvents(); // the offline model and SQLite settle at once: let a Ctrl-C in
    if (o.stop()) break;
    if (exhausted || queued >= o.concurrency * 2) {
      if (queued === 0) break;
      await nextSettled();
      continue;
    }
    const batch = await claimNext();
    if (batch === null) {
      exhausted = true;
      continue;
    }
    for (const item of batch) {
      queued++;
      void limit(() => process(item)).then(settled, (err) => {
        o.onError(err);
        settled();
      });
    }
  }
  while (queued > 0) await nextSettled();
}

/**
 * Buffers results and writes them one batch after another, off the calls' path: a call's slot
 * is free again as soon as its result is buffered, not after a batch of rows has been committed.
 */
function resultWriter(db: Db, client: LlmClient, queue: WorkQueue, onError: (err: unknown) => void) {
  let buffer: ResultRow[] = [];
  let lastFlush = performance.now();
  let writing: Promise<void> = Promise.resolve();
  const flush = () => {
    const rows = buffer;
    buffer = [];
    lastFlush = performance.now();
    writing = writing.then(() => writeResults(db, client, queue, rows));
    writing.catch(onError);
    return writing;
  };
  return {
    push(row: ResultRow) {
      buffer.push(row);
      if (buffer.length >= FLUSH_ROWS || performance.now() - lastFlush > FLUSH_MS) void flush();
    },
    flush,
  };
}

/**
 * The calls these results link to (and the cache entries naming them) are committed in the
 * results' own transaction, with the deletion of the results' leases. Taken now, at write time:
 * every buffered result's calls are already in the outbox (the store hook runs before a call
 * returns). A call log that cannot join the transaction (MongoDB) is flushed first instead.
 */
async function writeResults(db: Db, client: LlmClient, queue: WorkQueue, rows: ResultRow[]): Promise<void> {
  const complete = (trx: Db['db']) => queue.complete(trx, rows.map((r) => r.sentence_id));
  const opts = { within: complete, engine: db.engine };
  if (client.outbox) return saveResults(db.db, rows, client.outbox.take(), opts);
  await client.flush();
  await saveResults(db.db, rows, undefined, opts);
}

function resultRow(s: PendingSentence, task: SentenceTask, outcome: ItemOutcome): ResultRow {
  return {
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
  };
}

export function pendingSentences(db: Db, task: Task<unknown, unknown>): Promise<number> {
  return countPendingSentences(db.db, task.name, task.version);
}
