import type { LangfuseGeneration } from '@langfuse/tracing';
import { Logger } from '../../core/logger.js';
import { redactText, redactUrl, registerSecret } from '../../core/redact.js';
import type { Hook, LlmCall } from '../types.js';

export type LangfuseHookOptions = {
  publicKey?: string;
  secretKey?: string;
  baseUrl?: string;
  environment?: string;
  /** Where export failures are reported (shutdown never throws). Default: stderr, redacted. */
  logger?: { warn(message: string): void };
};

const DEFAULT_BASE_URL = 'https://cloud.langfuse.com';
const TRACE_ID = /^[0-9a-f]{32}$/;

/** The SDK's pieces one hook holds. */
type Tracer = {
  tracing: typeof import('@langfuse/tracing');
  api: typeof import('@opentelemetry/api');
  provider: import('@opentelemetry/sdk-trace-base').BasicTracerProvider;
  processor: import('@langfuse/otel').LangfuseSpanProcessor;
  /** The trace id the next root span takes (see openTracer). */
  nextTraceId: { value?: string };
};

type Settings = { publicKey: string; secretKey: string; baseUrl: string; logger: { warn(message: string): void } };

/**
 * The `langfuse` hook: one Langfuse generation per LLM call, in the Langfuse trace whose id is
 * the call's own trace id, sent with the current OpenTelemetry-based SDK (@langfuse/tracing +
 * @langfuse/otel) to `${baseUrl}/api/public/otel/v1/traces`.
 *
 * The SDK is loaded here, on first use, because it is heavy (~70 ms) and most commands never
 * trace. The tracer provider is our own, never registered globally, so an application that
 * embeds llmops keeps its OpenTelemetry setup.
 */
export async function createLangfuseHook(opts: LangfuseHookOptions = {}): Promise<Hook> {
  const settings = langfuseSettings(opts);
  const tracer = await openTracer(settings, opts.environment);
  const open = new Map<string, LangfuseGeneration>();
  let shutdownPromise: Promise<void> | undefined;
  return {
    name: 'langfuse',
    async before(call) {
      open.set(call.id, await startGeneration(tracer, call));
    },
    async after(call) {
      // A hookset may list langfuse among the after-hooks only: then the observation starts here.
      const generation = open.get(call.id) ?? (await startGeneration(tracer, call));
      open.delete(call.id);
      finishGeneration(tracer, generation, call);
    },
    shutdown() {
      shutdownPromise ??= shutdownTracer(tracer, open, settings);
      return shutdownPromise;
    },
  };
}

function langfuseSettings(opts: LangfuseHookOptions): Settings {
  const publicKey = opts.publicKey || process.env.LANGFUSE_PUBLIC_KEY;
  const secretKey = opts.secretKey || process.env.LANGFUSE_SECRET_KEY;
  if (!publicKey) throw new Error('langfuse hook: LANGFUSE_PUBLIC_KEY is not set (a Langfuse project public key, pk-lf-…)');
  if (!secretKey) throw new Error('langfuse hook: LANGFUSE_SECRET_KEY is not set (a Langfuse project secret key, sk-lf-…)');
  // Keys given as options are not in the environment: masked wherever text leaves the process.
  registerSecret(publicKey);
  registerSecret(secretKey);
  const baseUrl = (opts.baseUrl || process.env.LANGFUSE_BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, '');
  return { publicKey, secretKey, baseUrl, logger: opts.logger ?? new Logger() };
}

