import { describe, expect, it } from 'vitest';
import { createLlmClient } from '../../src/llm/client.js';
import type { CachedAnswer, CallLogRow, ResponseCache } from '../../src/store/call-log-types.js';
import { createGuardHook } from '../../src/llm/hooks/guard-hook.js';
import { createRedactHook } from '../../src/llm/hooks/redact-hook.js';
import { createStoreHook } from '../../src/llm/hooks/store-hook.js';
import { runTask } from '../../src/llm/tasks/run-task.js';
import { sentimentTask } from '../../src/llm/tasks/sentiment-task.js';
import { createRedactor } from '../../src/llm/secrets.js';
import { Logger } from '../../src/core/logger.js';
import type { ChatModel, Hook } from '../../src/llm/types.js';

/** A model with a queue of canned answers (the way simonw/llm tests its plugins). */
function scriptedModel(answers: (string | Error)[]): ChatModel & { calls: number } {
  const m = {
    provider: 'scripted',
    model: 'queue-1',
    calls: 0,
    async generate() {
      const next = answers[m.calls++];
      if (next === undefined) throw new Error('no more answers');
      if (next instanceof Error) throw next;
      return { text: next, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'stop' as const, latencyMs: 1 };
    },
  };
  return m;
}

const quiet = new Logger('quiet');
const req = (traceId = 't1') => ({ messages: [{ role: 'user' as const, content: 'hi' }], traceId });

function memoryCache(): ResponseCache & { map: Map<string, CachedAnswer> } {
  const map = new Map<string, CachedAnswer>();
  return { map, get: async (k) => map.get(k), put: async (k, e) => void map.set(k, e) };
}

