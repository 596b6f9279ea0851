import type { Answer } from '../answer/answer-types.js';
import type { LlmClient } from '../llm/client.js';
import type { ChatMessage } from '../llm/types.js';
import type { CommandScope } from './command-scope.js';
import { openLlmClient, resolveLlmEnv } from './llm-client.js';
import { openScopedRetriever } from './retrieve.js';

/** What chooses how a question is answered: `ask`'s flags but its input and output. */
export type AnswerFlags = {
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
  modelsDir?: string;
};

export type AnswerOptions = {
  signal?: AbortSignal;
  onText?: (text: string) => void;
  /** A conversation's earlier turns (chat), oldest first: trimmed to what the budget leaves. */
  history?: ChatMessage[];
  /** The turn's trace id (chat stores it with the messages); default a new one. */
  traceId?: string;
  /** The conversation, tagged on the model call. */
  sessionId?: string;
};

/** Answers questions: retrieval and the model (or none) opened once, for one question or a stream of them. */
export type Answerer = {
  answer(question: string, opts?: AnswerOptions): Promise<Answer>;
  /** `provider/model`, or `extractive` when no model answers. */
  readonly answeredBy: string;
};

/**
 * The retriever over the chosen collections and the client of the chosen profile, both kept
 * until the command ends. The `local` provider (the offline default) has no model for free
 * text: its answers are extractive.
 */
export async function openAnswerer(scope: CommandScope, flags: AnswerFlags, command = 'ask'): Promise<Answerer> {
  const client = await answeringClient(scope, flags);
  // `ask` without a model writes nothing (no call log, no conversation): it reads the database
  // as inspect does, so a read-only file or folder answers too. A model's calls are logged.
  const reader = command === 'ask' && client === undefined;
  const retriever = await openScopedRetriever(scope, { collections: flags.collection, modelsDir: flags.modelsDir, command, reader });
  const { answerQuestion } = await import('../answer/answer-question.js');
  const { newTraceId } = await import('../llm/trace-id.js');
  return {
    answeredBy: client ? `${client.provider}/${client.model}` : 'extractive',
    async answer(question, opts = {}) {
      const sources = await retriever.retrieve(question, flags.k);
      const { traceId = newTraceId(), ...rest } = opts;
      return answerQuestion({ ...rest, question, sources, client, budgetTokens: flags.budget, maxTokens: flags.maxTokens, traceId });
    },
  };
}

/** The model that answers, or undefined for extractive answers (--extractive, or a `local` profile). */
export async function answeringClient(scope: CommandScope, flags: Pick<AnswerFlags, 'extractive' | 'env' | 'profiles'>): Promise<LlmClient | undefined> {
  if (flags.extractive) return undefined;
  const env = await resolveLlmEnv(scope.ctx, flags);
  if (env.profile.provider === 'local') {
    scope.ctx.logger.debug(`ask: env ${env.env} is offline (provider local): extractive answers`);
    return undefined;
  }
  // Answers are not cached: asking again is asking for a fresh answer.
  return openLlmClient(scope, env, { db: await scope.db(), cache: false });
}

