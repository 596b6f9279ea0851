import { createRedactingStream } from '../core/redacting-stream.js';
import type { LlmClient, ClientResult } from '../llm/client.js';
import type { ChatMessage } from '../llm/types.js';
import type { Answer, AnswerSource } from './answer-types.js';
import { buildPrompt, type Prompt } from './build-prompt.js';
import { resolveCitations } from './citations.js';
import { extractiveAnswer } from './extractive-answer.js';
import { countTokens as cl100k, type CountTokens } from './token-count.js';

/** What an extractive answer says made it (the call log and `--json` show provider/model). */
const EXTRACTIVE_PROVIDER = 'local';
export const EXTRACTIVE_MODEL = 'llmops-extractive-v1';

export type AnswerQuestionOptions = {
  question: string;
  /** Retrieved chunks, best first. */
  sources: AnswerSource[];
  /** Earlier turns of the conversation (chat, serve), oldest first; trimmed to the budget. */
  history?: ChatMessage[];
  /** The model; without one the answer is extractive (no network, no key). */
  client?: LlmClient;
  /** Tokens the whole prompt may take: system prompt, question, sources, history. */
  budgetTokens: number;
  /** The longest answer the model may write (default: the profile's). */
  maxTokens?: number;
  signal?: AbortSignal;
  /** Each piece of the answer's text as it arrives (the whole text at once for extractive answers). */
  onText?: (text: string) => void;
  traceId: string;
  /** The conversation, tagged on the call (the call log and Langfuse carry it). */
  sessionId?: string;
  countTokens?: CountTokens;
};

/**
 * One answer to a question from retrieved sources: the prompt packed into the budget, the
 * model's answer streamed (or an extractive one), and the sources it cites resolved to their
 * documents.
 */
export async function answerQuestion(o: AnswerQuestionOptions): Promise<Answer> {
  const prompt = buildPrompt({ question: o.question, sources: o.sources, history: o.history, budget: o.budgetTokens, count: o.countTokens ?? cl100k });
  if (!o.client) {
    const text = extractiveAnswer(o.question, prompt.sources);
    o.onText?.(text);
    return {
      question: o.question,
      answer: text,
      citations: resolveCitations(text, prompt.sources),
      mode: 'extractive',
      provider: EXTRACTIVE_PROVIDER,
      model: EXTRACTIVE_MODEL,
      usage: { input_tokens: 0, output_tokens: 0 },
      cost_usd: 0,
      trace_id: o.traceId,
      call_id: null,
      finish_reason: 'stop',
    };
  }
  const result = await streamAnswer(o.client, prompt, o);
  // Masked as the call log masks it: a model or gateway that quotes a key must not put it in a
  // stored conversation, an NDJSON answer or a served one (streamed deltas are masked in streamAnswer).
  const text = o.client.redact(result.text);
  return {
    question: o.question,
    answer: text,
    citations: resolveCitations(text, prompt.sources),
    mode: 'generated',
    provider: result.provider,
    model: result.model,
    usage: { input_tokens: result.usage.inputTokens, output_tokens: result.usage.outputTokens },
    cost_usd: result.costUsd,
    trace_id: o.traceId,
    call_id: result.callId,
    finish_reason: result.finishReason,
  };
}

async function streamAnswer(client: LlmClient, prompt: Prompt, o: AnswerQuestionOptions): Promise<ClientResult> {
  const tags: Record<string, string> = { task: 'ask' };
  if (o.sessionId !== undefined) tags.session_id = o.sessionId;
  const request = { system: prompt.system, messages: prompt.messages, traceId: o.traceId, tags, maxTokens: o.maxTokens, input: { question: o.question } };
  // Deltas masked on their way out too (a terminal, a served stream): a key the model quotes, split
  // across two deltas, is masked whole; a word is shown once it is written.
  const masked = o.onText && createRedactingStream(client.redact);
  const emit = (text: string) => text && o.onText!(text);
  for await (const event of client.stream(request, o.signal)) {
    if (event.type === 'text') {
      if (masked) emit(masked.push(event.text));
    } else {
      if (masked) emit(masked.end());
      return event.result;
    }
  }
  throw new Error(`ask: the ${client.provider}/${client.model} stream ended without its result`);
}
