import pLimit from 'p-limit';
import { InputError } from '../core/errors.js';
import { readJsonRecords } from '../core/json-records.js';
import type { NdjsonWriter } from '../core/ndjson-writer.js';
import { missingTextField, textOf, TEXT_FIELD_CANDIDATES } from '../text/text-field.js';
import type { LlmClient } from '../llm/client.js';
import type { Task } from '../llm/tasks/define-task.js';
import { analyseItem, type ItemOutcome } from './analyse-item.js';
import { createCallSignals } from '../core/call-signals.js';
import { addOutcome, emptySummary, type AnalyseSummary } from './summary.js';

export type AnalyseStreamOptions = {
  task: Task<{ text: string }, Record<string, unknown>>;
  concurrency: number;
  textField?: string;
  skipInvalid?: boolean;
  signal?: AbortSignal;
  redact: (s: string) => string;
  onProblem?: (problem: string) => void;
};

/** The NDJSON record for one analysed item: the input's identifying fields plus the answer. */
export function resultRecord(input: Record<string, unknown>, text: string, task: Task<unknown, unknown>, o: ItemOutcome) {
  const keep: Record<string, unknown> = {};
  for (const k of ['id', 'document_id', 'index']) if (input[k] !== undefined) keep[k] = input[k];
  return {
    ...keep,
    text,
    task: task.name,
    task_version: task.version,
    status: o.status,
    ...(o.value ?? {}),
    ...(o.error ? { error: o.error } : {}),
    provider: o.provider,
    model: o.model,
    trace_id: o.traceId,
    cached: o.cached,
  };
}

/**
 * Store-less analysis: NDJSON objects with a text field in, NDJSON results out, in input order,
 * with up to `concurrency` calls in flight and a bounded window of pending items.
 */
export async function analyseStream(input: string, out: NdjsonWriter, client: LlmClient, opts: AnalyseStreamOptions): Promise<AnalyseSummary & { invalid: number }> {
  const summary = { ...emptySummary(), invalid: 0 };
  const started = performance.now();
  const limit = pLimit(opts.concurrency);
  const window: Promise<() => Promise<void>>[] = [];
  const maxWindow = opts.concurrency * 4;

  const drainOne = async () => (await window.shift()!)();
  const signals = createCallSignals(opts.signal);

  for await (const rec of readJsonRecords(input, { signal: opts.signal })) {
    if (opts.signal?.aborted || out.closedByReader) break;
    let problem: string | undefined;
    let obj: Record<string, unknown> = {};
    let text: string | undefined;
    if (!rec.ok) problem = rec.reason;
    else if (rec.value === null || typeof rec.value !== 'object' || Array.isArray(rec.value)) problem = 'record must be a JSON object';
    else {
      obj = rec.value as Record<string, unknown>;
      const v = textOf(obj, opts.textField);
      if (v === undefined) problem = missingTextField(obj, opts.textField);
      else if (v.trim() === '') problem = `field "${opts.textField ?? TEXT_FIELD_CANDIDATES.find((f) => obj[f] === v)}" is empty`;
      else text = v;
    }
    if (problem) {
      const where = `${rec.file}:${rec.line}: ${problem}`;
      if (!opts.skipInvalid) throw new InputError(`analyse: ${where}`);
      summary.invalid++;
      opts.onProblem?.(where);
      continue;
    }
    const t = text!;
    const pending = limit(async () => {
      const o = await signals.with((signal) => analyseItem(client, opts.task, t, opts.redact, signal));
      return async () => {
        addOutcome(summary, o);
        await out.write(resultRecord(obj, t, opts.task, o));
      };
    });
    pending.catch(() => {}); // awaited in order below; this only keeps an early failure from being "unhandled"
    window.push(pending);
    if (window.length >= maxWindow) await drainOne();
  }
  while (window.length > 0) await drainOne();
  signals.dispose();
  summary.interrupted = Boolean(opts.signal?.aborted);
  summary.elapsed_s = (performance.now() - started) / 1000;
  return summary;
}
