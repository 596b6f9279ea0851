import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import { errorMessage } from '../core/errors.js';
import type { CacheEntry, CallOutbox, ResponseCache } from '../store/call-log-types.js';
import type { ChatModel, ChatRequest, ChatResult, Hook, LlmCall, Usage } from './types.js';

export type Price = { inputPerMTok: number; outputPerMTok: number };

export type ClientResult = ChatResult & {
  callId: string | null;
  cached: boolean;
  provider: string;
  model: string;
  /** A fresh answer the cache may keep, once the caller knows it is valid (see `remember`). */
  cacheEntry?: CacheEntry;
};

/** What `LlmClient.stream` yields: text deltas, then once the call ended (hooks run) its whole result. */
export type ClientStreamEvent = { type: 'text'; text: string } | { type: 'done'; result: ClientResult };

export interface LlmClient {
  readonly provider: string;
  readonly model: string;
  generate(req: ChatRequest, signal?: AbortSignal): Promise<ClientResult>;
  /**
   * The same call, streamed: the same cache, hooks and call log as generate(); hooks see the
   * whole call once it ends. Aborting `signal` aborts the provider request; the call is
   * recorded as cancelled and the iteration throws the abort reason.
   */
  stream(req: ChatRequest, signal?: AbortSignal): AsyncIterable<ClientStreamEvent>;
  /**
   * Keeps a valid answer in the cache. The client never caches on its own: an answer that
   * failed validation must be asked again next time, so only the caller (who validated it)
   * decides. With the SQL call log the entry is committed together with its call row.
   */
  remember(result: ClientResult): Promise<void>;
  /** The SQL call log's pending rows and cache entries, for callers that commit them in their own transaction; absent when the call log lives elsewhere. */
  readonly outbox?: CallOutbox;
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
  /** Where cache entries wait for their call rows (the SQL call log); without it they are written at once. */
  outbox?: CallOutbox;
  /** Wraps each network call (the --rpm throttle); cache hits are not throttled. */
  schedule?: <R>(fn: () => Promise<R>) => Promise<R>;
};

function costOf(usage: Usage, price?: Price): number {
  if (!price) return 0;
  return (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1e6;
}

/** Same provider, model, parameters and prompt → same key. */
function cacheKey(provider: string, model: string, parameters: Record<string, unknown>, req: ChatRequest): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([provider, model, parameters, req.system ?? null, req.messages, req.outputName ?? null]));
  return h.digest('hex');
}

/**
 * The one path every model call takes: cache → before hooks → adapter → after hooks. Hooks are
 * best effort: a failing hook is logged and never fails the call.
 */
export function createLlmClient(opts: ClientOptions): LlmClient {
  return {
    provider: opts.model.provider,
    model: opts.model.model,
    generate: (req, signal) => generate(opts, req, signal),
    // Not yet token by token: the whole answer as one delta (the streaming adapters replace this).
    async *stream(req, signal) {
      const result = await generate(opts, req, signal);
      if (result.text) yield { type: 'text', text: result.text };
      yield { type: 'done', result };
    },
    outbox: opts.outbox,
    async remember(result) {
      const entry = result.cacheEntry;
      if (!entry || !opts.cache) return;
      if (opts.outbox) opts.outbox.remember(entry);
      else await opts.cache.put(entry.key, entry.answer).catch((err) => opts.logger.warn(`llm cache write failed: ${errorMessage(err)}`));
    },
    flush: () => eachHook(opts, 'flush'),
    async shutdown() {
      await eachHook(opts, 'flush');
      await eachHook(opts, 'shutdown');
    },
  };
}

async function generate(opts: ClientOptions, req: ChatRequest, signal?: AbortSignal): Promise<ClientResult> {
  const { model, logger } = opts;
  const parameters = { temperature: req.temperature ?? opts.parameters.temperature, maxTokens: req.maxTokens ?? opts.parameters.maxTokens };
  const request: ChatRequest = { ...req, temperature: parameters.temperature, maxTokens: parameters.maxTokens };
  const key = opts.cache ? cacheKey(model.provider, model.model, parameters, request) : '';
  const hit = opts.cache ? await opts.cache.get(key) : undefined;
  if (hit) {
    logger.debug(`llm cache hit ${model.provider}/${model.model} trace=${req.traceId}`);
    return { text: hit.text, usage: hit.usage, finishReason: hit.finishReason, latencyMs: 0, costUsd: 0, callId: hit.llmCallId, cached: true, provider: model.provider, model: model.model };
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
  await runHooks(opts, 'before', call);
  try {
    const send = () => model.generate(call.request, signal);
    const r = opts.schedule ? await opts.schedule(send) : await send();
    call.result = { ...r, costUsd: costOf(r.usage, opts.price) };
  } catch (err) {
    const e = err as { status?: number };
    call.error = { message: opts.redact(errorMessage(err)), status: typeof e?.status === 'number' ? e.status : undefined };
    await runHooks(opts, 'after', call);
    throw err;
  }
  await runHooks(opts, 'after', call);
  const result = call.result!;
  const callId = call.stored ? call.id : null;
  const cacheEntry: CacheEntry | undefined =
    opts.cache && result.finishReason === 'stop'
      ? { key, answer: { text: result.text, usage: result.usage, finishReason: result.finishReason, llmCallId: callId, provider: model.provider, model: model.model } }
      : undefined;
  return { ...result, callId, cached: false, provider: model.provider, model: model.model, cacheEntry };
}

async function runHooks(opts: ClientOptions, phase: 'before' | 'after', call: LlmCall): Promise<void> {
  for (const hook of opts.hooks[phase]) {
    const fn = hook[phase];
    if (!fn) continue;
    try {
      const pending = fn.call(hook, call);
      if (pending) await pending; // most hooks are synchronous: no microtask for them
    } catch (err) {
      opts.logger.warn(`hook ${hook.name} (${phase}) failed: ${opts.redact(errorMessage(err))}`);
    }
  }
}

/** flush or shutdown on every hook once (one may sit in both lists); a failure is logged. */
async function eachHook(opts: ClientOptions, what: 'flush' | 'shutdown'): Promise<void> {
  for (const hook of new Set([...opts.hooks.before, ...opts.hooks.after])) {
    try {
      await hook[what]?.();
    } catch (err) {
      opts.logger.warn(`hook ${hook.name} (${what}) failed: ${opts.redact(errorMessage(err))}`);
    }
  }
}