async function openTracer(settings: Settings, environment: string | undefined): Promise<Tracer> {
  const [{ LangfuseSpanProcessor }, tracing, { BasicTracerProvider, RandomIdGenerator, AlwaysOnSampler }, api] = await Promise.all([
    import('@langfuse/otel'),
    import('@langfuse/tracing'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/api'),
  ]);
  // Our trace ids become the OTel (= Langfuse) trace ids: a root span takes its trace id from
  // the id generator, which hands out the call's id while that call's span is being started.
  // A synthetic parent span context would give the same trace id but leave every generation
  // pointing at a parent observation that never exists in Langfuse.
  const random = new RandomIdGenerator();
  const nextTraceId: Tracer['nextTraceId'] = {};
  const idGenerator = {
    generateTraceId: () => nextTraceId.value ?? random.generateTraceId(),
    generateSpanId: () => random.generateSpanId(),
  };
  const processor = new LangfuseSpanProcessor({
    publicKey: settings.publicKey,
    secretKey: settings.secretKey,
    baseUrl: settings.baseUrl,
    environment: environment ? langfuseEnvironment(environment) : undefined,
    // Our inputs are text; never let a stray data: URI trigger media uploads.
    mediaUploadEnabled: false,
  });
  const provider = new BasicTracerProvider({ spanProcessors: [processor], idGenerator, sampler: new AlwaysOnSampler() });
  return { tracing, api, provider, processor, nextTraceId };
}

async function startGeneration(t: Tracer, call: LlmCall): Promise<LangfuseGeneration> {
  const { tracing, api } = t;
  const traceId = TRACE_ID.test(call.traceId.toLowerCase()) ? call.traceId.toLowerCase() : await tracing.createTraceId(call.traceId);
  const req = call.request;
  const startTime = new Date(call.startedAt);
  const attributes = {
    model: call.model,
    input: input(call),
    modelParameters: modelParameters(call),
    metadata: {
      provider: call.provider,
      callId: call.id,
      parameters: call.parameters,
      ...(req.outputName ? { outputName: req.outputName } : {}),
      ...(traceId !== call.traceId ? { llmopsTraceId: call.traceId } : {}),
    },
  };

  // Synchronous from here to the end of startObservation: nothing else can start a span
  // in between, so the pending trace id and the provider swap cannot leak to another call.
  // @langfuse/tracing reads its tracer provider from process-wide state; we set ours only
  // while starting our span and put back what was there, so several hooks (or an app's own
  // Langfuse setup) do not steal each other's spans.
  const previous = tracing.getLangfuseTracerProvider();
  const hadIsolated = previous !== api.trace.getTracerProvider();
  tracing.setLangfuseTracerProvider(t.provider);
  t.nextTraceId.value = traceId;
  let generation: LangfuseGeneration;
  try {
    generation = tracing.startObservation(req.tags?.task ?? 'llm-call', attributes, {
      asType: 'generation',
      ...(Number.isNaN(startTime.getTime()) ? {} : { startTime }),
      // An invalid parent forces a root span even when the app has an active span.
      parentSpanContext: api.INVALID_SPAN_CONTEXT,
    });
  } finally {
    t.nextTraceId.value = undefined;
    tracing.setLangfuseTracerProvider(hadIsolated ? previous : null);
  }

  // Trace-level attributes ride on the span; Langfuse applies them to the trace.
  const A = tracing.LangfuseOtelSpanAttributes;
  generation.otelSpan.setAttributes({
    [A.TRACE_NAME]: req.tags?.task ?? 'llmops',
    [A.TRACE_TAGS]: [`provider:${call.provider}`, `model:${call.model}`],
    ...Object.fromEntries(Object.entries(req.tags ?? {}).map(([k, v]) => [`${A.TRACE_METADATA}.${k}`, v])),
  });
  return generation;
}

function finishGeneration(t: Tracer, generation: LangfuseGeneration, call: LlmCall): void {
  // Input again: a redact hook that ran after our before() may have widened call.redact.
  generation.update({ input: input(call) });
  // A streamed call that failed or was cancelled: what it had received, and when.
  const got = call.result ?? call.partial;
  if (got) {
    const { inputTokens, outputTokens } = got.usage;
    const firstToken = completionStart(call.startedAt, got.timeToFirstTokenMs);
    generation.update({
      output: call.redact(got.text),
      usageDetails: { input: inputTokens, output: outputTokens, total: inputTokens + outputTokens },
      // 0 means "no price known" for cloud models; leave it to Langfuse's own price table.
      ...(got.costUsd > 0 ? { costDetails: { total: got.costUsd } } : {}),
      ...(firstToken ? { completionStartTime: firstToken } : {}),
      metadata: {
        ...(call.result ? { finishReason: call.result.finishReason } : {}),
        latencyMs: Math.round(got.latencyMs),
        ...(got.timeToFirstTokenMs !== undefined ? { timeToFirstTokenMs: Math.round(got.timeToFirstTokenMs) } : {}),
        ...(call.repairedFrom !== undefined ? { repairedFrom: call.redact(call.repairedFrom) } : {}),
      },
    });
  }
  if (call.error?.cancelled) {
    // The caller's choice (Ctrl-C, a client that left), not a failure of the model.
    generation.update({ level: 'WARNING', statusMessage: call.redact(call.error.message), metadata: { cancelled: true } });
  } else if (call.error) {
    const text = call.redact(call.error.message);
    const message = call.error.status ? `${text} (HTTP ${call.error.status})` : text;
    generation.update({
      level: 'ERROR',
      statusMessage: message,
      metadata: { ...(call.error.status ? { errorStatus: call.error.status } : {}), retryable: call.error.retryable ?? false },
    });
    generation.otelSpan.setStatus({ code: t.api.SpanStatusCode.ERROR, message });
  }
  generation.end();
}

/**
 * When the first text arrived, for Langfuse's time-to-first-token: the call's start plus the
 * measured delay (the start is taken just before the before-hooks, a fraction of a ms early).
 */
function completionStart(startedAt: string, timeToFirstTokenMs: number | undefined): Date | undefined {
  const start = Date.parse(startedAt);
  if (timeToFirstTokenMs === undefined || Number.isNaN(start)) return undefined;
  return new Date(start + timeToFirstTokenMs);
}

/** Ends what is still open, sends everything; never throws (a failed export is a warning). */
async function shutdownTracer(t: Tracer, open: Map<string, LangfuseGeneration>, settings: Settings): Promise<void> {
  for (const generation of open.values()) {
    generation.update({ level: 'WARNING', statusMessage: 'the call had not finished when llmops shut down' });
    generation.end();
  }
  open.clear();
  try {
    await t.processor.forceFlush();
  } catch (err) {
    const { secretKey, publicKey, baseUrl } = settings;
    settings.logger.warn(redactText(redact(describeExportError(err, baseUrl), [secretKey, Buffer.from(`${publicKey}:${secretKey}`).toString('base64')])));
  }
  await t.provider.shutdown().catch(() => {});
}

/** The prompt as Langfuse renders a chat (system first), with secrets masked. */
function input(call: LlmCall) {
  const { system, messages } = call.request;
  return [
    ...(system ? [{ role: 'system', content: call.redact(system) }] : []),
    ...messages.map((m) => ({ role: m.role, content: call.redact(m.content) })),
  ];
}

/** Langfuse accepts environments matching /^(?!langfuse)[a-z0-9_-]+$/; ours are free-form names. */
function langfuseEnvironment(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^langfuse/, 'env-langfuse');
  return cleaned || 'default';
}

/** Langfuse wants model parameters as strings or numbers. */
function modelParameters(call: LlmCall): Record<string, string | number> {
  const merged: Record<string, unknown> = {
    ...call.parameters,
    ...(call.request.temperature !== undefined ? { temperature: call.request.temperature } : {}),
    ...(call.request.maxTokens !== undefined ? { maxTokens: call.request.maxTokens } : {}),
  };
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(merged)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

function describeExportError(err: unknown, baseUrl: string): string {
  // BatchSpanProcessor rejects with the exporter's error: an OTLPExporterError carries `code`.
  const e = (Array.isArray(err) ? err[0] : err) as { code?: unknown; message?: string } | undefined;
  const code = typeof e?.code === 'number' ? e.code : undefined;
  const message = e?.message?.split('\n')[0];
  const what = code ? `HTTP ${code}${message ? ` ${message}` : ''}` : (message ?? String(err));
  const hint = code === 401 || code === 403 ? ' (check LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL)' : '';
  return `langfuse: could not send traces to ${redactUrl(baseUrl)}: ${what}${hint}`;
}

function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}
