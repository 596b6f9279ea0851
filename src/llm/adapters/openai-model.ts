import type OpenAI from 'openai';
import type { ChatModel, ChatRequest, FinishReason, ModelStreamEvent } from '../types.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { sdkClientOptions, type ProviderClientOptions } from './sdk-client-options.js';
import { DEFAULT_STREAM_IDLE_MS, LlmStreamError, watchStream } from './watch-stream.js';

export type OpenAIModelOptions = ProviderClientOptions & {
  /** `openai`; `ollama` or `openai-compatible` (vLLM, LM Studio, llama.cpp, OpenRouter) for other servers speaking its API. */
  provider: 'openai' | 'openai-compatible' | 'ollama';
  model: string;
  maxTokens?: number;
  /** Ask for a JSON object when the request has an output schema (JSON mode). */
  jsonMode?: boolean;
};

/** OpenAI Chat Completions through the official SDK, and any server speaking it (Ollama at `${OLLAMA_HOST}/v1`, vLLM, …). */
export async function createOpenAIModel(opts: OpenAIModelOptions): Promise<ChatModel> {
  const { default: OpenAISdk } = await import('openai');
  const sdk: OpenAI = new OpenAISdk(sdkClientOptions(opts));
  const idleMs = opts.timeoutMs ?? DEFAULT_STREAM_IDLE_MS;
  return {
    provider: opts.provider,
    model: opts.model,
    async generate(req: ChatRequest, signal?: AbortSignal) {
      const started = performance.now();
      const completion = await sdk.chat.completions.create(params(opts, req), { signal });
      const choice = completion.choices[0];
      return {
        text: choice?.message?.content ?? '',
        usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
        finishReason: mapOpenAIFinishReason(choice?.finish_reason),
        latencyMs: performance.now() - started,
        raw: { id: completion.id, model: completion.model, finish_reason: choice?.finish_reason, usage: completion.usage },
      };
    },
    async *stream(req: ChatRequest, signal?: AbortSignal): AsyncGenerator<ModelStreamEvent> {
      const chunks = watchStream(
        (s) => sdk.chat.completions.create({ ...params(opts, req), stream: true, stream_options: { include_usage: true } }, { signal: s }),
        { provider: opts.provider, idleMs, signal },
      );
      let finish: { reason: FinishReason; raw: Record<string, unknown> } | undefined;
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of chunks) {
        const choice = chunk.choices.find((c) => c.index === 0);
        if (choice?.delta?.content) yield { type: 'text', text: choice.delta.content };
        if (choice?.finish_reason) finish = { reason: mapOpenAIFinishReason(choice.finish_reason), raw: { id: chunk.id, model: chunk.model, finish_reason: choice.finish_reason } };
        // With include_usage the last chunk (empty choices) carries the usage of the whole answer.
        if (chunk.usage) usage = chunk.usage;
      }
      if (!finish) throw new LlmStreamError(`${opts.provider}: the answer ended without a finish reason (the stream closed early)`);
      if (usage) yield { type: 'usage', usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } };
      yield { type: 'finish', reason: finish.reason, raw: { ...finish.raw, usage: usage ?? null } };
    },
  };
}

/** The request body shared by generate and stream. */
function params(opts: OpenAIModelOptions, req: ChatRequest) {
  const maxTokens = req.maxTokens ?? opts.maxTokens;
  return {
    model: opts.model,
    messages: [...(req.system ? [{ role: 'system' as const, content: req.system }] : []), ...req.messages],
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    // OpenAI renamed the limit; Ollama's compatible API still reads max_tokens.
    ...(maxTokens !== undefined ? (opts.provider === 'openai' ? { max_completion_tokens: maxTokens } : { max_tokens: maxTokens }) : {}),
    ...(req.outputSchema && opts.jsonMode !== false ? { response_format: { type: 'json_object' as const } } : {}),
  };
}
