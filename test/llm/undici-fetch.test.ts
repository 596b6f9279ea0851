import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { undiciFetch } from '../../src/llm/adapters/undici-fetch.js';
import { startFakeAnthropic } from '../fakes/anthropic-server.js';
import type { FakeLlmServer } from '../fakes/fake-llm-server.js';

// The fetch the provider SDKs are given must behave as fetch does wherever an SDK looks.
describe('undiciFetch', () => {
  let server: Server;
  let base: string;
  let seen: { method?: string; headers: Record<string, unknown>; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, headers: req.headers, body });
        if (req.url === '/empty') return void res.writeHead(204).end();
        if (req.url === '/events') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: one\n\n');
          setTimeout(() => res.end('data: two\n\n'), 50);
          return;
        }
        if (req.url === '/slow') return; // never answers: only an abort can end the request
        res.writeHead(201, [['content-type', 'application/json'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['request-id', 'req_1']]);
        res.end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends method, headers and body; answers with status, every header and the body', async () => {
    seen = [];
    const res = await undiciFetch(`${base}/x`, { method: 'POST', headers: new Headers({ 'x-api-key': 'k', 'content-type': 'application/json' }), body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(res.ok).toBe(true);
    expect(res.headers.get('request-id')).toBe('req_1');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.json()).toEqual({ ok: true });
    expect(seen[0]).toMatchObject({ method: 'POST', body: '{"a":1}', headers: { 'x-api-key': 'k' } });
  });

  it('a 204 has no body; an event stream stays a stream', async () => {
    const empty = await undiciFetch(`${base}/empty`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    const events = await undiciFetch(`${base}/events`);
    const reader = events.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe('data: one\n\n'); // before the server has finished: streamed, not buffered
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(rest).toBe('data: two\n\n');
  });

  it('an aborted request rejects with an AbortError, which the SDKs read as a timeout', async () => {
    const controller = new AbortController(); // as the SDKs abort on their timeout: no reason given
    setTimeout(() => controller.abort(), 100);
    // /slow never answers, so the request ends only if the abort reaches it.
    const err = await undiciFetch(`${base}/slow`, { signal: controller.signal }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('AbortError');
  });

  it('a refused connection rejects (the SDK retries it as a connection error)', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(undiciFetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  describe('under the Anthropic SDK', () => {
    let fake: FakeLlmServer;
    beforeAll(async () => {
      fake = await startFakeAnthropic({ apiKey: 'sk-ant-fetch-test' });
    });
    afterAll(() => fake.close());

    it('answers, exposes the request id, and retries a 529 as over the built-in fetch', async () => {
      const sdk = new Anthropic({ apiKey: 'sk-ant-fetch-test', baseURL: fake.url, fetch: undiciFetch, maxRetries: 2 });
      fake.enqueue({ kind: 'status', status: 529, retryAfterSeconds: 0 });
      const { data, response } = await sdk.messages
        .create({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hello there' }] })
        .withResponse();
      expect(response.status).toBe(200);
      expect((data as { _request_id?: string })._request_id).toMatch(/^req_/); // read from our Response's headers
      expect(data.content[0]).toMatchObject({ type: 'text' });
      expect(fake.requests.length).toBe(2);
    });
  });
});
