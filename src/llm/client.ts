import { createHash, randomUUID } from 'node:crypto';
import { awaitUserCode } from '../core/user-code-wait.js';
import type { Logger } from '../core/logger.js';
import { errorMessage } from '../core/errors.js';
import type { CacheEntry, CallOutbox, ResponseCache } from '../store/call-log-types.js';
import type { ChatModel, ChatRequest, ChatResult, FinishReason, Hook, LlmCall, PartialResult, Usage } from './types.js';

export type Price = { inputPerMTok: number; outputPerMTok: number };

export type ClientResult = ChatResult & {
  /** Milliseconds from sending the request to the first text (the latency when not streamed; 0 from the cache). */
  timeToFirstTokenMs: number;
  callId: string | null;
  cached: boolean;
  provider: string;
  model: string;
  /** A fresh answer the cache may keep, once the caller knows it is valid (see `remember`). */
  cacheEntry?: CacheEntry;
};

/**
 * What `LlmClient.stream` yields: text deltas, then once the call ended (hooks run) its whole
 * result. The result's text is the one to keep: an after-hook (guard) may have repaired it.
 */
export type ClientStreamEvent = { type: 'text'; text: string } | { type: 'done'; result: ClientResult };

export interface LlmClient {
  readonly provider: string;
  readonly model: string;
  /** The masking the call log applies (secrets, profile patterns), for callers that keep or print an answer. */
  readonly redact: (text: string) => string;
  generate(req: ChatRequest, signal?: AbortSignal): Promise<ClientResult>;
  /**
   * The same call, streamed: the same cache, hooks and call log as generate(); hooks see the
   * whole call once it ends. Aborting `signal`, or leaving the loop before `done`, aborts the
   * provider request and records the call as cancelled with the text so far; after an abort
   * the iteration throws the abort reason. A stream that fails midway is recorded as an error
   * with its partial text, and throws a one-line error.
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
  /** Wraps each network call (the --rpm throttle), a stream up to its first event; cache hits are not throttled. */
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
 * best effort: a failing hook is logged and never fails the call. generate() and stream() are
 * the same path (`runCall`); only the adapter method and what reaches the caller differ.
 */
export function createLlmClient(opts: ClientOptions): LlmClient {
  return {
    provider: opts.model.provider,
    redact: opts.redact,
    model: opts.model.model,
    async generate(req, signal) {
      // Not streamed, the path never yields: its first step is its end.
      const step = await runCall(opts, req, signal, false).next();
      if (!step.done) throw new Error('llm client: a call that is not streamed yielded text');
      return step.value;
    },
    async *stream(req, signal) {
      const result = yield* runCall(opts, req, signal, true);
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

type TextDelta = { type: 'text'; text: string };

/** What a call received so far: kept with a failed or cancelled call. */
type Progress = { text: string; usage: Usage; timeToFirstTokenMs?: number; started: number };

/**
 * One call, streamed or not: the cache, the before-hooks, the request, the after-hooks (always
 * once, whether the call succeeded, failed or was cancelled), then the result. Not streamed, it
 * yields nothing; streamed, it yields the text deltas as they arrive.
 */
async function* runCall(opts: ClientOptions, req: ChatRequest, signal: AbortSignal | undefined, streaming: boolean): AsyncGenerator<TextDelta, ClientResult> {
  const { model, logger } = opts;
  const parameters = { temperature: req.temperature ?? opts.parameters.temperature, maxTokens: req.maxTokens ?? opts.parameters.maxTokens };
  const request: ChatRequest = { ...req, temperature: parameters.temperature, maxTokens: parameters.maxTokens };
  const key = opts.cache ? cacheKey(model.provider, model.model, parameters, request) : '';
  const hit = opts.cache ? await opts.cache.get(key) : undefined;
  if (hit) {
    logger.debug(`llm cache hit ${model.provider}/${model.model} trace=${req.traceId}`);
    if (streaming && hit.text) yield { type: 'text', text: hit.text };
    const { text, usage, finishReason, llmCallId } = hit;
    return { text, usage, finishReason, latencyMs: 0, timeToFirstTokenMs: 0, costUsd: 0, callId: llmCallId, cached: true, provider: model.provider, model: model.model };
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
  const progress: Progress = { text: '', usage: { inputTokens: 0, outputTokens: 0 }, started: performance.now() };
  let settled = false;
  try {
    const r = streaming ? yield* produce(opts, call.request, signal, progress) : await sendWhole(opts, call.request, signal);
    call.result = { ...r, costUsd: costOf(r.usage, opts.price), timeToFirstTokenMs: progress.timeToFirstTokenMs ?? r.latencyMs };
    settled = true;
  } catch (err) {
    settled = true;
    if (signal?.aborted) {
      recordCancelled(opts, call, progress, 'the caller aborted the request');
      throw signal.reason;
    }
    const e = err as { status?: number };
    call.error = { message: opts.redact(errorMessage(err)), status: typeof e?.status === 'number' ? e.status : undefined };
    if (streaming) call.partial = partialOf(opts, progress);
    throw err;
  } finally {
    // Left before the end without an error: the consumer stopped reading (produce's own
    // finally has aborted the provider request by now).
    if (!settled) recordCancelled(opts, call, progress, 'the caller stopped reading the stream');
    await runHooks(opts, 'after', call);
  }
  const result = call.result;
  const callId = call.stored ? call.id : null;
  // Kept as the call log keeps it, secrets masked: an answer that quotes a key (a gateway's
  // echo, a model shown its own key) must not store it, nor hand it to the next run.
  const cacheEntry: CacheEntry | undefined =
    opts.cache && result.finishReason === 'stop'
      ? { key, answer: { text: opts.redact(result.text), usage: result.usage, finishReason: result.finishReason, llmCallId: callId, provider: model.provider, model: model.model } }
      : undefined;
  return { ...result, timeToFirstTokenMs: result.timeToFirstTokenMs!, callId, cached: false, provider: model.provider, model: model.model, cacheEntry };
}

/** One request for the whole answer; the rpm schedule wraps it. */
function sendWhole(opts: ClientOptions, request: ChatRequest, signal: AbortSignal | undefined): Promise<Omit<ChatResult, 'costUsd'>> {
  const send = () => opts.model.generate(request, signal);
  return opts.schedule ? opts.schedule(send) : send();
}

/**
 * The network part of a streamed call: the adapter's stream, or, for an adapter without one,
 * its whole answer as one delta. The rpm schedule wraps the request up to its first event.
 */
async function* produce(opts: ClientOptions, request: ChatRequest, signal: AbortSignal | undefined, progress: Progress): AsyncGenerator<TextDelta, Omit<ChatResult, 'costUsd'>> {
  const { model } = opts;
  if (!model.stream) {
    const r = await sendWhole(opts, request, signal);
    if (r.text) {
      progress.text = r.text;
      yield { type: 'text', text: r.text };
    }
    return r;
  }
  const scheduled = <R>(fn: () => Promise<R>) => (opts.schedule ? opts.schedule(fn) : fn());
  const events = model.stream(request, signal)[Symbol.asyncIterator]();
  let finish: { reason: FinishReason; raw?: unknown } = { reason: 'other' };
  let done = false;
  try {
    let step = await scheduled(() => events.next());
    for (; !step.done; step = await events.next()) {
      // An event the SDK had buffered before the abort is not handed out after it.
      signal?.throwIfAborted();
      const event = step.value;
      if (event.type === 'usage') progress.usage = event.usage;
      else if (event.type === 'finish') finish = event;
      else if (event.text) {
        progress.timeToFirstTokenMs ??= performance.now() - progress.started;
        progress.text += event.text;
        yield { type: 'text', text: event.text };
      }
    }
    done = true;
  } finally {
    if (!done) await events.return?.(undefined); // the adapter aborts its request
  }
  return { text: progress.text, usage: progress.usage, finishReason: finish.reason, latencyMs: performance.now() - progress.started, raw: finish.raw };
}

function partialOf(opts: ClientOptions, p: Progress): PartialResult {
  return { text: p.text, usage: p.usage, latencyMs: performance.now() - p.started, costUsd: costOf(p.usage, opts.price), timeToFirstTokenMs: p.timeToFirstTokenMs };
}

function recordCancelled(opts: ClientOptions, call: LlmCall, progress: Progress, why: string): void {
  call.error = { message: `cancelled: ${why}`, cancelled: true };
  call.partial = partialOf(opts, progress);
}

async function runHooks(opts: ClientOptions, phase: 'before' | 'after', call: LlmCall): Promise<void> {
  for (const hook of opts.hooks[phase]) {
    const fn = hook[phase];
    if (!fn) continue;
    try {
      const pending = fn.call(hook, call);
      if (pending) await awaitUserCode(`hook ${hook.name} (${phase})`, pending); // most hooks are synchronous: no microtask for them
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
