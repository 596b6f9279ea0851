import { parseLenient } from '../json-repair.js';
import type { LlmClient, ClientResult } from '../client.js';
import type { ChatMessage } from '../types.js';
import type { Task } from './define-task.js';

class TaskParseError extends Error {}

export type TaskOutcome<O> = {
  value: O;
  /** The last call's result (the one whose answer parsed). */
  result: ClientResult;
  attempts: number;
  tokens: { input: number; output: number };
  costUsd: number;
};

/**
 * One request; if the answer does not parse into the schema, re-ask with the problem stated,
 * at most `task.maxParseRetries` times. Network failures are not re-asked here: the adapter
 * already retried them, so the two kinds of retry never multiply.
 */
export async function runTask<I, O>(
  client: LlmClient,
  task: Task<I, O>,
  input: I & { text?: string },
  opts: { traceId: string; signal?: AbortSignal },
): Promise<TaskOutcome<O>> {
  const messages: ChatMessage[] = task.prompt(input);
  const tokens = { input: 0, output: 0 };
  let costUsd = 0;
  let lastError = '';
  for (let attempt = 1; attempt <= task.maxParseRetries + 1; attempt++) {
    const result = await client.generate(
      {
        system: task.system,
        messages,
        outputSchema: task.schema,
        outputName: task.name,
        traceId: opts.traceId,
        tags: { task: task.name, task_version: String(task.version) },
        input: input as Record<string, unknown>,
      },
      opts.signal,
    );
    tokens.input += result.usage.inputTokens;
    tokens.output += result.usage.outputTokens;
    costUsd += result.costUsd;
    const parsed = parseLenient(result.text, task.schema);
    if (parsed.ok) return { value: parsed.value, result, attempts: attempt, tokens, costUsd };
    lastError = parsed.error;
    messages.push(
      { role: 'assistant', content: result.text },
      { role: 'user', content: `That answer was not valid (${parsed.error}). Reply with only the JSON object.` },
    );
  }
  throw new TaskParseError(`${task.name}: no valid answer after ${task.maxParseRetries + 1} attempts (${lastError})`);
}
