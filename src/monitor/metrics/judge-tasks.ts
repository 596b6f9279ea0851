import { z } from 'zod';
import { defineTask } from '../../llm/tasks/define-task.js';

/** LLM-as-judge tasks: prompts plus the schema their answer must satisfy (see the LLM layer). */

export const verdictSchema = z.object({
  score: z.number().min(0).max(1),
  pass: z.boolean(),
  reason: z.string().max(2000),
});
export type Verdict = z.infer<typeof verdictSchema>;

export type JudgeInput = { input: string; output: string; context?: string; rubric?: string; text?: string };

const ANSWER = 'Answer with only a JSON object, no prose: {"score": a number from 0 to 1, "pass": true or false, "reason": one or two sentences}.';

/** `system` may come from Langfuse prompt management; these are the fallbacks. */
export function rubricTask(system?: string) {
  return defineTask<JudgeInput, Verdict>({
    name: 'judge_rubric',
    version: 1,
    system: system ?? `You are a strict evaluator of an AI assistant's answer. Judge the answer against the rubric only. ${ANSWER}`,
    prompt: ({ input, output, context, rubric }) => [
      {
        role: 'user',
        content: `Rubric:\n${rubric}\n\nUser input:\n${input}\n${context ? `\nContext given to the assistant:\n${context}\n` : ''}\nAssistant answer:\n${output}`,
      },
    ],
    schema: verdictSchema,
  });
}

export function faithfulnessTask(system?: string) {
  return defineTask<JudgeInput, Verdict>({
    name: 'judge_faithfulness',
    version: 1,
    system:
      system ??
      `You check whether an answer is supported by its context. score = the share of the answer's claims that the context supports; pass = no claim contradicts or goes beyond the context. ${ANSWER}`,
    prompt: ({ output, context }) => [{ role: 'user', content: `Context:\n${context}\n\nAnswer:\n${output}` }],
    schema: verdictSchema,
  });
}

export function answerRelevanceTask(system?: string) {
  return defineTask<JudgeInput, Verdict>({
    name: 'judge_answer_relevance',
    version: 1,
    system: system ?? `You check whether an answer addresses the user's question. score = how fully it does (1 = directly and completely). ${ANSWER}`,
    prompt: ({ input, output }) => [{ role: 'user', content: `Question:\n${input}\n\nAnswer:\n${output}` }],
    schema: verdictSchema,
  });
}
