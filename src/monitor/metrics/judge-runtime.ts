import { z } from 'zod';
import type { LlmClient } from '../../llm/client.js';
import type { ResolvedEnv } from '../../llm/profiles/load-profiles.js';

/** The LLM layer as judges use it: one client per run, one trace id per run. */
export type JudgeRuntime = {
  env: ResolvedEnv;
  /** null with the local provider: judges that have an offline heuristic use it, the rubric refuses. */
  client: LlmClient | null;
  traceId: string;
  /** Langfuse prompt (name/label) → system prompt text, or undefined. */
  prompt(ref: PromptRef | undefined): Promise<string | undefined>;
};

export const promptRef = z.strictObject({ name: z.string().min(1), label: z.string().default('production'), fallback: z.string().optional() });
export type PromptRef = z.infer<typeof promptRef>;
