import { UsageError } from '../../core/errors.js';
import type { Task } from './define-task.js';
import { sentimentTask } from './sentiment-task.js';

/** Tasks `llmops analyse --task` can run over sentences. */
export const SENTENCE_TASKS: Record<string, Task<{ text: string }, Record<string, unknown>>> = {
  sentiment: sentimentTask as Task<{ text: string }, Record<string, unknown>>,
};

export function sentenceTask(name: string): Task<{ text: string }, Record<string, unknown>> {
  const task = SENTENCE_TASKS[name];
  if (!task) throw new UsageError(`--task: unknown task "${name}" (have: ${Object.keys(SENTENCE_TASKS).join(', ')})`);
  return task;
}
