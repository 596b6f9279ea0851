import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../src/core/logger.js';
import { createOpenAIModel } from '../../src/llm/adapters/openai-model.js';
import { createLlmClient } from '../../src/llm/client.js';
import { createClientFromEnv } from '../../src/llm/create-client.js';
import { resolveEnv } from '../../src/llm/profiles/load-profiles.js';
import type { Hook, LlmCall } from '../../src/llm/types.js';
import { startFakeLangfuse, type FakeLangfuse, type ReceivedSpan } from '../fakes/langfuse-otel-server.js';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import type { FakeLlmServer } from '../fakes/fake-llm-server.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';
import { ANSWER, KEY, TOKENS, ask, readAll, streamFixture, type StreamFixture } from './stream-fixture.js';

// What the hooks see of a streamed call: one whole call, once it ended, with its time to first
// token; Langfuse gets the generation with completionStartTime, a cancelled one as a warning.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

async function fixture(...args: Parameters<typeof streamFixture>): Promise<StreamFixture> {
  const f = await streamFixture(...args);
  cleanups.push(() => f.close());
  return f;
}

async function fakeOpenAI(opts: Parameters<typeof startFakeOpenAI>[0]): Promise<FakeLlmServer> {
  const server = await startFakeOpenAI(opts);
  cleanups.push(() => server.close());
  return server;
}

const LF_PUBLIC = 'pk-lf-stream-0123456789';
const LF_SECRET = 'sk-lf-stream-secret-0123456789';

async function langfuse(): Promise<FakeLangfuse> {
  const server = await startFakeLangfuse({ publicKey: LF_PUBLIC, secretKey: LF_SECRET });
  cleanups.push(() => server.close());
  Object.assign(process.env, { LANGFUSE_PUBLIC_KEY: LF_PUBLIC, LANGFUSE_SECRET_KEY: LF_SECRET, LANGFUSE_BASE_URL: server.url });
  return server;
}

const attr = (s: ReceivedSpan, key: string) => s.attributes[`langfuse.observation.${key}`];
const nanosToMs = (nanos: string) => Number(BigInt(nanos) / 1_000_000n);

