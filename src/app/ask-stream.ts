import pLimit from 'p-limit';
import { InputError, PartialFailure, errorMessage } from '../core/errors.js';
import { createCallSignals } from '../core/call-signals.js';
import { redactText } from '../core/redact.js';
import { readJsonRecords, type JsonRecord } from '../core/json-records.js';
import type { Answer } from '../answer/answer-types.js';
import type { Answerer } from './answerer.js';
import type { CommandScope } from './command-scope.js';

type Question = { question: string; id?: unknown };

/** One NDJSON line's question: `{"question": "...", "id": ...}` or a JSON string; else why not. */
function questionOf(rec: JsonRecord): Question | string {
  if (!rec.ok) return rec.reason;
  const v = rec.value;
  if (typeof v === 'string') return v.trim() === '' ? 'empty question' : { question: v };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'expected {"question": "..."} or a JSON string';
  const { question, id } = v as Record<string, unknown>;
  if (typeof question !== 'string') return 'no "question" string';
  if (question.trim() === '') return 'empty question';
  return id === undefined ? { question } : { question, id };
}

/**
 * `ask --in`: a question per line in, an answer per line out (with the question's id), in input
 * order, `concurrency` answered at once. A bad line stops the run, naming it (exit 2); a
 * question the model failed to answer gets an `error` line and the rest go on (exit 3).
 */
export async function askStream(scope: CommandScope, answerer: Answerer, input: string, opts: { out: string; concurrency: number }): Promise<void> {
  const { ctx } = scope;
  const out = scope.ndjson(opts.out);
  const limit = pLimit(opts.concurrency);
  const signals = createCallSignals(ctx.signal);
  // Answers wait here to be written in input order; the window bounds how far ahead they run.
  const window: Promise<() => Promise<void>>[] = [];
  const maxWindow = opts.concurrency * 4;
  const tally = { answered: 0, failed: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 };
  const started = performance.now();
  const drainOne = async () => (await window.shift()!)();

  for await (const rec of readJsonRecords(input, { format: 'lines', signal: ctx.signal })) {
    if (ctx.signal.aborted || out.closedByReader) break;
    const q = questionOf(rec);
    if (typeof q === 'string') throw new InputError(`ask: ${rec.file}:${rec.line}: ${q}`);
    const pending = limit(async () => {
      const r = await signals.with((signal) => answerer.answer(q.question, { signal }).then((a) => ({ a }), (e: unknown) => ({ e })));
      return async () => {
        if ('a' in r) {
          tally.answered++;
          count(tally, r.a);
          await out.write(q.id === undefined ? r.a : { id: q.id, ...r.a });
        } else if (!ctx.signal.aborted) {
          tally.failed++;
          ctx.logger.warn(`ask: ${rec.file}:${rec.line}: ${errorMessage(r.e)}`);
          await out.write({ ...(q.id === undefined ? {} : { id: q.id }), question: q.question, error: redactText(errorMessage(r.e)) });
        }
      };
    });
    pending.catch(() => {}); // awaited in order below; this only keeps an early failure from being "unhandled"
    window.push(pending);
    if (window.length >= maxWindow) await drainOne();
  }
  while (window.length > 0) await drainOne();
  signals.dispose();
  const interrupted = ctx.signal.aborted;
  const note = interrupted ? 'interrupted: the answers written are whole; the rest were not asked' : undefined;
  await scope.finish('ask', { answered_by: answerer.answeredBy, ...tally, cost_usd: Number(tally.cost_usd.toFixed(6)), elapsed_s: Number(((performance.now() - started) / 1000).toFixed(2)), note }, true);
  if (tally.failed > 0) throw new PartialFailure(`ask: ${tally.failed} question(s) failed (their lines say why)`);
}

function count(tally: { input_tokens: number; output_tokens: number; cost_usd: number }, a: Answer): void {
  tally.input_tokens += a.usage.input_tokens;
  tally.output_tokens += a.usage.output_tokens;
  tally.cost_usd += a.cost_usd;
}
