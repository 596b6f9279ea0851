import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import { errorMessage } from '../core/errors.js';
import type { ChatModel, ChatRequest, ChatResult, Hook, LlmCall, Usage } from './types.js';

export type Price = { inputPerMTok: number; outputPerMTok: number };

export type CachedAnswer = { text: string; usage: Usage; finishReason: ChatResult['finishReason']; llmCallId: string | null };

/** Answers identical requests from earlier results. */
export interface ResponseCache {
  get(key: string): Promise<CachedAnswer | undefined>;
  put(key: string, entry: CachedAnswer & { provider: string; model: string }): Promise<void>;
}

export type ClientResult = ChatResult & { callId: string | null; cached: boolean; provider: string; model: string };

export interface LlmClient {
  readonly provider: string;
  readonly model: string;
  generate(req: ChatRequest, signal?: AbortSignal): Promise<ClientResult>;
  /** Writes out what hooks buffer (the call log); call before storing records that link to calls. */
  flush(): Promise<void>;
  /** Flushes hooks (Langfuse) before the process exits. */
  shutdown(): Promise<void>;
}

export type ClientOptions = {
  model: ChatModel;
  /** In the order they run; one hook may sit in both lists (langfuse opens in before, closes in after). */
  hooks: { before: Hook[]; after: Hook[] };
  parameters: { temperature?: number; maxTokens?: number } & Record<string, unknown>;
  price?: Price;
  cache?: ResponseCache;
  logger: Logger;
  /** Masks secrets; hooks that write anything out apply it (see hooks/redact-hook.ts). */
  redact: (text: string) => string;
  /** Wraps each network call (the --rpm throttle); cache hits are not throttled. */
  schedule?: <R>(fn: () => Promise<R>) => Promise<R>;
};

export function costOf(usage: Usage, price?: Price): number {
  if (!price) return 0;
  return (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1e6;
}

/** Same provider, model, parameters and prompt → same key. */
export function cacheKey(provider: string, model: string, parameters: Record<string, unknown>, req: ChatRequest): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([provider, model, parameters, req.system ?? null, req.messages, req.outputName ?? null]));
  return h.digest('hex');
}

/**
 * The one path every model call takes: cache → before hooks → adapter → after hooks. Hooks are
 * best effort: a failing hook is logged and never fails the call.
 */
export function createLlmClient(opts: ClientOptions): LlmClient {
  const { model, hooks, logger } = opts;

  async function runHooks(phase: 'before' | 'after', call: LlmCall) {
    for (const hook of hooks[phase]) {
      const fn = hook[phase];
      if (!fn) continue;
      try {
        const pending = fn.call(hook, call);
        if (pending) await pending; // most hooks are synchronous: no microtask for them
      } catch (err) {
        logger.warn(`hook ${hook.name} (${phase}) failed: ${opts.redact(errorMessage(err))}`);
      }
    }
  }

  return {
    provider: model.provider,
    model: model.model,
    async generate(req, signal) {
      const parameters = { temperature: req.temperature ?? opts.parameters.temperature, maxTokens: req.maxTokens ?? opts.parameters.maxTokens };
      const request: ChatRequest = { ...req, temperature: parameters.temperature, maxTokens: parameters.maxTokens };
      const key = opts.cache ? cacheKey(model.provider, model.model, parameters, request) : '';
      if (opts.cache) {
        const hit = await opts.cache.get(key);
        if (hit) {
          logger.debug(`llm cache hit ${model.provider}/${model.model} trace=${req.traceId}`);
          return { text: hit.text, usage: hit.usage, finishReason: hit.finishReason, latencyMs: 0, costUsd: 0, callId: hit.llmCallId, cached: true, provider: model.provider, model: model.model };
        }
      }
      const call: LlmCall = {
        id: randomUUID(),
        traceId: req.traceId,
        provider: model.provider,
        model: model.model,
        request,
        parameters,
        startedAt: new Date().toISOString(),
        redact: opts.redact,
      };
      await runHooks('before', call);
      try {
        const send = () => model.generate(call.request, signal);
        const r = opts.schedule ? await opts.schedule(send) : await send();
        call.result = { ...r, costUsd: costOf(r.usage, opts.price) };
      } catch (err) {
        const e = err as { status?: number };
        call.error = { message: opts.redact(errorMessage(err)), status: typeof e?.status === 'number' ? e.status : undefined };
        await runHooks('after', call);
        throw err;
      }
      await runHooks('after', call);
      const result = call.result!;
      if (opts.cache && result.finishReason === 'stop' && !call.error) {
        await opts.cache
          .put(key, { text: result.text, usage: result.usage, finishReason: result.finishReason, llmCallId: call.stored ? call.id : null, provider: model.provider, model: model.model })
          .catch((err) => logger.warn(`llm cache write failed: ${errorMessage(err)}`));
      }
      return { ...result, callId: call.stored ? call.id : null, cached: false, provider: model.provider, model: model.model };
    },
    async flush() {
      for (const hook of new Set([...hooks.before, ...hooks.after])) {
        try {
          await hook.flush?.();
        } catch (err) {
          logger.warn(`hook ${hook.name} (flush) failed: ${opts.redact(errorMessage(err))}`);
        }
      }
    },
    async shutdown() {
      await this.flush();
      for (const hook of new Set([...hooks.before, ...hooks.after])) {
        try {
          await hook.shutdown?.();
        } catch (err) {
          logger.warn(`hook ${hook.name} (shutdown) failed: ${opts.redact(errorMessage(err))}`);
        }
      }
    },
  };
}
