import { gzipSync } from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
// A transitive dependency (of @langfuse/otel's exporter), used only to produce real OTLP bytes.
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from './anthropic-server.js';
import type { FakeLlmServer } from './fake-llm-server.js';
import { startFakeLangfuse, type FakeLangfuse } from './langfuse-otel-server.js';
import { startFakeOpenAI } from './openai-server.js';

// Each fake is driven through the official SDK pointed at it by base URL: what these tests
// show is how the SDK behaves against the fake, which must be how it behaves against the API.

const SENTIMENT_SYSTEM = 'You classify the sentiment of one sentence. Answer with only a JSON object.';

/** With 100 ms latency, no answer leaves before `n` requests are in (a serial server never finishes). */
function holdUntilAllArrive(server: FakeLlmServer, n: number): void {
  server.setLatency(100);
  let arrived = 0;
  let allIn!: () => void;
  const barrier = new Promise<void>((r) => (allIn = r));
  server.setResponder(async () => {
    if (++arrived === n) allIn();
    await barrier;
    return '{"label":"neutral","confidence":0.5}';
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

describe('fake Anthropic Messages API through @anthropic-ai/sdk', () => {
  const apiKey = 'sk-ant-test-0123456789';
  let server: FakeLlmServer;
  const client = (maxRetries = 2, key = apiKey) => new Anthropic({ apiKey: key, baseURL: server.url, maxRetries, timeout: 10_000 });
  const ask = (c: Anthropic, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) =>
    c.messages.create({
      model: 'claude-test',
      max_tokens: 256,
      system: SENTIMENT_SYSTEM,
      messages: [{ role: 'user', content: 'Sentence: "Profits rose sharply."' }],
      ...extra,
    });

  beforeEach(async () => {
    server = await startFakeAnthropic({ apiKey });
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers a normal request in the Messages API shape', async () => {
    const msg = await ask(client());
    expect(msg).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-test', stop_reason: 'end_turn', stop_sequence: null });
    expect(msg.id).toMatch(/^msg_/);
    expect(msg._request_id).toMatch(/^req_/);
    const block = msg.content[0]!;
    expect(block.type).toBe('text');
    expect(JSON.parse((block as Anthropic.TextBlock).text)).toEqual({ label: 'positive', confidence: 0.8 });
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect(msg.usage.output_tokens).toBeGreaterThan(0);

    const [req] = server.requests;
    expect(req!.path).toBe('/v1/messages');
    // SDK 1.x: API version 2026-10-21, key sent as a Bearer token.
    expect(req!.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(req!.headers['anthropic-version']).toBe('2026-10-21');
    expect(req!.body).toMatchObject({ model: 'claude-test', max_tokens: 256, system: SENTIMENT_SYSTEM });
  });

  it('uses the responder, text faults and content blocks', async () => {
    server.setResponder(({ system, messages, model }) => `${model}|${system}|${messages.at(-1)!.content}`);
    const msg = await ask(client(), { system: [{ type: 'text', text: 'sys' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
    expect((msg.content[0] as Anthropic.TextBlock).text).toBe('claude-test|sys|hi');

    server.enqueue({ kind: 'text', text: 'Sure! Here it is: {"label": "neutral"' });
    const wrapped = await ask(client());
    expect((wrapped.content[0] as Anthropic.TextBlock).text).toBe('Sure! Here it is: {"label": "neutral"');
  });

  it('stops at max_tokens or a stop sequence and says so', async () => {
    server.setResponder(() => 'word '.repeat(100));
    const msg = await ask(client(), { max_tokens: 5 });
    expect(msg.stop_reason).toBe('max_tokens');
    expect(msg.usage.output_tokens).toBeLessThanOrEqual(5);

    server.setResponder(() => 'alpha beta END gamma');
    const stopped = await ask(client(), { stop_sequences: ['END', 'beta'] });
    expect(stopped).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'beta', content: [{ type: 'text', text: 'alpha ' }] });
  });

  it('rejects a wrong key with AuthenticationError', async () => {
    const err = await ask(client(0, 'sk-ant-wrong')).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('retries a 429 after retry-after, and surfaces RateLimitError with maxRetries 0', async () => {
    server.enqueue({ kind: 'status', status: 429, retryAfterSeconds: 1 });
    const { value, ms } = await timed(() => ask(client(2)));
    expect(value.type).toBe('message');
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);

    server.enqueue({ kind: 'status', status: 429, retryAfterSeconds: 1 });
    const err = await ask(client(0)).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.headers.get('retry-after')).toBe('1');
    expect(err.error).toMatchObject({ error: { type: 'rate_limit_error' } });
  });

  it('retries a 500, and reports 529 overloaded as a server error', async () => {
    server.enqueue({ kind: 'status', status: 500 });
    expect((await ask(client(2))).type).toBe('message');
    expect(server.requests).toHaveLength(2);

    server.enqueue({ kind: 'status', status: 529 });
    const err = await ask(client(0)).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.status).toBe(529);
    expect(err.error).toMatchObject({ error: { type: 'overloaded_error' } });
  });

  it('turns a dropped connection into APIConnectionError, or retries it', async () => {
    server.enqueue({ kind: 'drop' });
    const err = await ask(client(0)).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIConnectionError);

    server.enqueue({ kind: 'drop' });
    expect((await ask(client(1))).type).toBe('message');
  });

  it('validates the body like the API (BadRequestError)', async () => {
    const c = client(0);
    const bad: Array<Record<string, unknown>> = [
      // API version 2026-10-21 (what SDK 1.x sends) removed the sampling parameters.
      { temperature: 0.5 },
      { top_p: 0.9 },
      { messages: [] },
      { max_tokens: -1 },
      { messages: [{ role: 'system', content: 'x' }] },
      { messages: [{ role: 'user', content: '' }] },
      { unknown_field: true },
    ];
    for (const extra of bad) {
      const err = await ask(c, extra as never).catch((e) => e);
      expect(err, JSON.stringify(extra)).toBeInstanceOf(Anthropic.BadRequestError);
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    }
    const noMax = await c.messages.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] } as never).catch((e) => e);
    expect(noMax).toBeInstanceOf(Anthropic.BadRequestError);
    expect(noMax.message).toContain('max_tokens');
    // max_tokens 0 only warms the prompt cache.
    const warm = await ask(c, { max_tokens: 0 });
    expect(warm.content).toEqual([]);
    // Same-role turns are merged by the real API, not rejected; a final assistant turn is a prefill.
    const merged = await ask(c, { messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }, { role: 'assistant', content: '' }] });
    expect(merged.type).toBe('message');
  });

  it('accepts sampling parameters only under API version 2023-06-01', async () => {
    const old = new Anthropic({ apiKey, baseURL: server.url, maxRetries: 0, defaultHeaders: { 'anthropic-version': '2023-06-01' } });
    expect((await ask(old, { temperature: 0.2 } as never)).type).toBe('message');
    const err = await ask(old, { temperature: 1.5 } as never).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(server.requests.at(-1)!.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('takes the key as x-api-key or Bearer, preferring x-api-key', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
        body: JSON.stringify({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      });
    expect((await post({ 'x-api-key': apiKey })).status).toBe(200);
    expect((await post({ 'x-api-key': apiKey, authorization: 'Bearer sk-ant-other' })).status).toBe(200);
    expect((await post({ 'x-api-key': 'sk-ant-other', authorization: `Bearer ${apiKey}` })).status).toBe(401);
    const missing = await post({});
    expect(missing.status).toBe(401);
    expect(missing.headers.get('request-id')).toMatch(/^req_/);
    expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect((await post({ 'x-api-key': apiKey, 'anthropic-version': '' })).status).toBe(400);
  });

  it('applies latency and delay faults', async () => {
    // Lower bounds on a sleep inside the fake: load can only make them longer.
    server.setLatency(150);
    expect((await timed(() => ask(client()))).ms).toBeGreaterThanOrEqual(145);
    server.setLatency(0);
    server.enqueue({ kind: 'delay', ms: 200 });
    expect((await timed(() => ask(client()))).ms).toBeGreaterThanOrEqual(195);
  });

  it('answers 200 concurrent requests with 100 ms latency concurrently, not one after another', async () => {
    // No answer leaves before all 200 requests are in: a fake that served them one after
    // another could never finish. Order and counts, not milliseconds.
    holdUntilAllArrive(server, 200);
    const c = client();
    const value = await Promise.all(Array.from({ length: 200 }, () => ask(c)));
    expect(value).toHaveLength(200);
  });
});

describe('fake OpenAI Chat Completions API through openai', () => {
  const apiKey = 'sk-test-openai-0123456789';
  let server: FakeLlmServer;
  const client = (maxRetries = 2, key = apiKey) => new OpenAI({ apiKey: key, baseURL: server.url, maxRetries, timeout: 10_000 });
  const ask = (c: OpenAI, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) =>
    c.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: `${SENTIMENT_SYSTEM} Reply in JSON.` },
        { role: 'user', content: 'Sentence: "Shares fell after the lawsuit."' },
      ],
      ...extra,
    });

  beforeEach(async () => {
    server = await startFakeOpenAI({ apiKey });
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers a normal request in the Chat Completions shape', async () => {
    const completion = await ask(client(), { response_format: { type: 'json_object' }, max_completion_tokens: 100 });
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini' });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion._request_id).toMatch(/^req_/);
    expect(completion.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', message: { role: 'assistant' } });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({ label: 'negative', confidence: 0.8 });
    const u = completion.usage!;
    expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens);

    const [req] = server.requests;
    expect(req!.path).toBe('/v1/chat/completions');
    expect(req!.headers.authorization).toBe(`Bearer ${apiKey}`);
  });

  it('accepts json_schema response formats and lists models', async () => {
    const completion = await ask(client(), {
      response_format: { type: 'json_schema', json_schema: { name: 'sentiment', schema: { type: 'object' }, strict: true } },
    });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    const models = await client().models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4o-mini');
  });

  it('rejects a wrong key with AuthenticationError', async () => {
    const err = await ask(client(0, 'sk-wrong')).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.code).toBe('invalid_api_key');
    expect(err.type).toBe('invalid_request_error');
    expect(err.message).not.toContain('sk-wrong');
  });

  it('retries a 429 after retry-after, and surfaces RateLimitError with maxRetries 0', async () => {
    server.enqueue({ kind: 'status', status: 429, retryAfterSeconds: 1 });
    const { value, ms } = await timed(() => ask(client(2)));
    expect(value.object).toBe('chat.completion');
    expect(ms).toBeGreaterThanOrEqual(950);

    server.enqueue({ kind: 'status', status: 429, retryAfterSeconds: 1 });
    const err = await ask(client(0)).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.headers.get('retry-after')).toBe('1');
  });

  it('retries 500 and 503', async () => {
    server.enqueue({ kind: 'status', status: 500 }, { kind: 'status', status: 503 });
    expect((await ask(client(2))).object).toBe('chat.completion');
    expect(server.requests).toHaveLength(3);
    server.enqueue({ kind: 'status', status: 503 });
    const err = await ask(client(0)).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(503);
  });

  it('turns a dropped connection into APIConnectionError, or retries it', async () => {
    server.enqueue({ kind: 'drop' });
    expect(await ask(client(0)).catch((e) => e)).toBeInstanceOf(OpenAI.APIConnectionError);
    server.enqueue({ kind: 'drop' });
    expect((await ask(client(1))).object).toBe('chat.completion');
  });

  it('validates the body like the API (BadRequestError)', async () => {
    const c = client(0);
    const bad: Array<Record<string, unknown>> = [
      { messages: [] },
      { messages: [{ role: 'bot', content: 'x' }] },
      { temperature: 3 },
      { response_format: { type: 'xml' } },
      { response_format: { type: 'json_schema' } },
      { unknown_field: 1 },
      // OpenAI's JSON mode needs the word "json" somewhere in the messages.
      { messages: [{ role: 'user', content: 'hello' }], response_format: { type: 'json_object' } },
    ];
    for (const extra of bad) {
      const err = await ask(c, extra as never).catch((e) => e);
      expect(err, JSON.stringify(extra)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.type).toBe('invalid_request_error');
    }
    const noModel = await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] } as never).catch((e) => e);
    expect(noModel).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('stops at max_tokens with finish_reason length', async () => {
    server.setResponder(() => 'word '.repeat(100));
    const completion = await ask(client(), { max_tokens: 5 });
    expect(completion.choices[0]!.finish_reason).toBe('length');
  });

  it('applies latency', async () => {
    server.setLatency(150);
    expect((await timed(() => ask(client()))).ms).toBeGreaterThanOrEqual(145); // a lower bound: load only lengthens it
  });

  it('answers 200 concurrent requests with 100 ms latency concurrently, not one after another', async () => {
    // No answer leaves before all 200 requests are in: a fake that served them one after
    // another could never finish. Order and counts, not milliseconds.
    holdUntilAllArrive(server, 200);
    const c = client();
    const value = await Promise.all(Array.from({ length: 200 }, () => ask(c)));
    expect(value).toHaveLength(200);
  });

  it('behaves like Ollama with requireKey: false', async () => {
    const ollama = await startFakeOpenAI({ requireKey: false });
    try {
      const c = new OpenAI({ apiKey: 'ollama', baseURL: ollama.url, maxRetries: 0 });
      const completion = await c.chat.completions.create({
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'hello' }],
        response_format: { type: 'json_object' },
      });
      expect(completion.choices[0]!.message.content).toBe('hello');
    } finally {
      await ollama.close();
    }
  });
});