describe('hooks around a streamed call', () => {
  it('after-hooks run once, when the stream ended, and see the whole call; the rpm schedule wraps the request once', async () => {
    const fake = await fakeOpenAI({ apiKey: KEY, firstTokenDelayMs: 150 });
    fake.setResponder(() => ANSWER);
    const seen: { phase: string; deltasSoFar: number; call: LlmCall }[] = [];
    let deltas = 0;
    const recorder: Hook = {
      name: 'recorder',
      before: (call) => void seen.push({ phase: 'before', deltasSoFar: deltas, call: structuredClone({ ...call, redact: undefined }) as never }),
      after: (call) => void seen.push({ phase: 'after', deltasSoFar: deltas, call: structuredClone({ ...call, redact: undefined, request: undefined }) as never }),
    };
    let scheduled = 0;
    const client = createLlmClient({
      model: await createOpenAIModel({ provider: 'openai', model: 'gpt-4o-mini', apiKey: KEY, baseURL: fake.url, maxRetries: 0 }),
      hooks: { before: [recorder], after: [recorder] },
      parameters: {},
      logger: new Logger('quiet'),
      redact: (s) => s,
      schedule: (fn) => {
        scheduled++;
        return fn();
      },
    });
    let result;
    for await (const event of client.stream(ask())) {
      if (event.type === 'text') deltas++;
      else result = event.result;
    }
    expect(seen.map((s) => [s.phase, s.deltasSoFar])).toEqual([
      ['before', 0],
      ['after', TOKENS.length], // after the last delta, before `done`
    ]);
    const after = seen[1]!.call;
    expect(after.error).toBeUndefined();
    expect(after.result).toMatchObject({ text: ANSWER, finishReason: 'stop', usage: result!.usage });
    // The fake waited 150 ms before the first token: a lower bound, whatever the machine's load.
    expect(after.result!.timeToFirstTokenMs).toBeGreaterThanOrEqual(145);
    expect(after.result!.timeToFirstTokenMs).toBeLessThanOrEqual(after.result!.latencyMs);
    expect(result!.timeToFirstTokenMs).toBe(after.result!.timeToFirstTokenMs);
    expect(scheduled).toBe(1);
  });

  it('langfuse: one generation with the whole output, usage and completion start time; a cancelled one is a warning with its partial output', async () => {
    const lf = await langfuse();
    const f = await fixture('openai', { hooks: { before: ['langfuse'], after: ['store', 'langfuse'] } });
    f.fake.setFirstTokenDelay(100);
    const { result } = await readAll(f.client.stream(ask('Tell me about streams.', 'a'.repeat(32))));
    f.fake.enqueue({ kind: 'stall', afterTokens: 2 });
    for await (const event of f.client.stream(ask('And again?', 'b'.repeat(32)))) {
      if (event.type === 'text' && event.text === TOKENS[1]) break;
    }
    await f.client.shutdown();

    const spans = lf.spans();
    expect(spans).toHaveLength(2);
    const ok = spans.find((s) => s.traceId === 'a'.repeat(32))!;
    expect(attr(ok, 'output')).toBe(ANSWER);
    expect(JSON.parse(attr(ok, 'usage_details') as string)).toEqual({ input: result.usage.inputTokens, output: result.usage.outputTokens, total: result.usage.inputTokens + result.usage.outputTokens });
    expect(attr(ok, 'level')).toBeUndefined();
    const firstToken = Date.parse(JSON.parse(attr(ok, 'completion_start_time') as string));
    // Between the start and the end of the generation, at least the fake's 100 ms in.
    expect(firstToken - nanosToMs(ok.startTimeUnixNano)).toBeGreaterThanOrEqual(95);
    expect(firstToken).toBeLessThanOrEqual(nanosToMs(ok.endTimeUnixNano));
    expect(attr(ok, 'metadata.timeToFirstTokenMs')).toBe(String(Math.round(result.timeToFirstTokenMs)));

    const cancelled = spans.find((s) => s.traceId === 'b'.repeat(32))!;
    expect(attr(cancelled, 'level')).toBe('WARNING');
    expect(attr(cancelled, 'status_message')).toBe('cancelled: the caller stopped reading the stream');
    expect(attr(cancelled, 'output')).toBe(TOKENS.slice(0, 2).join(''));
    expect(cancelled.status.code).not.toBe(2); // not an error
    expect(JSON.stringify(spans)).not.toContain(LF_SECRET);
  });

  it('log: a cancelled call is not a warning; a broken stream is, on one line', async () => {
    const lines: string[] = [];
    const logger = new Logger('normal', { write: (s: string) => void lines.push(s) } as unknown as NodeJS.WritableStream);
    const f = await fixture('anthropic', { hooks: { before: [], after: ['log'] }, logger });
    f.fake.enqueue({ kind: 'stall', afterTokens: 1 });
    for await (const event of f.client.stream(ask())) if (event.type === 'text') break;
    expect(lines).toEqual([]);
    f.fake.enqueue({ kind: 'malformed', afterTokens: 1 });
    await readAll(f.client.stream(ask())).catch(() => {});
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^✗ anthropic\/claude-haiku-4-5 trace=trace-stream: anthropic: the answer broke off mid-stream: an event that is not valid JSON .*\n$/);
  });
});

describe('provider modules', () => {
  async function moduleClient(module: string) {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const file = join(dir.path, `${module}.toml`);
    const spec = join(REPO, 'test', 'fixtures', 'extensions', `${module}.mjs`);
    writeFileSync(file, `default_env = "e"\n[envs.e]\nprofile = "p"\nhookset = "h"\n[profiles.p]\nprovider = "${spec}#provider"\nmodel = "m1"\n[hooksets.h]\nbefore = []\nafter = []\n`);
    return createClientFromEnv(await resolveEnv({ profiles: file, env: 'e' }), { logger: new Logger('quiet') });
  }

  it('one without stream() still streams: the whole answer as one delta', async () => {
    const client = await moduleClient('canned-provider');
    const { deltas, result } = await readAll(client.stream({ ...ask('Is this good?'), outputName: 'sentiment' }));
    expect(deltas).toEqual([result.text]);
    expect(JSON.parse(result.text)).toEqual({ label: 'positive', confidence: 0.7 });
    expect(result.timeToFirstTokenMs).toBe(result.latencyMs);
  });

  it('one with stream() streams token by token through it', async () => {
    const client = await moduleClient('streaming-provider');
    const { deltas, result } = await readAll(client.stream(ask('hello there')));
    expect(deltas).toEqual(['module', ' says:', ' hello', ' there']);
    expect(result).toMatchObject({ text: 'module says: hello there', provider: 'streamer', finishReason: 'stop', usage: { inputTokens: 2, outputTokens: 3 } });
  });
});
