import type Anthropic from '@anthropic-ai/sdk';
import type { ChatModel, ChatRequest } from '../types.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';
import { undiciFetch } from './undici-fetch.js';

export type AnthropicModelOptions = {
  model: string;
  apiKey: string;
  baseURL?: string;
  timeoutMs?: number;
  /** Network retries (429, 5xx, timeouts, resets) with backoff, jitter and retry-after: the SDK's own. */
  maxRetries?: number;
  maxTokens?: number;
};

/**
 * The Anthropic Messages API through the official SDK. The SDK is imported here, not on the
 * first call, so the first calls of a run are not bunched behind the import (rate limits).
 */
export async function createAnthropicModel(opts: AnthropicModelOptions): Promise<ChatModel> {
  const { default: AnthropicSdk } = await import('@anthropic-ai/sdk');
  const sdk: Anthropic = new AnthropicSdk({ apiKey: opts.apiKey, baseURL: opts.baseURL, timeout: opts.timeoutMs, maxRetries: opts.maxRetries ?? 4, fetch: undiciFetch });
  return {
    provider: 'anthropic',
    model: opts.model,
    async generate(req: ChatRequest, signal?: AbortSignal) {
      const started = performance.now();
      const msg = await sdk.messages.create(
        {
          model: opts.model,
          max_tokens: req.maxTokens ?? opts.maxTokens ?? 1024,
          ...(req.system ? { system: req.system } : {}),
          // No temperature: the Messages API version this SDK speaks (2026-10-21) rejects the
          // sampling parameters outright, even at their defaults.
          messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
        },
        { signal },
      );
      const text = msg.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      return {
        text,
        usage: { inputTokens: msg.usage.input_tokens, outputTokens: msg.usage.output_tokens },
        finishReason: mapAnthropicStopReason(msg.stop_reason),
        latencyMs: performance.now() - started,
        raw: { id: msg.id, model: msg.model, stop_reason: msg.stop_reason, usage: msg.usage },
      };
    },
  };
}
