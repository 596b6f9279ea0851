import { randomBytes } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { getLangfuseTracerProvider } from '@langfuse/tracing';
import { afterEach, describe, expect, it } from 'vitest';
import { createLangfuseHook } from '../../../src/llm/hooks/langfuse-hook.js';
import type { LlmCall } from '../../../src/llm/types.js';
import { startFakeLangfuse, type FakeLangfuse, type ReceivedSpan } from '../../fakes/langfuse-otel-server.js';

// The hook runs against the fake Langfuse OTel endpoint; the assertions use the attribute names
// @langfuse/tracing actually emits (LangfuseOtelSpanAttributes in @langfuse/core).

const PUBLIC_KEY = 'pk-lf-test-0123456789';
const SECRET_KEY = 'sk-lf-test-secret-0123456789';

const traceId = () => randomBytes(16).toString('hex');

function makeCall(over: Partial<LlmCall> & { traceId: string }): LlmCall {
  return {
    id: randomBytes(8).toString('hex'),
    provider: 'anthropic',
    model: 'claude-test-1',
    request: {
      system: 'You classify the sentiment of one sentence.',
      messages: [{ role: 'user', content: 'Sentence: "Profits rose."' }],
      maxTokens: 64,
      traceId: over.traceId,
      tags: { task: 'sentiment', version: '1' },
    },
    parameters: { max_tokens: 64, timeoutMs: 30000 },
    startedAt: new Date().toISOString(),
    redact: (text) => text,
    ...over,
  };
}

