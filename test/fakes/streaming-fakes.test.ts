import Anthropic from '@anthropic-ai/sdk';
import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from './anthropic-server.js';
import type { FakeLlmServer } from './fake-llm-server.js';
import { startFakeOpenAI } from './openai-server.js';

// The fakes' streamed answers on the wire (read with a real SSE parser, not our own), and as
// the official SDKs' own stream helpers assemble them: the same message as the whole answer.

const ANSWER = 'One two three four five six seven eight nine ten.';
const WORDS = ['One', ' two', ' three', ' four', ' five', ' six', ' seven', ' eight', ' nine', ' ten.'];
const OPENAI_KEY = 'sk-test-openai-key';
const ANTHROPIC_KEY = 'sk-ant-test-key';

const servers: FakeLlmServer[] = [];
async function openai(opts: Parameters<typeof startFakeOpenAI>[0] = {}) {
  const s = await startFakeOpenAI(opts);
  s.setResponder(() => ANSWER);
  servers.push(s);
  return s;
}
async function anthropic(opts: Parameters<typeof startFakeAnthropic>[0] = {}) {
  const s = await startFakeAnthropic(opts);
  s.setResponder(() => ANSWER);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const chatBody = (extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count' }], stream: true, ...extra });
const messagesBody = { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'count' }], stream: true };

async function post(url: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal });
}

async function events(res: Response, max = Infinity): Promise<EventSourceMessage[]> {
  const out: EventSourceMessage[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  while (out.length < max) {
    const { done, value } = await reader.read();
    if (done) break;
    out.push(value);
  }
  return out;
}

describe('fake OpenAI, stream: true', () => {
  const auth = { authorization: `Bearer ${OPENAI_KEY}` };

  it('chat.completion.chunk events: the role, one per token, the finish reason, the usage with empty choices, then [DONE]', async () => {
    const s = await openai();
    const res = await post(`${s.url}/chat/completions`, chatBody({ stream_options: { include_usage: true } }), auth);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const all = await events(res);
    expect(all.every((e) => e.event === undefined)).toBe(true);
    expect(all.at(-1)!.data).toBe('[DONE]');
    const chunks = all.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id && 'usage' in c)).toBe(true);
    expect(chunks[0].choices).toEqual([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]);
    const tokens = chunks.slice(1, -2);
    expect(tokens.map((c) => c.choices[0].delta.content)).toEqual(WORDS);
    expect(tokens.every((c) => c.usage === null && c.choices[0].finish_reason === null)).toBe(true);
    expect(chunks.at(-2).choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) } });
  });

  it('without include_usage no chunk carries usage; stream_options without stream is refused as by the API', async () => {
    const s = await openai();
    const chunks = (await events(await post(`${s.url}/chat/completions`, chatBody(), auth))).slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks.some((c) => 'usage' in c)).toBe(false);
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
    const refused = await post(`${s.url}/chat/completions`, chatBody({ stream: false, stream_options: { include_usage: true } }), auth);
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.message).toBe("The 'stream_options' parameter is only allowed when 'stream' is enabled.");
  });

  it('as Ollama (requireKey: false): the role in every delta, no role-only first chunk', async () => {
    const s = await openai({ requireKey: false });
    const chunks = (await events(await post(`${s.url}/chat/completions`, chatBody(), {}))).slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: 'One' });
    expect(chunks[0].system_fingerprint).toBe('fp_ollama');
  });

  it("the SDK's stream helper assembles the same completion as the non-streamed answer", async () => {
    const s = await openai();
    const sdk = new OpenAI({ apiKey: OPENAI_KEY, baseURL: s.url, maxRetries: 0 });
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'count' }], max_completion_tokens: 5 };
    const whole = await sdk.chat.completions.create(body);
    const streamed = await sdk.chat.completions.stream({ ...body, stream_options: { include_usage: true } }).finalChatCompletion();
    expect(streamed.choices[0]!.message.content).toBe(whole.choices[0]!.message.content);
    expect(streamed.choices[0]!.finish_reason).toBe('length');
    expect(streamed.usage).toEqual(whole.usage);
  });
});

