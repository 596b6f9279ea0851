import type Anthropic from '@anthropic-ai/sdk';
import type { ChatModel, ChatRequest, ModelStreamEvent } from '../types.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';
import { sdkClientOptions, type ProviderClientOptions } from './sdk-client-options.js';
import { DEFAULT_STREAM_IDLE_MS, LlmStreamError, watchStream } from './watch-stream.js';

/** `timeoutMs` is also the longest silence between two streamed events (pings count). */
export type AnthropicModelOptions = ProviderClientOptions & {
  model: string;
  maxTokens?: number;
};

/**
 * The Anthropic Messages API through the official SDK. The SDK is imported here, not on the
 * first call, so the first calls of a run are not bunched behind the import (rate limits).
 */
export async function createAnthropicModel(opts: AnthropicModelOptions): Promise<ChatModel> {
  const { default: AnthropicSdk } = await import('@anthropic-ai/sdk');
  const sdk: Anthropic = new AnthropicSdk(sdkClientOptions(opts));
  const idleMs = opts.timeoutMs ?? DEFAULT_STREAM_IDLE_MS;
  return {
    provider: 'anthropic',
    model: opts.model,
    async generate(req: ChatRequest, signal?: AbortSignal) {
      const started = performance.now();
      const msg = await sdk.messages.create(params(opts, req), { signal });
      const text = msg.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      return {
        text,
        usage: { inputTokens: msg.usage.input_tokens, outputTokens: msg.usage.output_tokens },
        finishReason: mapAnthropicStopReason(msg.stop_reason),
        latencyMs: performance.now() - started,
        raw: { id: msg.id, model: msg.model, stop_reason: msg.stop_reason, usage: msg.usage },
      };
    },
    async *stream(req: ChatRequest, signal?: AbortSignal): AsyncGenerator<ModelStreamEvent> {
      const events = watchStream((s) => sdk.messages.create({ ...params(opts, req), stream: true }, { signal: s }), { provider: 'anthropic', idleMs, signal });
      // message_start holds the message (id, model, input usage); message_delta the stop reason
      // and the usage so far; message_stop says the answer is whole.
      let message: Anthropic.Message | undefined;
      let stopReason: Anthropic.StopReason | null = null;
      let stopped = false;
      for await (const event of events) {
        if (event.type === 'message_start') message = event.message;
        else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') yield { type: 'text', text: event.delta.text };
        else if (event.type === 'message_delta' && message) {
          stopReason = event.delta.stop_reason;
          message.usage.output_tokens = event.usage.output_tokens;
          if (event.usage.input_tokens !== null && event.usage.input_tokens !== undefined) message.usage.input_tokens = event.usage.input_tokens;
        } else if (event.type === 'message_stop') stopped = true;
      }
      if (!message || !stopped) throw new LlmStreamError('anthropic: the answer ended without message_stop (the stream closed early)');
      const usage = message.usage;
      yield { type: 'usage', usage: { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens } };
      yield { type: 'finish', reason: mapAnthropicStopReason(stopReason), raw: { id: message.id, model: message.model, stop_reason: stopReason, usage } };
    },
  };
}

/** The request body shared by generate and stream. */
function params(opts: AnthropicModelOptions, req: ChatRequest) {
  return {
    model: opts.model,
    max_tokens: req.maxTokens ?? opts.maxTokens ?? 1024,
    ...(req.system ? { system: req.system } : {}),
    // No temperature: the Messages API version this SDK speaks (2026-10-21) rejects the
    // sampling parameters outright, even at their defaults.
    messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
  };
}
