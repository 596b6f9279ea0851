import type { z } from 'zod';
import type { ChatMessage } from '../types.js';

/**
 * A task is a versioned prompt plus the zod schema its answer must satisfy. Bump `version`
 * whenever the prompt or schema changes: results are stored per task and version.
 */
export type Task<I, O> = {
  name: string;
  version: number;
  system: string;
  prompt(input: I): ChatMessage[];
  schema: z.ZodType<O>;
  /** How many times a malformed answer is re-asked (parse retries, never network retries). */
  maxParseRetries: number;
  /** The answer's field a result stores as its label (sentiment: `label`), and as its confidence. */
  labelField: string;
  confidenceField?: string;
};

/** A task over one text: what `analyse --task` runs. */
export type SentenceTask = Task<{ text: string }, Record<string, unknown>>;

type TaskDefinition<I, O> = Omit<Task<I, O>, 'maxParseRetries' | 'labelField'> & { maxParseRetries?: number; labelField?: string };

export function defineTask<I, O>(task: TaskDefinition<I, O>): Task<I, O> {
  return { maxParseRetries: 2, labelField: 'label', confidenceField: 'confidence', ...task };
}

/** What a result row keeps beside the whole answer: the label field as text, the confidence as a number. */
export function resultLabel(task: Task<never, unknown>, value: Record<string, unknown> | null): { label: string | null; confidence: number | null } {
  const label = value?.[task.labelField];
  const confidence = task.confidenceField ? value?.[task.confidenceField] : undefined;
  return {
    label: typeof label === 'string' ? label : typeof label === 'number' || typeof label === 'boolean' ? String(label) : null,
    confidence: typeof confidence === 'number' ? confidence : null,
  };
}
