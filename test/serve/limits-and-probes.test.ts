import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import type { FakeLlmServer } from '../fakes/fake-llm-server.js';
import { addUsers, featurizedTemplate, login, openTestServer, sseEvents, withEnv, withServer as serveOver, type TestServer } from './serve-harness.js';
import type { ServeFlags } from '../../src/app/serve.js';

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

const USERS = { ann: 'ann-password-1', bob: 'bob-password-2' };

async function withServer(flags: Partial<ServeFlags>, body: (s: TestServer) => Promise<void>, env: Record<string, string> = {}) {
  const url = template.copy();
  await addUsers(url, USERS);
  await serveOver(url, { flags, env }, body);
}

describe('serve: limits', () => {
  it('refuses a question or a title holding a NUL or a lone surrogate with 400 naming the field, before any answer', async () => {
    await withServer({}, async (server) => {
      const auth = await login(server, 'ann', USERS.ann);
      const post = (url: string, payload: unknown) => server.app.inject({ method: 'POST', url, headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
      const cases: [string, unknown, string][] = [
        ['/chat', { question: 'Eiffel\u0000 tower' }, 'question: contains a NUL character (\\u0000)'],
        ['/chat', { question: 'Eiffel \ud800tower' }, 'question: contains a lone UTF-16 surrogate (not text)'],
        ['/sessions', { title: 'a\u0000b' }, 'title: contains a NUL character (\\u0000)'],
      ];
      for (const [url, payload, error] of cases) {
        const r = await post(url, payload);
        expect([r.statusCode, r.json()]).toEqual([400, { error }]);
      }
      // Nothing was started for them.
      expect((await server.app.inject({ method: 'GET', url: '/sessions', headers: auth })).json()).toEqual({ sessions: [] });
      // A pair of surrogates (an emoji) is text.
      expect((await post('/chat', { question: 'Eiffel tower \ud83d\uddfc' })).statusCode).toBe(200);
    });
  });

  it('refuses a body over --body-limit with 413', async () => {
    await withServer({ bodyLimit: 1024 }, async (server) => {
      const auth = await login(server, 'ann', USERS.ann);
      const big = await server.app.inject({ method: 'POST', url: '/chat', headers: auth, payload: { question: 'x'.repeat(2000) } });
      expect(big.statusCode).toBe(413);
      expect(big.json()).toEqual({ error: "body larger than 1024 bytes (the server's --body-limit)" });
      const small = await server.app.inject({ method: 'POST', url: '/search', headers: auth, payload: { query: 'tea' } });
      expect(small.statusCode).toBe(200);
    });
  });

  it('limits requests per user (429 with retry-after) without touching another user, and logins per address', async () => {
    await withServer({ rateLimit: { max: 3, windowMs: 60_000 } }, async (server) => {
      const { app } = server;
      const ann = await login(server, 'ann', USERS.ann); // from 127.0.0.1: the address's 1st of 3
      const bob = await login(server, 'bob', USERS.bob); // its 2nd
      const annCalls = [];
      for (let i = 0; i < 4; i++) annCalls.push(await app.inject({ method: 'GET', url: '/sessions', headers: ann }));
      expect(annCalls.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
      const limited = annCalls[3]!;
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.json().error).toMatch(/^too many requests: at most 3 per minute; retry in \d+s$/);
      // Bob's own budget is untouched by Ann's.
      expect((await app.inject({ method: 'GET', url: '/sessions', headers: bob })).statusCode).toBe(200);
      // Logins count per address: the 3rd passes, the 4th is refused whoever it is for.
      const third = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'ann', password: USERS.ann } });
      const fourth = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'bob', password: USERS.bob } });
      expect([third.statusCode, fourth.statusCode]).toEqual([200, 429]);
      const elsewhere = await app.inject({ method: 'POST', url: '/auth/token', remoteAddress: '10.1.2.3', payload: { username: 'bob', password: USERS.bob } });
      expect(elsewhere.statusCode).toBe(200);
      // Probes are never limited.
      for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });
  });

  it('counts logins by X-Forwarded-For only from a proxy named by --trust-proxy', async () => {
    const loginFrom = (app: TestServer['app'], forwardedFor: string) =>
      app.inject({ method: 'POST', url: '/auth/token', headers: { 'x-forwarded-for': forwardedFor }, payload: { username: 'ann', password: 'wrong-password' } });
    await withServer({ rateLimit: { max: 1, windowMs: 60_000 } }, async ({ app }) => {
      // A header anyone can send: ignored, both count against 127.0.0.1.
      expect([(await loginFrom(app, '198.51.100.1')).statusCode, (await loginFrom(app, '198.51.100.2')).statusCode]).toEqual([401, 429]);
    });
    await withServer({ rateLimit: { max: 1, windowMs: 60_000 }, trustProxy: ['127.0.0.1'] }, async ({ app }) => {
      expect([(await loginFrom(app, '198.51.100.1')).statusCode, (await loginFrom(app, '198.51.100.2')).statusCode]).toEqual([401, 401]);
      expect((await loginFrom(app, '198.51.100.1')).statusCode).toBe(429);
    });
  });

  it('gives up on a JSON answer after --request-timeout (504) and on a stream that stops moving (error event)', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    openai.setResponder(async () => {
      await held;
      return 'Too late [1].';
    });
    try {
      await withServer({ env: 'openai', requestTimeout: 300 }, async (server) => {
        const auth = await login(server, 'ann', USERS.ann);
        const json = await server.app.inject({ method: 'POST', url: '/chat', headers: auth, payload: { question: 'How tall is the tower?' } });
        expect(json.statusCode).toBe(504);
        expect(json.json().error).toMatch(/^no answer within 300ms/);
        const sse = await server.app.inject({ method: 'POST', url: '/chat', headers: { ...auth, accept: 'text/event-stream' }, payload: { question: 'How tall is the tower?' } });
        const events = sseEvents(sse.body);
        expect(events.map((e) => e.event)).toEqual(['session', 'error']);
        expect(events[1]!.data.error).toMatch(/^the answer stalled/);
      }, { OPENAI_API_KEY: 'sk-test-openai-key', OPENAI_BASE_URL: openai.url });
    } finally {
      release();
    }
  });

  it('stops an answer still running when the shutdown grace runs out: its stream ends with an error event', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let asked!: () => void;
    const reached = new Promise<void>((r) => (asked = r));
    openai.setResponder(async () => {
      asked();
      await held;
      return 'Too late [1].';
    });
    const url = template.copy();
    await addUsers(url, USERS);
    try {
      await withEnv({ OPENAI_API_KEY: 'sk-test-openai-key', OPENAI_BASE_URL: openai.url }, async () => {
        const server = await openTestServer(url, { env: 'openai' });
        try {
          const auth = await login(server, 'ann', USERS.ann);
          const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
          const r = await fetch(`${base}/chat`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ question: 'How tall is the tower?' }) });
          const body = r.text();
          await reached;
          await server.close(200); // the grace: 200 ms, and the model is still thinking
          const events = sseEvents(await body);
          expect(events.map((e) => e.event)).toEqual(['session', 'error']);
          expect(events[1]!.data).toEqual({ error: 'the server is shutting down' });
        } finally {
          await server.close();
        }
      });
    } finally {
      release();
    }
  });

  it('answers no cross-origin request unless --cors-origin names the origin', async () => {
    const preflight = { method: 'OPTIONS' as const, url: '/chat', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } };
    await withServer({}, async ({ app }) => {
      const r = await app.inject(preflight);
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    });
    await withServer({ corsOrigin: ['https://app.example.com'] }, async ({ app }) => {
      const r = await app.inject(preflight);
      expect(r.statusCode).toBe(204);
      expect(r.headers['access-control-allow-origin']).toBe('https://app.example.com');
      const other = await app.inject({ ...preflight, headers: { ...preflight.headers, origin: 'https://evil.example.com' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});

describe('serve: probes and documents', () => {
  it('/healthz is ok; /readyz checks database, vectors and sessions, and is 503 naming the one that is down', async () => {
    await withServer({}, async (server) => {
      expect((await server.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
      const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', vectors: 'ok', sessions: 'ok' } });
      // The database goes away under the running server (a real close, not a stand-in).
      const db = await server.scope.db();
      await db.close();
      const down = await server.app.inject({ method: 'GET', url: '/readyz' });
      expect(down.statusCode).toBe(503);
      expect(down.json().status).toBe('not ready');
      expect(down.json().checks.database).not.toBe('ok');
      expect(down.json().checks.vectors).toBe('ok');
    });
  });

  it('/ serves the chat page as it is in assets/, without a token and under a strict content policy; a hint when it is missing', async () => {
    const page = join(REPO, 'assets', 'chat.html');
    await withServer({}, async ({ app }) => {
      const r = await app.inject({ method: 'GET', url: '/' });
      if (existsSync(page)) {
        expect(r.statusCode).toBe(200);
        expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(r.headers['content-security-policy']).toMatch(/default-src 'none'/);
        // The header allows the page's own script by its hash and nothing inline besides.
        expect(r.headers['content-security-policy']).toMatch(/script-src 'sha256-[^']+'/);
        expect(r.headers['content-security-policy']).not.toMatch(/script-src[^;]*unsafe-inline/);
        expect(r.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
        expect(r.body).toBe(readFileSync(page, 'utf8'));
      } else {
        expect(r.statusCode).toBe(404);
        expect(r.json().error).toMatch(/assets\/chat\.html is missing/);
      }
    });
  });

  it('/openapi.json is an OpenAPI 3.1 document listing every route, each $ref resolvable', async () => {
    await withServer({}, async ({ app }) => {
      const r = await app.inject({ method: 'GET', url: '/openapi.json' });
      expect(r.statusCode).toBe(200);
      const doc = r.json();
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info.title).toBe('llmops serve');
      const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
      expect(routes.sort()).toEqual(
        ['POST /auth/token', 'GET /sessions', 'POST /sessions', 'GET /sessions/{id}/messages', 'DELETE /sessions/{id}', 'POST /chat', 'POST /search', 'GET /healthz', 'GET /readyz'].sort(),
      );
      expect(doc.paths['/chat'].post.responses['200'].content).toHaveProperty(['text/event-stream']);
      expect(doc.paths['/healthz'].get.security).toEqual([]);
      expect(doc.security).toEqual([{ bearer: [] }]);
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
      expect(refs.length).toBeGreaterThan(0);
      for (const name of refs) expect(doc.components.schemas, name).toHaveProperty([name]);
      for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, { responses?: object }>>)) {
        for (const [m, op] of Object.entries(ops)) expect(Object.keys(op.responses ?? {}).length, `${m} ${p}`).toBeGreaterThan(0);
      }
    });
  });

  it('/metrics exposes request counts, latency and time-to-first-token histograms, tokens, cost and streams in flight', async () => {
    openai.setResponder(() => 'Bees make honey [1].');
    await withServer({ env: 'openai' }, async (server) => {
      const { app } = server;
      const auth = await login(server, 'ann', USERS.ann);
      await app.inject({ method: 'POST', url: '/chat', headers: { ...auth, accept: 'text/event-stream' }, payload: { question: 'What do bees make?' } });
      await app.inject({ method: 'POST', url: '/chat', headers: auth, payload: { question: 'What do bees make?' } });
      await app.inject({ method: 'GET', url: '/sessions', headers: { authorization: 'Bearer nonsense' } });
      const r = await app.inject({ method: 'GET', url: '/metrics' });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const m = parseExposition(r.body);
      expect(m.types.get('llmops_http_requests_total')).toBe('counter');
      expect(m.types.get('llmops_http_request_duration_seconds')).toBe('histogram');
      expect(m.types.get('llmops_chat_time_to_first_token_seconds')).toBe('histogram');
      expect(m.types.get('llmops_sse_streams_in_flight')).toBe('gauge');
      expect(m.value('llmops_http_requests_total', { method: 'POST', route: '/chat', status: '200' })).toBe(2);
      expect(m.value('llmops_http_requests_total', { method: 'GET', route: '/sessions', status: '401' })).toBe(1);
      expect(m.value('llmops_http_request_duration_seconds_count', { method: 'POST', route: '/chat' })).toBe(2);
      expect(m.value('llmops_http_request_duration_seconds_bucket', { method: 'POST', route: '/chat', le: '+Inf' })).toBe(2);
      expect(m.samples.filter((s) => s.name === 'llmops_http_request_duration_seconds_bucket' && s.labels.route === '/chat').length).toBeGreaterThan(5);
      expect(m.value('llmops_chat_time_to_first_token_seconds_count', { mode: 'stream' })).toBe(1);
      expect(m.value('llmops_chat_time_to_first_token_seconds_count', { mode: 'json' })).toBe(1);
      expect(m.value('llmops_llm_tokens_total', { provider: 'openai', model: 'gpt-4o-mini', kind: 'output' })).toBeGreaterThan(0);
      expect(m.value('llmops_llm_cost_usd_total', { provider: 'openai', model: 'gpt-4o-mini' })).toBeGreaterThan(0);
      expect(m.value('llmops_sse_streams_in_flight', {})).toBe(0);
    }, { OPENAI_API_KEY: 'sk-test-openai-key', OPENAI_BASE_URL: openai.url });
  });
});

type Sample = { name: string; labels: Record<string, string>; value: number };

/** The Prometheus text exposition format (version 0.0.4), read line by line as a scraper reads it. */
function parseExposition(text: string) {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return {
    types,
    samples,
    value(name: string, want: Record<string, string>): number | undefined {
      const s = samples.find((x) => x.name === name && Object.entries(want).every(([k, v]) => x.labels[k] === v));
      return s?.value;
    },
  };
}