describe('fake Langfuse OTel endpoint', () => {
  const keys = { publicKey: 'pk-lf-fake-0123456789', secretKey: 'sk-lf-fake-0123456789' };
  const auth = `Basic ${Buffer.from(`${keys.publicKey}:${keys.secretKey}`).toString('base64')}`;
  let langfuse: FakeLangfuse;
  beforeEach(async () => {
    langfuse = await startFakeLangfuse(keys);
  });
  afterEach(async () => {
    await langfuse.close();
  });

  /** Real SDK spans, with attribute values of every OTLP kind. */
  function finishedSpans() {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('langfuse-sdk');
    const parent = tracer.startSpan('parent', { attributes: { s: 'text', i: 42, neg: -7, d: 0.25, b: false, arr: ['a', 'b'], nums: [1, 2] } });
    const child = tracer.startSpan('child', {}, trace.setSpan(context.active(), parent));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    child.end();
    parent.end();
    return exporter.getFinishedSpans();
  }
  const post = (body: Uint8Array, headers: Record<string, string>) =>
    fetch(`${langfuse.url}/api/public/otel/v1/traces`, { method: 'POST', headers: { authorization: auth, ...headers }, body });

  it('decodes OTLP/JSON and OTLP/protobuf (plain and gzip) to the same spans', async () => {
    const spans = finishedSpans();
    expect((await post(JsonTraceSerializer.serializeRequest(spans)!, { 'content-type': 'application/json' })).status).toBe(200);
    const proto = ProtobufTraceSerializer.serializeRequest(spans)!;
    expect((await post(proto, { 'content-type': 'application/x-protobuf' })).status).toBe(200);
    expect((await post(gzipSync(proto), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' })).status).toBe(200);

    const received = langfuse.spans();
    expect(received).toHaveLength(6);
    expect(received.slice(2, 4)).toEqual(received.slice(0, 2));
    expect(received.slice(4, 6)).toEqual(received.slice(0, 2));
    const [child, parent] = received;
    expect(parent).toMatchObject({ name: 'parent', scope: 'langfuse-sdk', traceId: spans[1]!.spanContext().traceId, spanId: spans[1]!.spanContext().spanId });
    expect(parent!.attributes).toEqual({ s: 'text', i: 42, neg: -7, d: 0.25, b: false, arr: ['a', 'b'], nums: [1, 2] });
    expect(parent!.parentSpanId).toBeUndefined();
    expect(child).toMatchObject({ name: 'child', parentSpanId: parent!.spanId, status: { code: 2, message: 'boom' } });
    expect(BigInt(parent!.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(parent!.startTimeUnixNano));
  });

  it('requires Basic auth with the project keys and a known content type', async () => {
    const body = JsonTraceSerializer.serializeRequest(finishedSpans())!;
    expect((await post(body, { 'content-type': 'application/json', authorization: 'Basic bm9wZTpub3Bl' })).status).toBe(401);
    expect((await post(body, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(new TextEncoder().encode('{'), { 'content-type': 'application/json' })).status).toBe(400);
    langfuse.enqueue({ kind: 'status', status: 503, retryAfterSeconds: 1 });
    const limited = await post(body, { 'content-type': 'application/json' });
    expect(limited.status).toBe(503);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(langfuse.requests).toBe(4);
    expect(langfuse.spans()).toEqual([]);
  });
});
