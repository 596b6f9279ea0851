import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { ENGINES, engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';
import { BIN, REPO, ndjson, runCli } from '../helpers/cli.js';
import { seedDocuments } from '../helpers/seed.js';
import { startFakeAnthropic } from '../fakes/anthropic-server.js';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import { defaultResponder, type FakeLlmServer } from '../fakes/fake-llm-server.js';
import { storedSentences } from '../helpers/sentences.js';

const CANARY = 'sk-ant-canary-7f3a9c1e5b2d4680';
const REPO_TASKS = join(REPO, 'tasks');
const dir = tempDir();
afterAll(() => dir.remove());

/** `n` documents of 4 sentences each, stored and split in-process into a fresh database. */
async function prepared(engine: 'sqlite' | 'postgres', n: number) {
  const fresh = await freshDatabase(engine);
  const db = await openDatabase(parseDatabaseUrl(fresh.url));
  const records = Array.from({ length: n }, (_, i) => ({ id: `d${i}`, text: `Doc ${i} is great. Doc ${i} is terrible! Doc ${i} is on Tuesday. Is doc ${i} good?` }));
  await seedDocuments(db, records, { split: true });
  return {
    url: fresh.url,
    db,
    cleanup: async () => {
      await db.close();
      await fresh.cleanup();
    },
  };
}

async function resultsState(db: Db) {
  const sentences = await db.db.selectFrom('sentences').select('id').execute();
  const results = await db.db.selectFrom('results').selectAll().execute();
  const calls = await db.db.selectFrom('llm_calls').selectAll().execute();
  const perSentence = new Map<string, number>();
  for (const r of results) perSentence.set(r.sentence_id, (perSentence.get(r.sentence_id) ?? 0) + 1);
  return { sentences: sentences.length, results, calls, perSentence, everyOnce: sentences.every((s) => perSentence.get(s.id) === 1) };
}

describe('llmops analyse, offline (no key, no network)', () => {
  it('gives every sentence one result from the local classifier, linked to its call', async () => {
    const p = await prepared('sqlite', 5);
    try {
      const r = await runCli(['--db', p.url, 'analyse']);
      expect(r.code, r.stderr).toBe(0);
      expect(ndjson(r.stdout)[0]).toMatchObject({ command: 'analyse', model: 'local/llmops-lexicon-v2', done: 20, failed: 0 });
      const s = await resultsState(p.db);
      expect(s.everyOnce).toBe(true);
      const bySentence = new Map((await storedSentences(p.db)).map((x) => [x.id, x.text]));
      const label = (text: string) => s.results.find((x) => bySentence.get(x.sentence_id) === text)?.label;
      expect(label('Doc 0 is great.')).toBe('positive');
      expect(label('Doc 0 is terrible!')).toBe('negative');
      expect(label('Doc 0 is on Tuesday.')).toBe('neutral');
      for (const x of s.results) {
        expect(x).toMatchObject({ status: 'ok', provider: 'local', model: 'llmops-lexicon-v2', task: 'sentiment', task_version: 1 });
        expect(x.trace_id).toMatch(/^[0-9a-f]{32}$/);
        if (!x.cached) expect(s.calls.find((c) => c.id === x.llm_call_id)?.trace_id).toBe(x.trace_id);
      }
      const again = await runCli(['--db', p.url, 'analyse']);
      expect(ndjson(again.stdout)[0]).toMatchObject({ done: 0, note: 'nothing new to analyse' });
    } finally {
      await p.cleanup();
    }
  });

  it('--watch analyses sentences as they arrive and stops cleanly on SIGINT; polls that find nothing record no run', async () => {
    const p = await prepared('sqlite', 1);
    try {
      const child = spawn(process.execPath, [BIN, '--db', p.url, 'analyse', '--watch', '1s'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (b) => (stdout += b));
      const results = async () => Number((await p.db.db.selectFrom('results').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      for (let i = 0; i < 400 && (await results()) < 4; i++) await sleep(25);
      expect(await results()).toBe(4);
      await seedDocuments(p.db, [{ id: 'late', text: 'A late arrival. It is wonderful.' }], { split: true });
      for (let i = 0; i < 800 && (await results()) < 6; i++) await sleep(25);
      expect(await results()).toBe(6);
      await sleep(2500); // idle polls
      child.kill('SIGINT');
      expect(await new Promise((r) => child.on('close', r))).toBe(0);
      expect(ndjson(stdout).map((x) => x.done)).toEqual([4, 2]);
      expect((await p.db.db.selectFrom('runs').select('id').where('command', '=', 'analyse').execute()).length).toBe(2);
    } finally {
      await p.cleanup();
    }
  });

  it('--text prints one result; --in - --out - streams without a store', async () => {
    const d = tempDir();
    const one = await runCli(['analyse', '--text', 'The food was absolutely wonderful.'], { cwd: d.path });
    expect(one.code).toBe(0);
    expect(ndjson(one.stdout)[0]).toMatchObject({ label: 'positive', provider: 'local', status: 'ok' });
    // An empty text (an unset variable, say) is a usage error, not a result.
    const empty = await runCli(['analyse', '--text', ' '], { cwd: d.path });
    expect([empty.code, empty.stderr]).toEqual([2, expect.stringContaining("option '--text <text>' argument ' ' is invalid. expected text, got an empty value")]);
    const input = ['{"id":"a","text":"I hate waiting in line."}', '{"id":"b","text":"The meeting is at noon."}'].join('\n');
    const s = await runCli(['analyse', '--in', '-', '--out', '-'], { input, cwd: d.path });
    expect(s.code).toBe(0);
    expect(ndjson(s.stdout).map((x) => [x.id, x.label])).toEqual([
      ['a', 'negative'],
      ['b', 'neutral'],
    ]);
    // Ids beyond 2^53 keep their exact digits (as strings), so results join back to their inputs.
    const big = '{"id":9007199254740992,"text":"I hate waiting."}\n{"id":9007199254740993,"text":"Lovely."}\n';
    // Each bad record says what is wrong with it, in ingest's words.
    const bad = await runCli(['analyse', '--in', '-', '--skip-invalid'], { input: '{"text":5}\n{"body":["x"]}\n{"text":"  "}\n{"x":1}\n', cwd: d.path });
    expect(bad.code).toBe(3);
    expect(bad.stderr.split('\n').slice(0, 4)).toEqual([
      '<stdin>:1: field "text" must be a string, got number',
      '<stdin>:2: field "body" must be a string, got array',
      '<stdin>:3: field "text" is empty',
      '<stdin>:4: missing text field (text, content, body)',
    ]);
    const e = tempDir();
    const b = await runCli(['analyse', '--in', '-', '--out', '-'], { input: big, cwd: e.path });
    expect(b.code).toBe(0);
    expect(ndjson(b.stdout).map((x) => x.id)).toEqual(['9007199254740992', '9007199254740993']);
    expect(existsSync(join(e.path, '.llmops'))).toBe(false); // no database named: none made
    // A database named: it records the calls (and caches them), and stores no result.
    const named = join(e.path, 'calls.db');
    expect((await runCli(['--db', named, 'analyse', '--in', '-', '--out', '-'], { input: big, cwd: e.path })).code).toBe(0);
    const db = await openDatabase(parseDatabaseUrl(named));
    try {
      expect((await db.db.selectFrom('llm_calls').select('id').execute()).length).toBe(2);
      expect(await db.db.selectFrom('results').select('id').execute()).toEqual([]);
    } finally {
      await db.close();
      e.remove();
    }
    d.remove();
  });
});

describe('llmops analyse through the provider SDKs (local fake servers)', () => {
  let anthropic: FakeLlmServer;
  let openai: FakeLlmServer;
  let ollama: FakeLlmServer;
  beforeAll(async () => {
    anthropic = await startFakeAnthropic({ apiKey: CANARY });
    openai = await startFakeOpenAI({ apiKey: 'sk-openai-canary-1234567890' });
    ollama = await startFakeOpenAI({ requireKey: false });
  });
  afterAll(async () => {
    await anthropic?.close();
    await openai?.close();
    await ollama?.close();
  });
  const anthropicEnv = () => ({ ANTHROPIC_API_KEY: CANARY, ANTHROPIC_BASE_URL: anthropic.url });

  it('a "sentence" split found no end in (60,000 characters of words) fails with its length, not the memory of the run; the others are analysed', async () => {
    const d = tempDir();
    const db = join(d.path, 'long.db');
    const docs = join(d.path, 'docs.jsonl');
    writeFileSync(docs, `${JSON.stringify({ id: 'long', text: 'word '.repeat(12_000) })}\n${JSON.stringify({ id: 'short', text: 'I love this phone.' })}\n`);
    expect((await runCli(['--db', db, 'ingest', docs])).code).toBe(0);
    expect((await runCli(['--db', db, 'split'])).code).toBe(0);
    const r = await runCli(['--db', db, 'analyse']);
    expect(r.code).toBe(3);
    const results = ndjson((await runCli(['--db', db, 'inspect', 'results', '--json'])).stdout);
    expect(results.map((x) => [x.status, x.label]).sort()).toEqual([
      ['failed', null],
      ['ok', 'positive'],
    ]);
    const opened = await openDatabase(parseDatabaseUrl(db));
    try {
      const failed = await opened.db.selectFrom('results').select('error').where('status', '=', 'failed').executeTakeFirstOrThrow();
      expect(failed.error).toBe('text of 59,999 characters, longer than analyse gives a model (50,000): not a sentence (no sentence end found in it?)');
    } finally {
      await opened.close();
      d.remove();
    }
  });

  it('Anthropic: retries 429 (retry-after) and 500, repairs prose-wrapped JSON, re-asks malformed answers; no key leaks', async () => {
    const p = await prepared('sqlite', 3);
    try {
      anthropic.enqueue(
        { kind: 'status', status: 429, retryAfterSeconds: 1 },
        { kind: 'status', status: 500 },
        { kind: 'text', text: 'Sure thing! ```json\n{"label": "Positive", "confidence": 0.9,}\n```' },
        { kind: 'text', text: 'I cannot decide.' },
      );
      const before = anthropic.requests.length;
      const r = await runCli(['--db', p.url, 'analyse', '--env', 'anthropic', '--concurrency', '1', '--no-cache', '-v'], { env: anthropicEnv() });
      expect(r.code, r.stderr).toBe(0);
      expect(ndjson(r.stdout)[0]).toMatchObject({ model: 'anthropic/claude-haiku-4-5', done: 12, failed: 0 });
      // 12 sentences + 2 network retries + 1 re-ask.
      expect(anthropic.requests.length - before).toBe(15);
      const s = await resultsState(p.db);
      expect(s.everyOnce).toBe(true);
      expect(s.calls.filter((c) => c.repaired_from !== null)).toHaveLength(1);
      expect(s.calls.reduce((n, c) => n + c.input_tokens, 0)).toBeGreaterThan(0);
      expect(s.calls.every((c) => c.cost_usd > 0)).toBe(true);
      const dump = JSON.stringify(await p.db.db.selectFrom('llm_calls').selectAll().execute()) + JSON.stringify(await p.db.db.selectFrom('runs').selectAll().execute());
      expect(dump + r.stdout + r.stderr).not.toContain(CANARY);
    } finally {
      await p.cleanup();
    }
  });

  it('OpenAI and Ollama (OpenAI-compatible) envs answer through the openai SDK', async () => {
    const p = await prepared('sqlite', 1);
    try {
      const o = await runCli(['--db', p.url, 'analyse', '--env', 'openai', '--limit', '2'], { env: { OPENAI_API_KEY: 'sk-openai-canary-1234567890', OPENAI_BASE_URL: openai.url } });
      expect(o.code, o.stderr).toBe(0);
      expect(ndjson(o.stdout)[0]).toMatchObject({ model: 'openai/gpt-4o-mini', done: 2 });
      const last = openai.requests.at(-1)!;
      expect(last.path).toBe('/v1/chat/completions');
      expect(last.body.response_format).toEqual({ type: 'json_object' });
      const ollamaHost = ollama.url.replace(/\/v1$/, '');
      const l = await runCli(['--db', p.url, 'analyse', '--env', 'ollama'], { env: { OLLAMA_HOST: ollamaHost } });
      expect(l.code, l.stderr).toBe(0);
      expect(ndjson(l.stdout)[0]).toMatchObject({ model: 'ollama/llama3.2', done: 2 });
      expect(ollama.requests.at(-1)!.body.model).toBe('llama3.2');
    } finally {
      await p.cleanup();
    }
  });

  it('a sentence that still fails after retries is recorded with its reason, exit 3, and the next run retries it', async () => {
    const p = await prepared('sqlite', 1);
    const profiles = join(dir.path, 'few-retries.toml');
    writeFileSync(
      profiles,
      `default_env = "a"\n[envs.a]\nprofile = "p"\nhookset = "h"\n[profiles.p]\nprovider = "anthropic"\nmodel = "claude-haiku-4-5"\nparameters = { max_retries = 1, timeout_s = 5 }\n[hooksets.h]\nbefore = []\nafter = ["guard", "store"]\n`,
    );
    try {
      anthropic.enqueue({ kind: 'status', status: 500 }, { kind: 'status', status: 503 });
      const r = await runCli(['--db', p.url, 'analyse', '--profiles', profiles, '--concurrency', '1', '--no-cache'], { env: anthropicEnv() });
      expect(r.code).toBe(3);
      expect(ndjson(r.stdout)[0]).toMatchObject({ done: 3, failed: 1 });
      const failed = (await resultsState(p.db)).results.filter((x) => x.status === 'failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]!.error).toMatch(/503|Service Unavailable|overloaded|api_error/i);
      const again = await runCli(['--db', p.url, 'analyse', '--profiles', profiles, '--no-cache'], { env: anthropicEnv() });
      expect(again.code).toBe(0);
      expect(ndjson(again.stdout)[0]).toMatchObject({ done: 1, failed: 0 });
      const s = await resultsState(p.db);
      expect(s.everyOnce).toBe(true);
      expect(s.results.every((x) => x.status === 'ok')).toBe(true);
    } finally {
      await p.cleanup();
    }
  });

  it('a dropped connection and a response slower than the timeout are retried by the SDK', async () => {
    const p = await prepared('sqlite', 1);
    const profiles = join(dir.path, 'short-timeout.toml');
    writeFileSync(
      profiles,
      `default_env = "a"\n[envs.a]\nprofile = "p"\nhookset = "h"\n[profiles.p]\nprovider = "anthropic"\nmodel = "claude-haiku-4-5"\nparameters = { max_retries = 2, timeout_s = 1 }\n[hooksets.h]\nbefore = []\nafter = ["guard", "store"]\n`,
    );
    try {
      anthropic.enqueue({ kind: 'drop' }, { kind: 'delay', ms: 2500 });
      const before = anthropic.requests.length;
      const r = await runCli(['--db', p.url, 'analyse', '--profiles', profiles, '--concurrency', '1', '--no-cache'], { env: anthropicEnv() });
      expect(r.code, r.stderr).toBe(0);
      expect(ndjson(r.stdout)[0]).toMatchObject({ done: 4, failed: 0 });
      expect(anthropic.requests.length - before).toBeGreaterThanOrEqual(5); // 4 answers + the dropped one (+ the slow one)
      expect((await resultsState(p.db)).everyOnce).toBe(true);
    } finally {
      await p.cleanup();
    }
  });

  it('with the traced hookset every call reaches Langfuse under the trace id stored with its result', async () => {
    const { startFakeLangfuse } = await import('../fakes/langfuse-otel-server.js');
    const langfuse = await startFakeLangfuse({ publicKey: 'pk-lf-test-1234', secretKey: 'sk-lf-test-5678' });
    const p = await prepared('sqlite', 1);
    try {
      const r = await runCli(['--db', p.url, 'analyse', '--env', 'production', '--no-cache'], {
        env: { ...anthropicEnv(), LANGFUSE_PUBLIC_KEY: 'pk-lf-test-1234', LANGFUSE_SECRET_KEY: 'sk-lf-test-5678', LANGFUSE_BASE_URL: langfuse.url },
      });
      expect(r.code, r.stderr).toBe(0);
      const s = await resultsState(p.db);
      const generations = langfuse.spans().filter((x) => x.attributes['langfuse.observation.type'] === 'generation');
      expect(generations).toHaveLength(4);
      expect(new Set(generations.map((g) => g.traceId))).toEqual(new Set(s.results.map((x) => x.trace_id)));
      for (const g of generations) {
        expect(g.attributes['langfuse.observation.model.name']).toBe('claude-haiku-4-5');
        expect(String(g.attributes['langfuse.observation.output'])).toMatch(/label/);
        expect(String(g.attributes['langfuse.observation.usage_details'])).toMatch(/input/);
      }
      expect(JSON.stringify(langfuse.spans())).not.toContain(CANARY);
    } finally {
      await langfuse.close();
      await p.cleanup();
    }
  });

  it('a rejected API key stops the run with a clear error (exit 2), not one failure per sentence', async () => {
    const p = await prepared('sqlite', 2);
    try {
      const r = await runCli(['--db', p.url, 'analyse', '--env', 'anthropic'], { env: { ANTHROPIC_API_KEY: 'sk-ant-wrong-key-000000', ANTHROPIC_BASE_URL: anthropic.url } });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/provider rejected the request \(401\)/);
      expect(r.stderr).not.toContain('sk-ant-wrong-key-000000');
      expect((await resultsState(p.db)).results).toHaveLength(0);
    } finally {
      await p.cleanup();
    }
  });

  it('identical requests come from the cache; --no-cache asks again', async () => {
    const d = tempDir();
    const env = { ...anthropicEnv(), LLMOPS_DB: join(d.path, 'c.db') };
    const n0 = anthropic.requests.length;
    const a = await runCli(['analyse', '--env', 'anthropic', '--text', 'What a lovely day.'], { env, cwd: d.path });
    const b = await runCli(['analyse', '--env', 'anthropic', '--text', 'What a lovely day.'], { env, cwd: d.path });
    expect(ndjson(a.stdout)[0].cached).toBe(false);
    expect(ndjson(b.stdout)[0]).toMatchObject({ cached: true, label: ndjson(a.stdout)[0].label });
    expect(anthropic.requests.length - n0).toBe(1);
    await runCli(['analyse', '--env', 'anthropic', '--no-cache', '--text', 'What a lovely day.'], { env, cwd: d.path });
    expect(anthropic.requests.length - n0).toBe(2);
    d.remove();
  });

  it('an answer that failed validation is not cached: the rerun asks the provider again', async () => {
    const p = await prepared('sqlite', 1);
    const { defaultResponder } = await import('../fakes/fake-llm-server.js');
    // Other tests ask about the same texts: count only this test's requests.
    const before = anthropic.requests.length;
    const asked = () => anthropic.requests.slice(before).filter((r) => JSON.stringify(r.body.messages[0]).includes('Doc 0 is great.')).length;
    anthropic.setResponder((input) => (input.messages[0]!.content.includes('Doc 0 is great.') ? 'I would rather not say.' : defaultResponder(input)));
    try {
      const first = await runCli(['--db', p.url, 'analyse', '--env', 'anthropic', '--concurrency', '1'], { env: anthropicEnv() });
      expect(first.code, first.stderr).toBe(3);
      expect(ndjson(first.stdout)[0]).toMatchObject({ done: 3, failed: 1 });
      const n1 = asked();
      expect(n1).toBeGreaterThan(0);
      // Same bad answers: the failure is asked again (not replayed from the cache), and fails again.
      const second = await runCli(['--db', p.url, 'analyse', '--env', 'anthropic', '--concurrency', '1'], { env: anthropicEnv() });
      expect(second.code).toBe(3);
      expect(ndjson(second.stdout)[0]).toMatchObject({ done: 0, failed: 1, cached: 0 });
      expect(asked()).toBe(2 * n1);
      // The provider recovers: the rerun gets the answer, without --no-cache.
      anthropic.setResponder(defaultResponder);
      const third = await runCli(['--db', p.url, 'analyse', '--env', 'anthropic'], { env: anthropicEnv() });
      expect(third.code, third.stderr).toBe(0);
      expect(ndjson(third.stdout)[0]).toMatchObject({ done: 1, failed: 0, cached: 0 });
      expect((await resultsState(p.db)).results.every((x) => x.status === 'ok')).toBe(true);
    } finally {
      anthropic.setResponder(defaultResponder);
      await p.cleanup();
    }
  });

  it('--concurrency 16 prints no MaxListenersExceededWarning', async () => {
    const p = await prepared('sqlite', 8);
    anthropic.setLatency(30);
    try {
      const r = await runCli(['--db', p.url, 'analyse', '--env', 'anthropic', '--concurrency', '16', '--no-cache'], { env: anthropicEnv() });
      expect(r.code, r.stderr).toBe(0);
      expect(ndjson(r.stdout)[0]).toMatchObject({ done: 32 });
      expect(r.stderr).not.toMatch(/MaxListeners|memory leak/);
    } finally {
      anthropic.setLatency(0);
      await p.cleanup();
    }
  });

  it('--rpm holds back the next call: at one a minute, the first call is answered before a second one starts', async () => {
    // The spacing itself is asserted on a fake clock in test/llm/rate-limit.test.ts; here only
    // that the flag reaches the client, by order: with 8 slots free and 4 sentences waiting, an
    // unthrottled run sends all 4 at once, a throttled one sends 1 and the next only after 60 s.
    const p = await prepared('sqlite', 1);
    const before = anthropic.requests.length;
    const child = spawn(process.execPath, [BIN, '--db', p.url, 'analyse', '--env', 'anthropic', '--rpm', '1', '--concurrency', '8', '--no-cache', '-v'], {
      env: { ...process.env, ...anthropicEnv() },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      // -v logs "← provider/model …" on stderr when a call has been answered.
      const firstAnswer = await new Promise<boolean>((resolve) => {
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (d) => {
          stderr += d;
          if (/← anthropic\//.test(stderr)) resolve(true);
        });
        child.on('close', () => resolve(false));
      });
      expect(firstAnswer).toBe(true);
      expect(anthropic.requests.length - before).toBe(1);
    } finally {
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.on('close', r));
      await p.cleanup();
    }
  });

  /** analyse of the database at `url` as a child process, the fake answering `n` calls and holding the rest until `release`. */
  function analyseHeldAfter(url: string, n: number) {
    let answered = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    anthropic.setResponder(async (input) => {
      if (++answered > n) await held;
      return defaultResponder(input);
    });
    const child = spawn(process.execPath, [BIN, '--db', url, 'analyse', '--env', 'anthropic', '--concurrency', '4', '--no-cache'], {
      env: { ...process.env, ...anthropicEnv() },
      stdio: 'ignore',
    });
    let exited = false;
    const closed = new Promise((r) => child.on('close', r)).then(() => (exited = true));
    return { child, closed, release: () => release(), exited: () => exited, answered: () => answered };
  }

  for (const engine of ENGINES) {
    describe.skipIf(engineMissing(engine))(engine, () => {
      it('kill -9 in the middle, then a rerun: every sentence has exactly one result', async () => {
        const p = await prepared(engine, 60);
        // The fake answers 200 of the 240 calls, then holds the rest: the run is stopped in the
        // middle whatever the machine's speed (200 answers fill one write batch, so some are stored).
        const run = analyseHeldAfter(p.url, 200);
        const { child, closed, release } = run;
        try {
          const stored = async () => Number((await p.db.db.selectFrom('results').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
          while (!run.exited() && (await stored()) === 0) await sleep(20);
          child.kill('SIGKILL');
          await closed;
          const mid = await resultsState(p.db);
          expect(mid.results.length).toBeGreaterThan(0);
          expect(mid.results.length).toBeLessThanOrEqual(200);
          release();
          anthropic.setResponder(defaultResponder);
          const r = await runCli(['--db', p.url, 'analyse', '--env', 'anthropic', '--concurrency', '8', '--no-cache'], { env: anthropicEnv() });
          expect(r.code, r.stderr).toBe(0);
          const after = await resultsState(p.db);
          expect(after.results).toHaveLength(240);
          expect(after.everyOnce).toBe(true);
        } finally {
          release();
          anthropic.setResponder(defaultResponder);
          if (!run.exited()) child.kill('SIGKILL');
          await p.cleanup();
        }
      });

      it('kill -9 before any result is stored: no call row is stored without its result, and after the rerun each sentence has one call row', async () => {
        const p = await prepared(engine, 60);
        // 150 answers: more than the call log commits on its own (100 rows), fewer than a write
        // batch of results (200); the rest are held, so the process dies with its results unwritten.
        const run = analyseHeldAfter(p.url, 150);
        const { child, closed, release } = run;
        const count = async (table: 'llm_calls' | 'results') => Number((await p.db.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
        const orphans = async () => (await p.db.db.selectFrom('llm_calls as c').select('c.id').where('c.status', '=', 'ok').where((eb) => eb.not(eb.exists(eb.selectFrom('results as r').select('r.id').whereRef('r.llm_call_id', '=', 'c.id')))).execute()).length;
        try {
          while (!run.exited() && run.answered() < 150) await sleep(20);
          // A call log that commits on its own does so at once; give it a moment to, then kill.
          for (let i = 0; i < 40 && !run.exited() && (await count('llm_calls')) === 0; i++) await sleep(50);
          child.kill('SIGKILL');
          await closed;
          expect(await orphans()).toBe(0);
          release();
          anthropic.setResponder(defaultResponder);
          const r = await runCli(['--db', p.url, 'analyse', '--env', 'anthropic', '--concurrency', '8', '--no-cache'], { env: anthropicEnv() });
          expect(r.code, r.stderr).toBe(0);
          expect(await count('results')).toBe(240);
          expect(await count('llm_calls')).toBe(240); // the rerun asked only what was not stored
          expect(await orphans()).toBe(0);
        } finally {
          release();
          anthropic.setResponder(defaultResponder);
          if (!run.exited()) child.kill('SIGKILL');
          await p.cleanup();
        }
      });

      it('kill -9 with the cache on: every result and cache entry has its call row; a sentence is asked at most once more than answered', { timeout: 120_000 }, async () => {
        const p = await prepared(engine, 30);
        anthropic.setLatency(30);
        const n0 = anthropic.requests.length;
        const dangling = async () => {
          const results = await p.db.db.selectFrom('results as r').select('r.id').where('r.llm_call_id', 'is not', null).where((eb) => eb.not(eb.exists(eb.selectFrom('llm_calls as c').select('c.id').whereRef('c.id', '=', 'r.llm_call_id')))).execute();
          const cache = await p.db.db.selectFrom('llm_cache as k').select('k.key').where('k.llm_call_id', 'is not', null).where((eb) => eb.not(eb.exists(eb.selectFrom('llm_calls as c').select('c.id').whereRef('c.id', '=', 'k.llm_call_id')))).execute();
          return results.length + cache.length;
        };
        try {
          for (const at of [15, 60]) {
            const child = spawn(process.execPath, [BIN, '--db', p.url, 'analyse', '--env', 'anthropic', '--concurrency', '8'], { env: { ...process.env, ...anthropicEnv() }, stdio: 'ignore' });
            for (let i = 0; i < 500; i++) {
              const n = (await p.db.db.selectFrom('results').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
              if (Number(n) >= at) break;
              await sleep(10);
            }
            child.kill('SIGKILL');
            await new Promise((r) => child.on('close', r));
            expect(await dangling()).toBe(0);
          }
          const r = await runCli(['--db', p.url, 'analyse', '--env', 'anthropic', '--concurrency', '8'], { env: anthropicEnv() });
          expect(r.code, r.stderr).toBe(0);
          const after = await resultsState(p.db);
          expect(after.results).toHaveLength(120);
          expect(after.everyOnce).toBe(true);
          expect(await dangling()).toBe(0);
          const texts = (await storedSentences(p.db)).map((x) => x.text);
          const requested = anthropic.requests.slice(n0).map((q) => JSON.stringify(q.body.messages[0]));
          const logged = after.calls.map((c) => (typeof c.messages === 'string' ? c.messages : JSON.stringify(c.messages)));
          for (const t of texts) {
            const asked = requested.filter((q) => q.includes(JSON.stringify(t).slice(1, -1))).length;
            const answered = logged.filter((m) => m.includes(JSON.stringify(t).slice(1, -1))).length;
            expect(answered, t).toBeGreaterThanOrEqual(1);
            expect(asked, t).toBeLessThanOrEqual(answered + 2); // two kills: at most once more each
          }
        } finally {
          anthropic.setLatency(0);
          await p.cleanup();
        }
      });

      it('three workers at once: each sentence analysed and called exactly once', async () => {
        const p = await prepared(engine, 50);
        anthropic.setLatency(10);
        try {
          const runs = await Promise.all(
            [1, 2, 3].map(() => runCli(['--db', p.url, 'analyse', '--env', 'anthropic', '--concurrency', '4', '--no-cache'], { env: anthropicEnv() })),
          );
          for (const r of runs) expect(r.code, r.stderr).toBe(0);
          expect(runs.reduce((n, r) => n + ndjson(r.stdout)[0].done, 0)).toBe(200);
          const s = await resultsState(p.db);
          expect(s.results).toHaveLength(200);
          expect(s.everyOnce).toBe(true);
          expect(s.calls).toHaveLength(200);
        } finally {
          anthropic.setLatency(0);
          await p.cleanup();
        }
      });
    });
  }
});

describe('llmops analyse with a task of your own', () => {
  let server: FakeLlmServer;
  let profiles: string;
  const topicOf = (text: string) => (/great|terrible|good/i.test(text) ? 'product' : /tuesday/i.test(text) ? 'delivery' : 'other');
  beforeAll(async () => {
    server = await startFakeOpenAI({ requireKey: false });
    // Answers the topic task and the keyword module task, as a local vLLM server would.
    server.setResponder(({ system, messages }) => {
      const text = messages.at(-1)!.content;
      if (/"topic"/.test(system ?? '')) return JSON.stringify({ topic: topicOf(text), confidence: 0.9 });
      return JSON.stringify({ keyword: text.split(/\W+/).filter(Boolean).at(-1), certainty: 0.6 });
    });
    profiles = join(dir.path, 'compatible.toml');
    writeFileSync(
      profiles,
      `default_env = "vllm"\n[envs.vllm]\nprofile = "p"\nhookset = "h"\n[profiles.p]\nprovider = "openai-compatible"\nmodel = "qwen2.5-7b-instruct"\nbase_url = "${server.url}"\n[hooksets.h]\nbefore = []\nafter = ["guard", "store"]\n`,
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a YAML task: results keep its name, version and label field, linked to their calls; a rerun has nothing to do', async () => {
    const p = await prepared('sqlite', 2);
    try {
      const r = await runCli(['--db', p.url, 'analyse', '--profiles', profiles, '--task', './tasks/topic.yaml']);
      expect(r.code, r.stderr).toBe(0);
      expect(ndjson(r.stdout)[0]).toMatchObject({ task: 'topic v1', model: 'openai-compatible/qwen2.5-7b-instruct', done: 8, failed: 0 });
      const s = await resultsState(p.db);
      expect(s.everyOnce).toBe(true);
      const texts = new Map((await storedSentences(p.db)).map((x) => [x.id, x.text]));
      for (const x of s.results) {
        expect(x).toMatchObject({ task: 'topic', task_version: 1, status: 'ok', label: topicOf(texts.get(x.sentence_id)!), confidence: 0.9, provider: 'openai-compatible' });
        expect(s.calls.find((c) => c.id === x.llm_call_id)).toMatchObject({ task: 'topic', trace_id: x.trace_id });
      }
      const again = await runCli(['--db', p.url, 'analyse', '--profiles', profiles, '--task', './tasks/topic.yaml']);
      expect(ndjson(again.stdout)[0]).toMatchObject({ done: 0, note: 'nothing new to analyse' });
      // Sentiment is another task: its results are still to do.
      const sentiment = await runCli(['--db', p.url, 'analyse']);
      expect(ndjson(sentiment.stdout)[0]).toMatchObject({ task: 'sentiment v1', done: 8 });
    } finally {
      await p.cleanup();
    }
  });

  it('answers are cached by the prompt: the same task asks once, an edited prompt asks again', async () => {
    const d = tempDir();
    try {
      const env = { LLMOPS_DB: join(d.path, 'c.db') };
      const text = 'The parcel came on Tuesday.';
      const n0 = server.requests.length;
      const a = await runCli(['analyse', '--profiles', profiles, '--task', join(REPO_TASKS, 'topic.yaml'), '--text', text], { env, cwd: d.path });
      expect(a.code, a.stderr).toBe(0);
      expect(ndjson(a.stdout)[0]).toMatchObject({ task: 'topic', task_version: 1, topic: 'delivery', confidence: 0.9, cached: false });
      const b = await runCli(['analyse', '--profiles', profiles, '--task', join(REPO_TASKS, 'topic.yaml'), '--text', text], { env, cwd: d.path });
      expect(ndjson(b.stdout)[0]).toMatchObject({ topic: 'delivery', cached: true });
      expect(server.requests.length - n0).toBe(1);
      writeFileSync(join(d.path, 'topic2.yaml'), readFileSync(join(REPO_TASKS, 'topic.yaml'), 'utf8').replace('version: 1', 'version: 2').replace('Sentence: {{text}}', 'Text: {{text}}'));
      const c = await runCli(['analyse', '--profiles', profiles, '--task', './topic2.yaml', '--text', text], { env, cwd: d.path });
      expect(ndjson(c.stdout)[0]).toMatchObject({ task_version: 2, topic: 'delivery', cached: false });
      expect(server.requests.length - n0).toBe(2);
    } finally {
      d.remove();
    }
  });

  it('a module task (defineTask with a zod schema) stores its own label field', async () => {
    const p = await prepared('sqlite', 1);
    try {
      const r = await runCli(['--db', p.url, 'analyse', '--profiles', profiles, '--task', './test/fixtures/extensions/keyword-task.mjs#keywords']);
      expect(r.code, r.stderr).toBe(0);
      const s = await resultsState(p.db);
      expect(s.results).toHaveLength(4);
      for (const x of s.results) expect(x).toMatchObject({ task: 'keywords', task_version: 3, confidence: 0.6, label: expect.stringMatching(/^\w+$/) });
    } finally {
      await p.cleanup();
    }
  });

  it('offline, a task of your own is refused up front in one line, before a database is made', async () => {
    const d = tempDir();
    try {
      const r = await runCli(['analyse', '--task', join(REPO_TASKS, 'topic.yaml'), '--text', 'Anything.'], { cwd: d.path, env: { LLMOPS_DB: join(d.path, 'x.db') } });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--task: env "offline" answers offline, and the offline model knows only sentiment; task "topic" needs a model/);
      expect(existsSync(join(d.path, 'x.db'))).toBe(false);
      const bad = await runCli(['analyse', '--task', './nope.yaml'], { cwd: d.path });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--task: task "\.\/nope\.yaml": no such file/);
    } finally {
      d.remove();
    }
  });
});
