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
};

export function defineTask<I, O>(task: Omit<Task<I, O>, 'maxParseRetries'> & { maxParseRetries?: number }): Task<I, O> {
  return { maxParseRetries: 2, ...task };
}