describe('fake Anthropic, stream: true', () => {
  const auth = { 'x-api-key': ANTHROPIC_KEY, 'anthropic-version': '2023-06-01' };

  it('named events in the API order, each named for its data type, with a ping', async () => {
    const s = await anthropic();
    const all = await events(await post(`${s.url}/v1/messages`, messagesBody, auth));
    const names = all.map((e) => e.event);
    expect(names).toEqual(['message_start', 'content_block_start', 'ping', ...WORDS.map(() => 'content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);
    const data = all.map((e) => JSON.parse(e.data));
    expect(data.map((d) => d.type)).toEqual(names);
    expect(data[0].message).toMatchObject({ type: 'message', role: 'assistant', content: [], stop_reason: null, usage: { output_tokens: 1 } });
    expect(data.filter((d) => d.type === 'content_block_delta').map((d) => d.delta)).toEqual(WORDS.map((text) => ({ type: 'text_delta', text })));
    expect(data.at(-2)).toMatchObject({ delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: expect.any(Number) } });
  });

  it("the SDK's stream helper assembles the same message as the non-streamed answer", async () => {
    const s = await anthropic({ apiKey: ANTHROPIC_KEY });
    const sdk = new Anthropic({ apiKey: ANTHROPIC_KEY, baseURL: s.url, maxRetries: 0 });
    const body = { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'count' }], stop_sequences: [' six'] };
    const whole = await sdk.messages.create(body);
    const streamed = await sdk.messages.stream(body).finalMessage();
    expect(streamed.content).toEqual([{ type: 'text', text: 'One two three four five' }]);
    expect(whole.content).toMatchObject(streamed.content);
    expect(streamed).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: ' six', usage: { input_tokens: whole.usage.input_tokens, output_tokens: whole.usage.output_tokens } });
  });
});

describe('stream timing and faults', () => {
  it('waits tokenDelayMs before every token and firstTokenDelayMs more before the first (lower bounds only)', async () => {
    const s = await openai({ tokenDelayMs: 30, firstTokenDelayMs: 100 });
    const started = performance.now();
    const res = await post(`${s.url}/chat/completions`, chatBody(), { authorization: `Bearer ${OPENAI_KEY}` });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
    await reader.read(); // the role chunk, at once
    await reader.read(); // the first token
    expect(performance.now() - started).toBeGreaterThanOrEqual(125);
    while (!(await reader.read()).done);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100 + WORDS.length * 30 - 5);
    expect(s.streams).toEqual([{ path: '/v1/chat/completions', tokensSent: WORDS.length, end: 'completed' }]);
  });

  it('stall keeps the socket open after N tokens until the client leaves, and records that it left', async () => {
    const s = await anthropic();
    s.enqueue({ kind: 'stall', afterTokens: 2 });
    const controller = new AbortController();
    const res = await post(`${s.url}/v1/messages`, messagesBody, { 'x-api-key': ANTHROPIC_KEY, 'anthropic-version': '2023-06-01' }, controller.signal);
    const got = await events(res, 5); // message_start, content_block_start, ping, two tokens
    expect(got.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta']);
    expect(s.streams[0]).toEqual({ path: '/v1/messages', tokensSent: 2, fault: 'stall' }); // still open
    controller.abort();
    expect(await s.streamsSettled()).toEqual([{ path: '/v1/messages', tokensSent: 2, fault: 'stall', end: 'client-disconnected' }]);
  });

  it('cut destroys the socket after N tokens have reached the client; malformed sends one event that is not JSON, then the rest', async () => {
    const s = await openai();
    s.enqueue({ kind: 'cut', afterTokens: 3 }, { kind: 'malformed', afterTokens: 1 });
    const res = await post(`${s.url}/chat/completions`, chatBody(), { authorization: `Bearer ${OPENAI_KEY}` });
    const received: string[] = [];
    const reader = res.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received.push(JSON.parse(value.data).choices[0].delta.content);
        }
      })(),
    ).rejects.toThrow();
    expect(received).toEqual(['', ...WORDS.slice(0, 3)]);
    const garbled = await events(await post(`${s.url}/chat/completions`, chatBody(), { authorization: `Bearer ${OPENAI_KEY}` }));
    const bad = garbled.filter((e) => e.data !== '[DONE]' && !isJson(e.data));
    expect(bad).toHaveLength(1);
    expect(garbled.indexOf(bad[0]!)).toBe(2); // after the role chunk and one token
    expect(garbled.at(-1)!.data).toBe('[DONE]');
    expect((await s.streamsSettled()).map((r) => [r.fault, r.end])).toEqual([
      ['cut', 'cut'],
      ['malformed', 'completed'],
    ]);
  });
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
