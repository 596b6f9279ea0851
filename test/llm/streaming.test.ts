import { afterEach, describe, expect, it } from 'vitest';
import { ANSWER, KEY, PROVIDERS, TOKENS, ask, readAll, readUntilError, streamFixture, type StreamFixture } from './stream-fixture.js';

// Streaming through the whole LLM layer: a profile → the adapter → the official SDK, which
// parses the fake provider's SSE → the client (cache, hooks, call log). Nothing of ours is mocked.

let open: StreamFixture[] = [];
async function fixture(...args: Parameters<typeof streamFixture>) {
  const f = await streamFixture(...args);
  open.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(open.map((f) => f.close()));
  open = [];
});

for (const provider of PROVIDERS) {
  describe(`${provider} streaming`, () => {
    it('deltas arrive in order, one per token, and add up to the answer; usage, finish reason and time to first token come with the end', async () => {
      const f = await fixture(provider);
      const { deltas, result } = await readAll(f.client.stream(ask()));
      expect(deltas).toEqual(TOKENS);
      expect(result).toMatchObject({ text: ANSWER, finishReason: 'stop', cached: false, provider });
      // The same usage as the whole answer asked without streaming (the fake counts both alike).
      const whole = await f.client.generate(ask('Tell me about streams.', 'trace-whole'));
      expect(whole.text).toBe(ANSWER);
      expect(result.usage).toEqual(whole.usage);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
      expect(result.costUsd).toBeCloseTo((result.usage.inputTokens * 1 + result.usage.outputTokens * 2) / 1e6, 12);
      expect(result.timeToFirstTokenMs).toBeGreaterThan(0);
      expect(result.timeToFirstTokenMs).toBeLessThanOrEqual(result.latencyMs);

      const sent = f.fake.requests[0]!.body;
      expect(sent.stream).toBe(true);
      if (provider !== 'anthropic') expect(sent.stream_options).toEqual({ include_usage: true });

      const [row] = await f.calls();
      expect(row).toMatchObject({ status: 'ok', response: ANSWER, finish_reason: 'stop', input_tokens: result.usage.inputTokens, output_tokens: result.usage.outputTokens });
      expect(row!.time_to_first_token_ms).toBeGreaterThan(0);
      expect(row!.time_to_first_token_ms).toBeLessThanOrEqual(row!.latency_ms);
    });

    it('stops at max_tokens with finish reason length', async () => {
      const f = await fixture(provider, { maxTokens: 3 });
      const { deltas, result } = await readAll(f.client.stream(ask()));
      expect(result.finishReason).toBe('length');
      expect(deltas.join('')).toBe(result.text);
      expect(ANSWER.startsWith(result.text)).toBe(true);
      expect(result.text.length).toBeLessThan(ANSWER.length);
      expect((await f.calls())[0]).toMatchObject({ status: 'ok', finish_reason: 'length' });
    });
  });
}

describe('a stream that goes wrong', () => {
  it('stalls: fails after the idle timeout (timeout_s), the provider sees the client leave, the call log keeps the text so far', async () => {
    const f = await fixture('openai', { timeoutS: 1 });
    f.fake.enqueue({ kind: 'stall', afterTokens: 2 });
    const { deltas, error } = await readUntilError(f.client.stream(ask()));
    expect(deltas).toEqual(TOKENS.slice(0, 2));
    expect(error.message).toBe('openai: the answer stalled: no event for 1 s (profile parameters.timeout_s)');
    const [stream] = await f.fake.streamsSettled();
    expect(stream).toMatchObject({ fault: 'stall', tokensSent: 2, end: 'client-disconnected' });
    const [row] = await f.calls();
    expect(row).toMatchObject({ status: 'error', response: TOKENS.slice(0, 2).join(''), error: error.message, finish_reason: null });
  });

  it('stalls before the first token (anthropic: after message_start and a ping): the same timeout', async () => {
    const f = await fixture('anthropic', { timeoutS: 1 });
    f.fake.enqueue({ kind: 'stall', afterTokens: 0 });
    const { deltas, error } = await readUntilError(f.client.stream(ask()));
    expect(deltas).toEqual([]);
    expect(error.message).toMatch(/^anthropic: the answer stalled: no event for 1 s/);
    const [row] = await f.calls();
    expect(row).toMatchObject({ status: 'error', response: '', time_to_first_token_ms: null });
  });

  for (const provider of ['openai', 'anthropic'] as const) {
    it(`${provider}: a connection cut mid-stream is an error with the partial text recorded`, async () => {
      const f = await fixture(provider);
      f.fake.enqueue({ kind: 'cut', afterTokens: 3 });
      const { deltas, error } = await readUntilError(f.client.stream(ask()));
      expect(deltas).toEqual(TOKENS.slice(0, 3));
      expect(error.message).toMatch(new RegExp(`^${provider}: the answer broke off mid-stream: the connection closed \\(.+\\)$`));
      expect(error.message).not.toContain('\n');
      expect((await f.fake.streamsSettled())[0]).toMatchObject({ end: 'cut', tokensSent: 3 });
      const [row] = await f.calls();
      expect(row).toMatchObject({ status: 'error', response: TOKENS.slice(0, 3).join(''), error: error.message });
      expect(row!.time_to_first_token_ms).toBeGreaterThan(0);
    });

    it(`${provider}: an event that is not JSON is an error, recorded`, async () => {
      const f = await fixture(provider);
      f.fake.enqueue({ kind: 'malformed', afterTokens: 1 });
      const { deltas, error } = await readUntilError(f.client.stream(ask()));
      expect(deltas).toEqual(TOKENS.slice(0, 1));
      expect(error.message).toMatch(new RegExp(`^${provider}: the answer broke off mid-stream: an event that is not valid JSON \\(.+\\)$`));
      expect((await f.calls())[0]).toMatchObject({ status: 'error', response: TOKENS[0] });
    });
  }

  it('an HTTP error before the stream starts is the SDK error, recorded with its status', async () => {
    const f = await fixture('anthropic');
    f.fake.enqueue({ kind: 'status', status: 400 });
    const { deltas, error } = await readUntilError(f.client.stream(ask()));
    expect(deltas).toEqual([]);
    expect((error as Error & { status?: number }).status).toBe(400);
    expect((await f.calls())[0]).toMatchObject({ status: 'error', response: '' });
  });
});

