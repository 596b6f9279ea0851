import { z } from 'zod';
import type { Task } from '../../llm/tasks/define-task.js';
import type { EvalItem, ScoreValue } from '../types.js';
import { promptRef, type JudgeRuntime, type PromptRef } from './judge-runtime.js';
import type { MetricDefinition } from './metric.js';
import { answerRelevanceTask, faithfulnessTask, rubricTask, type JudgeInput, type Verdict } from './judge-tasks.js';
import { OFFLINE_JUDGE_MODEL, offlineAnswerRelevance, offlineFaithfulness } from './offline-judges.js';

export class JudgeUnavailable extends Error {}

async function ask(rt: JudgeRuntime, task: Task<JudgeInput, Verdict>, input: JudgeInput, signal?: AbortSignal): Promise<ScoreValue> {
  const { runTask } = await import('../../llm/tasks/run-task.js');
  const o = await runTask(rt.client!, task, input, { traceId: rt.traceId, signal });
  // Cached only once the verdict parsed: a judge that failed is asked again by the next run.
  await rt.client!.remember(o.result);
  return { value: o.value.score, pass: o.value.pass, comment: o.value.reason, scorer: `${o.result.provider}/${o.result.model}`, costUsd: o.costUsd };
}

const offlineScorer = `local/${OFFLINE_JUDGE_MODEL}`;

export const rubric: MetricDefinition<{ rubric?: string; prompt?: PromptRef }> = {
  implVersion: 1,
  judge: true,
  params: z.strictObject({ rubric: z.string().min(1).optional(), prompt: promptRef.optional() }).refine((p) => p.rubric || p.prompt, { message: 'give a rubric (text) or a prompt (Langfuse name/label)', path: ['rubric'] }),
  create: async (p, deps) => {
    const rt = await deps.judge();
    if (!rt.client) {
      // A clear refusal rather than a fake verdict: no offline heuristic can follow a free rubric.
      throw new JudgeUnavailable(`the rubric judge needs a model, and env "${rt.env.env}" uses the local provider (no key, no network); run with --env anthropic, openai or ollama`);
    }
    await rt.prompt(p.prompt); // fail over to the fallback now, once, rather than per item
    // The prompt is looked up per item (a TTL cache hit): a new version announced through the
    // webhook reaches a long-running monitor without a restart.
    return async (item, signal) =>
      ask(rt, rubricTask(await rt.prompt(p.prompt)), { input: item.input, output: item.output, context: item.context, rubric: p.rubric ?? 'Follow the instructions above.' }, signal);
  },
};

export const faithfulness: MetricDefinition<{ threshold: number; prompt?: PromptRef }> = {
  implVersion: 1,
  judge: true,
  params: z.strictObject({ threshold: z.number().min(0).max(1).default(0.7), prompt: promptRef.optional() }),
  create: async (p, deps) => {
    const rt = await deps.judge();
    if (rt.client) await rt.prompt(p.prompt);
    return async (item: EvalItem, signal) => {
      if (!item.context) throw new Error('faithfulness needs a context (map extractor.fields.context)');
      const task = rt.client ? faithfulnessTask(await rt.prompt(p.prompt)) : null;
      if (!task) {
        const v = offlineFaithfulness(item.output, item.context, p.threshold);
        return { value: v.score, pass: v.pass, comment: v.reason, scorer: offlineScorer };
      }
      const s = await ask(rt, task, { input: item.input, output: item.output, context: item.context }, signal);
      return { ...s, pass: s.value !== null && s.value >= p.threshold && s.pass !== false };
    };
  },
};

export const answerRelevance: MetricDefinition<{ threshold: number; prompt?: PromptRef }> = {
  implVersion: 1,
  judge: true,
  params: z.strictObject({ threshold: z.number().min(0).max(1).default(0.5), prompt: promptRef.optional() }),
  create: async (p, deps) => {
    const rt = await deps.judge();
    if (rt.client) await rt.prompt(p.prompt);
    return async (item: EvalItem, signal) => {
      const task = rt.client ? answerRelevanceTask(await rt.prompt(p.prompt)) : null;
      if (!task) {
        const v = offlineAnswerRelevance(item.input, item.output, p.threshold);
        return { value: v.score, pass: v.pass, comment: v.reason, scorer: offlineScorer };
      }
      const s = await ask(rt, task, { input: item.input, output: item.output }, signal);
      return { ...s, pass: s.value !== null && s.value >= p.threshold && s.pass !== false };
    };
  },
};
