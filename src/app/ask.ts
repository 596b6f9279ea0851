import { Interrupted, UsageError } from '../core/errors.js';
import type { Answer } from '../answer/answer-types.js';
import type { LlmClient } from '../llm/client.js';
import type { CommandScope } from './command-scope.js';
import { runCommand } from './command-scope.js';
import type { Context } from './context.js';
import { openLlmClient, resolveLlmEnv } from './llm-client.js';
import { openScopedRetriever, type Retriever } from './retrieve.js';

export type AskFlags = {
  /** Collections to search (repeatable); default every embedded one. */
  collection?: string[];
  k: number;
  /** Tokens the prompt may take: system prompt, question, sources. */
  budget: number;
  /** Longest answer in tokens (a model's answer; extractive answers are not counted). */
  maxTokens: number;
  env?: string;
  profiles?: string;
  /** No model: the best-matching sentences of the sources. */
  extractive?: boolean;
  /** false (`--no-stream`): print the answer once whole. */
  stream: boolean;
  in?: string;
  out?: string;
  concurrency: number;
  modelsDir?: string;
};

/** What chooses how a question is answered (everything but the input and output). */
export type AnswerFlags = Pick<AskFlags, 'collection' | 'k' | 'budget' | 'maxTokens' | 'env' | 'profiles' | 'extractive' | 'modelsDir'>;

/** Answers questions: retrieval and the model (or none) opened once, for one question or a stream of them. */
export type Answerer = {
  answer(question: string, opts?: { signal?: AbortSignal; onText?: (text: string) => void }): Promise<Answer>;
  /** `provider/model`, or `extractive` when no model answers. */
  readonly answeredBy: string;
};

/** `llmops ask "question"`, or with `--in` one answer per NDJSON question. */
export async function ask(ctx: Context, question: string | undefined, flags: AskFlags): Promise<void> {
  if (question !== undefined && flags.in !== undefined) throw new UsageError('ask: give a question or --in, not both');
  if (question === undefined && flags.in === undefined) throw new UsageError('ask: no question (llmops ask "…", or --in questions.jsonl)');
  if (question !== undefined && question.trim() === '') throw new UsageError('ask: the question is empty');
  if (flags.out !== undefined && flags.in === undefined) throw new UsageError('ask: --out goes with --in (one question prints its answer on stdout)');
  await runCommand(ctx, async (scope) => {
    const answerer = await openAnswerer(scope, flags);
    if (flags.in === undefined) return askOne(scope, answerer, question!, flags);
    const { askStream } = await import('./ask-stream.js');
    await askStream(scope, answerer, flags.in, { out: flags.out ?? '-', concurrency: flags.concurrency });
  });
}

/** One answer, returned (the library's `ask`): nothing printed. */
export function answerOne(ctx: Context, question: string, flags: AnswerFlags): Promise<Answer> {
  if (question.trim() === '') throw new UsageError('ask: the question is empty');
  return runCommand(ctx, async (scope) => (await openAnswerer(scope, flags)).answer(question, { signal: ctx.signal }));
}

/**
 * The retriever over the chosen collections and the client of the chosen profile, both kept
 * until the command ends. The `local` provider (the offline default) has no model for free
 * text: its answers are extractive.
 */
export async function openAnswerer(scope: CommandScope, flags: AnswerFlags): Promise<Answerer> {
  const retriever = await openScopedRetriever(scope, { collections: flags.collection, modelsDir: flags.modelsDir, command: 'ask' });
  const client = await answeringClient(scope, flags);
  const { answerQuestion } = await import('../answer/answer-question.js');
  const { newTraceId } = await import('../llm/trace-id.js');
  return {
    answeredBy: client ? `${client.provider}/${client.model}` : 'extractive',
    async answer(question, opts = {}) {
      const sources = await retriever.retrieve(question, flags.k);
      return answerQuestion({ question, sources, client, budgetTokens: flags.budget, maxTokens: flags.maxTokens, signal: opts.signal, onText: opts.onText, traceId: newTraceId() });
    },
  };
}

/** The model that answers, or undefined for extractive answers (--extractive, or a `local` profile). */
async function answeringClient(scope: CommandScope, flags: Pick<AskFlags, 'extractive' | 'env' | 'profiles'>): Promise<LlmClient | undefined> {
  if (flags.extractive) return undefined;
  const env = await resolveLlmEnv(scope.ctx, flags);
  if (env.profile.provider === 'local') {
    scope.ctx.logger.debug(`ask: env ${env.env} is offline (provider local): extractive answers`);
    return undefined;
  }
  // Answers are not cached: asking again is asking for a fresh answer.
  return openLlmClient(scope, env, { db: await scope.db(), cache: false });
}

async function askOne(scope: CommandScope, answerer: Answerer, question: string, flags: AskFlags): Promise<void> {
  const { ctx } = scope;
  const streaming = ctx.printing && !ctx.json && flags.stream;
  let answer: Answer;
  try {
    answer = await answerer.answer(question, { signal: ctx.signal, onText: streaming ? (t) => process.stdout.write(t) : undefined });
  } catch (err) {
    if (!ctx.signal.aborted) throw err;
    if (streaming) process.stdout.write('\n');
    throw new Interrupted('ask: stopped (Ctrl-C)');
  }
  if (!ctx.printing) return;
  const { printAnswer } = await import('./print-answer.js');
  printAnswer(ctx, answer, { streamed: streaming });
}
