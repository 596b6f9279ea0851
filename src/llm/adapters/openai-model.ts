import type OpenAI from 'openai';
import type { ChatModel, ChatRequest } from '../types.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { undiciFetch } from './undici-fetch.js';

export type OpenAIModelOptions = {
  /** `openai`; `ollama` or `openai-compatible` (vLLM, LM Studio, llama.cpp, OpenRouter) for other servers speaking its API. */
  provider: 'openai' | 'openai-compatible' | 'ollama';
  model: string;
  apiKey: string;
  baseURL?: string;
  timeoutMs?: number;
  /** Network retries with backoff, jitter and retry-after: the SDK's own. */
  maxRetries?: number;
  maxTokens?: number;
  /** Ask for a JSON object when the request has an output schema (JSON mode). */
  jsonMode?: boolean;
};

/** OpenAI Chat Completions through the official SDK, and any server speaking it (Ollama at `${OLLAMA_HOST}/v1`, vLLM, …). */
export async function createOpenAIModel(opts: OpenAIModelOptions): Promise<ChatModel> {
  const { default: OpenAISdk } = await import('openai');
  const sdk: OpenAI = new OpenAISdk({ apiKey: opts.apiKey, baseURL: opts.baseURL, timeout: opts.timeoutMs, maxRetries: opts.maxRetries ?? 4, fetch: undiciFetch });
  return {
    provider: opts.provider,
    model: opts.model,
    async generate(req: ChatRequest, signal?: AbortSignal) {
      const started = performance.now();
      const maxTokens = req.maxTokens ?? opts.maxTokens;
      const completion = await sdk.chat.completions.create(
        {
          model: opts.model,
          messages: [...(req.system ? [{ role: 'system' as const, content: req.system }] : []), ...req.messages],
          ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
          // OpenAI renamed the limit; Ollama's compatible API still reads max_tokens.
          ...(maxTokens !== undefined ? (opts.provider === 'openai' ? { max_completion_tokens: maxTokens } : { max_tokens: maxTokens }) : {}),
          ...(req.outputSchema && opts.jsonMode !== false ? { response_format: { type: 'json_object' as const } } : {}),
        },
        { signal },
      );
      const choice = completion.choices[0];
      return {
        text: choice?.message?.content ?? '',
        usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
        finishReason: mapOpenAIFinishReason(choice?.finish_reason),
        latencyMs: performance.now() - started,
        raw: { id: completion.id, model: completion.model, finish_reason: choice?.finish_reason, usage: completion.usage },
      };
    },
  };
}