const fakes: FakeLangfuse[] = [];
async function fake(keys = { publicKey: PUBLIC_KEY, secretKey: SECRET_KEY }) {
  const f = await startFakeLangfuse(keys);
  fakes.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const json = (span: ReceivedSpan, key: string) => JSON.parse(span.attributes[key] as string);

describe('langfuse hook', () => {
  it('records one generation per call under the call trace id', async () => {
    const server = await fake();
    const hook = await createLangfuseHook({ publicKey: PUBLIC_KEY, secretKey: SECRET_KEY, baseUrl: server.url, environment: 'test' });
    const commandTrace = traceId();

    const ok = makeCall({ traceId: commandTrace });
    await hook.before!(ok);
    ok.result = { text: '{"label":"positive","confidence":0.9}', usage: { inputTokens: 12, outputTokens: 5 }, finishReason: 'stop', latencyMs: 321.4, costUsd: 0.00012 };
    await hook.after!(ok);

    const failed = makeCall({ traceId: commandTrace, provider: 'openai', model: 'gpt-4o-mini' });
    await hook.before!(failed);
    failed.error = { message: 'Rate limit reached', status: 429, retryable: true };
    await hook.after!(failed);

    // Listed among the after-hooks only: the observation starts and ends in after().
    const afterOnly = makeCall({ traceId: traceId() });
    afterOnly.result = { text: 'neutral', usage: { inputTokens: 3, outputTokens: 1 }, finishReason: 'stop', latencyMs: 5, costUsd: 0 };
    await hook.after!(afterOnly);

    await hook.shutdown!();

    const spans = server.spans();
    expect(spans).toHaveLength(3);
    const [okSpan, failSpan, afterOnlySpan] = ['claude-test-1', 'gpt-4o-mini'].map((m) => spans.find((s) => s.attributes['langfuse.observation.model.name'] === m && s.traceId === commandTrace)!)
      .concat(spans.find((s) => s.traceId === afterOnly.traceId)!);

    for (const s of [okSpan!, failSpan!, afterOnlySpan!]) {
      expect(s.scope).toBe('langfuse-sdk');
      expect(s.parentSpanId).toBeUndefined(); // a root observation, no phantom parent
      expect(s.name).toBe('sentiment');
      expect(s.attributes['langfuse.observation.type']).toBe('generation');
      expect(s.attributes['langfuse.environment']).toBe('test');
      expect(s.attributes['langfuse.trace.name']).toBe('sentiment');
      expect(s.attributes['langfuse.trace.metadata.task']).toBe('sentiment');
      expect(json(s, 'langfuse.observation.input')).toEqual([
        { role: 'system', content: 'You classify the sentiment of one sentence.' },
        { role: 'user', content: 'Sentence: "Profits rose."' },
      ]);
      expect(json(s, 'langfuse.observation.model.parameters')).toEqual({ max_tokens: 64, timeoutMs: 30000, maxTokens: 64 });
      expect(BigInt(s.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(s.startTimeUnixNano));
    }

    expect(okSpan!.traceId).toBe(ok.traceId);
    expect(okSpan!.attributes['langfuse.trace.tags']).toEqual(['provider:anthropic', 'model:claude-test-1']);
    expect(okSpan!.attributes['langfuse.observation.output']).toBe('{"label":"positive","confidence":0.9}');
    expect(json(okSpan!, 'langfuse.observation.usage_details')).toEqual({ input: 12, output: 5, total: 17 });
    expect(json(okSpan!, 'langfuse.observation.cost_details')).toEqual({ total: 0.00012 });
    expect(okSpan!.attributes['langfuse.observation.metadata.provider']).toBe('anthropic');
    expect(okSpan!.attributes['langfuse.observation.metadata.finishReason']).toBe('stop');
    expect(okSpan!.attributes['langfuse.observation.level']).toBeUndefined();
    expect(okSpan!.status.code).toBe(0);

    expect(failSpan!.traceId).toBe(commandTrace);
    expect(failSpan!.attributes['langfuse.trace.tags']).toEqual(['provider:openai', 'model:gpt-4o-mini']);
    expect(failSpan!.attributes['langfuse.observation.level']).toBe('ERROR');
    expect(failSpan!.attributes['langfuse.observation.status_message']).toBe('Rate limit reached (HTTP 429)');
    expect(failSpan!.attributes['langfuse.observation.output']).toBeUndefined();
    expect(failSpan!.status).toEqual({ code: 2, message: 'Rate limit reached (HTTP 429)' });

    // costUsd 0 means "no price in the profile": Langfuse then prices the model itself.
    expect(afterOnlySpan!.attributes['langfuse.observation.cost_details']).toBeUndefined();
    expect(json(afterOnlySpan!, 'langfuse.observation.usage_details')).toEqual({ input: 3, output: 1, total: 4 });
  });

  it('keeps two hooks apart and leaves the global tracer provider alone', async () => {
    const globalProvider = trace.getTracerProvider();
    const [a, b] = [await fake(), await fake()];
    const hookA = await createLangfuseHook({ publicKey: PUBLIC_KEY, secretKey: SECRET_KEY, baseUrl: a.url });
    const hookB = await createLangfuseHook({ publicKey: PUBLIC_KEY, secretKey: SECRET_KEY, baseUrl: b.url });
    const callA = makeCall({ traceId: traceId() });
    const callB = makeCall({ traceId: traceId() });
    await hookA.before!(callA);
    await hookB.before!(callB);
    await hookA.after!(callA);
    await hookB.after!(callB);
    await Promise.all([hookA.shutdown!(), hookB.shutdown!()]);

    expect(a.spans().map((s) => s.traceId)).toEqual([callA.traceId]);
    expect(b.spans().map((s) => s.traceId)).toEqual([callB.traceId]);
    expect(trace.getTracerProvider()).toBe(globalProvider);
    expect(getLangfuseTracerProvider()).toBe(globalProvider);
  });

  it('masks secrets with the call redaction, including one widened after before()', async () => {
    const server = await fake();
    const hook = await createLangfuseHook({ publicKey: PUBLIC_KEY, secretKey: SECRET_KEY, baseUrl: server.url, environment: 'Staging EU' });
    const call = makeCall({ traceId: traceId() });
    call.request.messages = [{ role: 'user', content: 'my token is tok_live_abc123' }];
    await hook.before!(call);
    call.redact = (text) => text.replace(/tok_live_\w+/g, '***'); // a redact hook listed after langfuse
    call.result = { text: 'echo tok_live_abc123', usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop', latencyMs: 1, costUsd: 0 };
    call.error = { message: 'upstream said tok_live_abc123' };
    await hook.after!(call);
    await hook.shutdown!();
    const [span] = server.spans();
    expect(JSON.stringify(span!.attributes)).not.toContain('tok_live_abc123');
    expect(json(span!, 'langfuse.observation.input')).toEqual([{ role: 'system', content: 'You classify the sentiment of one sentence.' }, { role: 'user', content: 'my token is ***' }]);
    expect(span!.attributes['langfuse.observation.output']).toBe('echo ***');
    expect(span!.attributes['langfuse.observation.status_message']).toBe('upstream said ***');
    // Langfuse environments are lowercase [a-z0-9_-].
    expect(span!.attributes['langfuse.environment']).toBe('staging-eu');
  });

  it('maps a trace id that is not 32 hex chars to a stable Langfuse trace id', async () => {
    const server = await fake();
    const hook = await createLangfuseHook({ publicKey: PUBLIC_KEY, secretKey: SECRET_KEY, baseUrl: server.url });
    const call = makeCall({ traceId: 'run-2024-01-01' });
    await hook.after!(call);
    await hook.shutdown!();
    const [span] = server.spans();
    expect(span!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span!.attributes['langfuse.observation.metadata.llmopsTraceId']).toBe('run-2024-01-01');
  });

  it('survives wrong keys: Langfuse answers 401, the hook warns without the secret', async () => {
    const server = await fake();
    const warnings: string[] = [];
    const hook = await createLangfuseHook({
      publicKey: PUBLIC_KEY,
      secretKey: 'sk-lf-wrong-secret-987654321',
      baseUrl: server.url,
      logger: { warn: (m) => warnings.push(m) },
    });
    const call = makeCall({ traceId: traceId() });
    await hook.before!(call);
    call.result = { text: 'x', usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop', latencyMs: 1, costUsd: 0 };
    await hook.after!(call);
    await expect(hook.shutdown!()).resolves.toBeUndefined();

    expect(server.requests).toBeGreaterThanOrEqual(1);
    expect(server.spans()).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('401');
    expect(warnings[0]).toContain('LANGFUSE_SECRET_KEY');
    expect(warnings[0]).not.toContain('sk-lf-wrong-secret-987654321');
  });

  it('survives a 500 from Langfuse, reporting it', async () => {
    const server = await fake();
    server.enqueue({ kind: 'status', status: 500 });
    const warnings: string[] = [];
    const hook = await createLangfuseHook({ publicKey: PUBLIC_KEY, secretKey: SECRET_KEY, baseUrl: server.url, logger: { warn: (m) => warnings.push(m) } });
    await hook.after!(makeCall({ traceId: traceId() }));
    await hook.shutdown!();
    expect(warnings.join('\n')).toContain('500');
  });

  it('names the missing variable when keys are absent', async () => {
    const saved = { pk: process.env.LANGFUSE_PUBLIC_KEY, sk: process.env.LANGFUSE_SECRET_KEY };
    try {
      delete process.env.LANGFUSE_PUBLIC_KEY;
      delete process.env.LANGFUSE_SECRET_KEY;
      await expect(createLangfuseHook()).rejects.toThrow(/LANGFUSE_PUBLIC_KEY/);
      process.env.LANGFUSE_PUBLIC_KEY = PUBLIC_KEY;
      const err = await createLangfuseHook().catch((e: Error) => e);
      expect((err as Error).message).toMatch(/LANGFUSE_SECRET_KEY/);
      expect((err as Error).message).not.toContain(PUBLIC_KEY);
    } finally {
      for (const [name, value] of [['LANGFUSE_PUBLIC_KEY', saved.pk], ['LANGFUSE_SECRET_KEY', saved.sk]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('reads keys and base URL from the environment', async () => {
    const server = await fake();
    const saved = { ...process.env };
    try {
      process.env.LANGFUSE_PUBLIC_KEY = PUBLIC_KEY;
      process.env.LANGFUSE_SECRET_KEY = SECRET_KEY;
      process.env.LANGFUSE_BASE_URL = `${server.url}/`;
      const hook = await createLangfuseHook();
      await hook.after!(makeCall({ traceId: traceId() }));
      await hook.shutdown!();
      expect(server.spans()).toHaveLength(1);
    } finally {
      for (const k of ['LANGFUSE_PUBLIC_KEY', 'LANGFUSE_SECRET_KEY', 'LANGFUSE_BASE_URL']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});