describe('cancelling a stream', () => {
  it("the caller's abort: the provider request is aborted, the call is recorded as cancelled with its text", async () => {
    const f = await fixture('anthropic');
    // It stalls after 3 tokens: the abort, not the answer's end, finishes the stream.
    f.fake.enqueue({ kind: 'stall', afterTokens: 3 });
    const controller = new AbortController();
    const reason = new Error('the user pressed Ctrl-C');
    const deltas: string[] = [];
    const thrown = await (async () => {
      for await (const event of f.client.stream(ask(), controller.signal)) {
        if (event.type !== 'text') continue;
        deltas.push(event.text);
        if (deltas.length === 2) controller.abort(reason);
      }
    })().catch((e: unknown) => e);
    expect(thrown).toBe(reason);
    expect(deltas).toEqual(TOKENS.slice(0, 2)); // nothing more after the abort
    const [stream] = await f.fake.streamsSettled();
    expect(stream!.end).toBe('client-disconnected');
    const [row] = await f.calls();
    expect(row).toMatchObject({ status: 'cancelled', response: deltas.join(''), error: 'cancelled: the caller aborted the request', finish_reason: null });
  });

  it('the consumer leaving the loop: the same (the request aborted, the call cancelled)', async () => {
    const f = await fixture('openai');
    f.fake.enqueue({ kind: 'stall', afterTokens: 3 });
    const deltas: string[] = [];
    for await (const event of f.client.stream(ask())) {
      if (event.type === 'text') deltas.push(event.text);
      if (deltas.length === 2) break;
    }
    const [stream] = await f.fake.streamsSettled();
    expect(stream).toMatchObject({ end: 'client-disconnected', tokensSent: 3 });
    const [row] = await f.calls();
    expect(row).toMatchObject({ status: 'cancelled', response: TOKENS.slice(0, 2).join(''), error: 'cancelled: the caller stopped reading the stream' });
  });
});

describe('the response cache', () => {
  it('a cached answer streams at once, as one delta, without a request', async () => {
    const f = await fixture('openai');
    const first = await readAll(f.client.stream(ask()));
    await f.client.remember(first.result);
    await f.client.flush();
    const again = await readAll(f.client.stream(ask('Tell me about streams.', 'trace-again')));
    expect(again.deltas).toEqual([ANSWER]);
    expect(again.result).toMatchObject({ text: ANSWER, cached: true, costUsd: 0, timeToFirstTokenMs: 0, callId: first.result.callId });
    expect(f.fake.requests).toHaveLength(1);
    expect(await f.calls()).toHaveLength(1); // a cache hit is not a call
  });
});

describe('secrets', () => {
  it('a key in the prompt, echoed back, is masked in the call log, for a whole answer and for a cut one', async () => {
    const f = await fixture('anthropic');
    const prompt = `my key is ${KEY}, please repeat it back`;
    f.fake.setResponder(({ messages }) => messages.at(-1)!.content);
    const { result } = await readAll(f.client.stream(ask(prompt, 't1')));
    expect(result.text).toBe(prompt); // the caller gets the model's answer as it is
    f.fake.enqueue({ kind: 'cut', afterTokens: 5 });
    await readUntilError(f.client.stream(ask(`${prompt}!`, 't2')));
    const rows = await f.calls();
    expect(rows.map((r) => r.status)).toEqual(['ok', 'error']);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(KEY);
    expect(rows[1]!.response).toBe('my key is ***, please');
  });
});
