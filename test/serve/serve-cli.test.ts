import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect } from 'node:net';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import type { FakeLlmServer } from '../fakes/fake-llm-server.js';
import { BIN, REPO, runCli } from '../helpers/cli.js';
import { addUsers, featurizedTemplate } from './serve-harness.js';

let template: Awaited<ReturnType<typeof featurizedTemplate>>;
let openai: FakeLlmServer;
beforeAll(async () => {
  template = await featurizedTemplate();
  openai = await startFakeOpenAI();
});
afterAll(async () => {
  await openai?.close();
  template?.remove();
});

const ANN = { ann: 'ann-password-1' };

type Running = { child: ChildProcessWithoutNullStreams; url: string; stderr: () => string; stdout: () => string; exited: Promise<number | null> };

/** `llmops serve` as a user starts it, on a free port; resolves once it says where it listens. */
function startServe(globals: string[], flags: string[], env: Record<string, string | undefined> = {}): Promise<Running> {
  const fullEnv: Record<string, string | undefined> = { ...process.env, LLMOPS_DB: undefined, LLMOPS_JWT_SECRET: undefined, REDIS_URL: undefined, ...env };
  for (const k of Object.keys(fullEnv)) if (fullEnv[k] === undefined) delete fullEnv[k];
  const child = spawn(process.execPath, [BIN, ...globals, 'serve', '--port', '0', ...flags], { cwd: REPO, env: fullEnv as NodeJS.ProcessEnv });
  let stderr = '';
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /^llmops serve: listening on (http:\/\/\S+)$/m.exec(stderr);
      if (m) resolve({ child, url: m[1]!, stderr: () => stderr, stdout: () => stdout, exited });
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
}

async function token(url: string): Promise<string> {
  const r = await fetch(`${url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ann', password: ANN.ann }) });
  expect(r.status).toBe(200);
  return ((await r.json()) as { token: string }).token;
}

/** Opens a /chat stream; `events` fills as they arrive, `ended` resolves when the body ends. */
async function openStream(url: string, auth: string, question: string, signal?: AbortSignal) {
  const r = await fetch(`${url}/chat`, { method: 'POST', signal, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ question }) });
  expect(r.status).toBe(200);
  const events: { event: string; data: any }[] = [];
  const waiters: { event: string; resolve: () => void }[] = [];
  const parser = createParser({
    onEvent(e) {
      events.push({ event: e.event ?? 'message', data: JSON.parse(e.data) });
      for (const w of waiters.filter((x) => x.event === e.event)) w.resolve();
    },
  });
  const ended = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
  })();
  const seen = (event: string) => (events.some((e) => e.event === event) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ event, resolve })));
  return { events, ended, seen };
}

/** Whether a new TCP connection to the server's port is accepted. */
function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('llmops serve (the real CLI)', () => {
  it('says where it listens on stderr and never prints the signing secret', async () => {
    const url = template.copy();
    await addUsers(url, ANN);
    const s = await startServe(['--db', url, '-v'], []);
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${s.url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      await token(s.url);
      await fetch(`${s.url}/sessions`, { headers: { authorization: 'Bearer nonsense' } });
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exited).toBe(0);
    const db = await openDatabase(parseDatabaseUrl(url));
    const secret = (await db.db.selectFrom('app_secrets').select('value').where('name', '=', 'serve.jwt_secret').executeTakeFirstOrThrow()).value;
    await db.close();
    expect(s.stderr().match(/listening on/g)).toHaveLength(1);
    expect(s.stderr() + s.stdout()).not.toContain(secret);
  });

  it('on SIGTERM refuses new connections, lets the stream in flight finish with `done`, and exits 0', async () => {
    const url = template.copy();
    await addUsers(url, ANN);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let asked!: () => void;
    const reached = new Promise<void>((r) => (asked = r));
    openai.setResponder(async () => {
      asked();
      await held;
      return 'The Eiffel Tower is 330 metres tall [1].';
    });
    const s = await startServe(['--db', url], ['--env', 'openai'], { OPENAI_API_KEY: 'sk-test-openai-key', OPENAI_BASE_URL: openai.url });
    try {
      const stream = await openStream(s.url, await token(s.url), 'How tall is the Eiffel Tower?');
      await stream.seen('session');
      await reached; // the model is working on it
      s.child.kill('SIGTERM');
      // The port closes while the answer is still being written.
      let open = true;
      for (let i = 0; i < 200 && open; i++) {
        open = await accepts(s.url);
        if (open) await new Promise((r) => setTimeout(r, 25));
      }
      expect(open).toBe(false);
      release();
      await stream.ended;
      expect(stream.events.at(-1)).toMatchObject({ event: 'done', data: { answer: { answer: 'The Eiffel Tower is 330 metres tall [1].' } } });
      expect(await s.exited).toBe(0);
    } finally {
      release();
      s.child.kill('SIGKILL');
    }
  });

  it('refuses bad limits with a one-line error naming the flag (exit 2)', async () => {
    const r = await runCli(['serve', '--rate-limit', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rate-limit/);
    const t = await runCli(['serve', '--request-timeout', 'soon']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/--request-timeout/);
    // A token of 400 ms was issued with expires_in 0, already refused.
    const ttl = await runCli(['serve', '--token-ttl', '400ms']);
    expect(ttl.code).toBe(2);
    expect(ttl.stderr).toMatch(/--token-ttl.*at least 1s/);
    // 3600 meant as seconds would be 3.6 s: a duration here says its unit.
    const bare = await runCli(['serve', '--token-ttl', '3600']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/--token-ttl.*with its unit/);
  });
});