describe('LLM client', () => {
  it('runs before hooks, the model, then after hooks, in the listed order', async () => {
    const order: string[] = [];
    const hook = (name: string): Hook => ({ name, before: () => void order.push(`before:${name}`), after: () => void order.push(`after:${name}`) });
    const a = hook('a');
    const b = hook('b');
    const client = createLlmClient({ model: scriptedModel(['ok']), hooks: { before: [a, b], after: [b, a] }, parameters: {}, logger: quiet, redact: (s) => s });
    await client.generate(req());
    expect(order).toEqual(['before:a', 'before:b', 'after:b', 'after:a']);
  });

  it('a failing hook is logged and never fails the call', async () => {
    const lines: string[] = [];
    const logger = new Logger('normal', { write: (s: string) => void lines.push(s) } as unknown as NodeJS.WritableStream);
    const boom: Hook = { name: 'boom', before: () => { throw new Error('before broke'); }, after: async () => { throw new Error('after broke'); } };
    const client = createLlmClient({ model: scriptedModel(['fine']), hooks: { before: [boom], after: [boom] }, parameters: {}, logger, redact: (s) => s });
    expect((await client.generate(req())).text).toBe('fine');
    expect(lines.join('')).toContain('hook boom (before) failed: before broke');
    expect(lines.join('')).toContain('hook boom (after) failed: after broke');
  });

  it('prices the call from the profile', async () => {
    const client = createLlmClient({ model: scriptedModel(['x']), hooks: { before: [], after: [] }, parameters: {}, price: { inputPerMTok: 1, outputPerMTok: 5 }, logger: quiet, redact: (s) => s });
    expect((await client.generate(req())).costUsd).toBeCloseTo((10 * 1 + 5 * 5) / 1e6, 12);
  });

  it('answers an identical request from the cache, and a different one from the model', async () => {
    const model = scriptedModel(['first', 'second']);
    const cache = memoryCache();
    const client = createLlmClient({ model, hooks: { before: [], after: [] }, parameters: { temperature: 0 }, cache, logger: quiet, redact: (s) => s });
    const first = await client.generate(req('a'));
    expect(first.text).toBe('first');
    await client.remember(first);
    const again = await client.generate(req('b'));
    expect(again).toMatchObject({ text: 'first', cached: true, costUsd: 0 });
    expect(model.calls).toBe(1);
    const other = await client.generate({ ...req('c'), messages: [{ role: 'user', content: 'something else' }] });
    expect(other.text).toBe('second');
    expect(model.calls).toBe(2);
  });

  it('caches nothing the caller did not accept: an answer that failed validation is asked again', async () => {
    const model = scriptedModel(['not json', 'not json either', '{"label":"positive","confidence":0.9}']);
    const cache = memoryCache();
    const client = createLlmClient({ model, hooks: { before: [], after: [] }, parameters: { temperature: 0 }, cache, logger: quiet, redact: (s) => s });
    const task = { ...sentimentTask, maxParseRetries: 0 };
    await expect(runTask(client, task, { text: 'Great.' }, { traceId: 't' })).rejects.toThrow(/no valid answer/);
    expect(cache.map.size).toBe(0);
    await expect(runTask(client, task, { text: 'Great.' }, { traceId: 't' })).rejects.toThrow(/no valid answer/);
    expect(model.calls).toBe(2); // asked again, not answered from the cache
  });

  it('guard repairs a prose-wrapped answer and never replaces a valid one', async () => {
    const rows: CallLogRow[] = [];
    const store = createStoreHook({ write: async (r) => void rows.push(r) });
    const client = createLlmClient({
      model: scriptedModel(['Here you go: {"label": "Negative", "confidence": 0.8,}', '{"label":"positive","confidence":0.9}']),
      hooks: { before: [], after: [createGuardHook(), store] },
      parameters: {},
      logger: quiet,
      redact: (s) => s,
    });
    const r1 = await client.generate({ ...req(), outputSchema: sentimentTask.schema });
    expect(JSON.parse(r1.text)).toEqual({ label: 'negative', confidence: 0.8 });
    expect(rows[0]!.repaired_from).toBe('Here you go: {"label": "Negative", "confidence": 0.8,}');
    const r2 = await client.generate({ ...req(), outputSchema: sentimentTask.schema });
    expect(r2.text).toBe('{"label":"positive","confidence":0.9}');
    expect(rows[1]!.repaired_from).toBeNull();
  });

  it('a task re-asks a malformed answer, at most maxParseRetries times, and only for parsing', async () => {
    const model = scriptedModel(['no idea', '{"label":"positive","confidence":0.75}']);
    const client = createLlmClient({ model, hooks: { before: [], after: [] }, parameters: {}, logger: quiet, redact: (s) => s });
    const out = await runTask(client, sentimentTask, { text: 'Great!' }, { traceId: 't' });
    expect(out).toMatchObject({ value: { label: 'positive', confidence: 0.75 }, attempts: 2 });

    const stubborn = scriptedModel(['no', 'still no', 'never', 'extra']);
    const c2 = createLlmClient({ model: stubborn, hooks: { before: [], after: [] }, parameters: {}, logger: quiet, redact: (s) => s });
    await expect(runTask(c2, sentimentTask, { text: 'x' }, { traceId: 't' })).rejects.toThrow('sentiment: no valid answer after 3 attempts');
    expect(stubborn.calls).toBe(3);

    const down = scriptedModel([Object.assign(new Error('connection reset'), { status: undefined })]);
    const c3 = createLlmClient({ model: down, hooks: { before: [], after: [] }, parameters: {}, logger: quiet, redact: (s) => s });
    await expect(runTask(c3, sentimentTask, { text: 'x' }, { traceId: 't' })).rejects.toThrow('connection reset');
    expect(down.calls).toBe(1); // a network failure is not re-asked by the task
  });

  it('redaction: a canary key in the prompt or error never reaches the call log', async () => {
    const canary = 'sk-canary-0123456789abcdef';
    const rows: CallLogRow[] = [];
    const store = createStoreHook({ write: async (r) => void rows.push(r) });
    const env = { ...process.env, OPENAI_API_KEY: 'plainvalue-secret-42' };
    const client = createLlmClient({
      model: scriptedModel([`echo ${canary} and plainvalue-secret-42`, new Error(`401 bad key ${canary}`)]),
      hooks: { before: [createRedactHook(['\\bACCT-\\d+\\b'])], after: [store] },
      parameters: {},
      logger: quiet,
      redact: createRedactor(env),
    });
    await client.generate({ messages: [{ role: 'user', content: `my key is ${canary}, account ACCT-991` }], traceId: 't' });
    await expect(client.generate(req())).rejects.toThrow();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(canary);
    expect(dump).not.toContain('plainvalue-secret-42');
    expect(dump).not.toContain('ACCT-991');
    expect(dump).toContain('***');
    expect(rows[1]).toMatchObject({ status: 'error' });
  });
});
