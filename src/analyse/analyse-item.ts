import { UsageError, errorMessage } from '../core/errors.js';
import type { LlmClient } from '../llm/client.js';
import { resultLabel, type Task } from '../llm/tasks/define-task.js';
import { runTask } from '../llm/tasks/run-task.js';
import { newTraceId } from '../llm/trace-id.js';

export type ItemOutcome = {
  status: 'ok' | 'failed';
  value: Record<string, unknown> | null;
  /** The task's label and confidence fields of the answer, as a result row stores them. */
  label: string | null;
  confidence: number | null;
  error: string | null;
  provider: string;
  model: string;
  traceId: string;
  llmCallId: string | null;
  cached: boolean;
  tokens: { input: number; output: number };
  costUsd: number;
};

/** Errors no retry will fix for any item: stop the run instead of failing every item. */
function isFatalProviderError(err: unknown): boolean {
  const status = (err as { status?: number })?.status;
  return status === 401 || status === 403 || status === 404;
}

/**
 * The longest text analyse gives a model, in characters: a sentence longer than this is text
 * split found no end in (a 50 MB line without punctuation, a flattened table), not a sentence.
 * The offline model took ~36 bytes of memory a character (1.8 GB for 50 MB), and no provider's
 * context would take it. 50,000 characters is ~12,000 tokens, far past any real sentence.
 */
const MAX_ITEM_CHARS = 50_000;

/** Runs the task on one text; a failure is an outcome, not an exception (unless fatal). */
export async function analyseItem(
  client: LlmClient,
  task: Task<{ text: string }, Record<string, unknown>>,
  text: string,
  redact: (s: string) => string,
  signal?: AbortSignal,
): Promise<ItemOutcome> {
  const traceId = newTraceId();
  try {
    if (text.length > MAX_ITEM_CHARS) {
      throw new Error(`text of ${text.length.toLocaleString('en-US')} characters, longer than analyse gives a model (${MAX_ITEM_CHARS.toLocaleString('en-US')}): not a sentence (no sentence end found in it?)`);
    }
    const out = await runTask(client, task, { text }, { traceId, signal });
    // Only a valid answer is cached: a failed one must be asked again by the next run.
    await client.remember(out.result);
    return {
      status: 'ok',
      value: out.value,
      ...resultLabel(task, out.value),
      error: null,
      provider: out.result.provider,
      model: out.result.model,
      traceId,
      llmCallId: out.result.callId,
      cached: out.result.cached,
      tokens: out.tokens,
      costUsd: out.costUsd,
    };
  } catch (err) {
    if (isFatalProviderError(err)) {
      const status = (err as { status: number }).status;
      const hint = status === 404 ? 'check the model name and base URL' : 'check the API key';
      throw new UsageError(`analyse: provider rejected the request (${status}): ${redact(errorMessage(err)).split('\n')[0]} — ${hint}`);
    }
    return {
      status: 'failed',
      value: null,
      label: null,
      confidence: null,
      error: redact(errorMessage(err)).split('\n')[0]!.slice(0, 500),
      provider: client.provider,
      model: client.model,
      traceId,
      llmCallId: null,
      cached: false,
      tokens: { input: 0, output: 0 },
      costUsd: 0,
    };
  }
}
