import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startFakeLangfuse } from '../fakes/langfuse-otel-server.js';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import type { FakeLlmServer } from '../fakes/fake-llm-server.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { addUsers, featurizedTemplate, login, sseEvents, withServer, type TestServer } from './serve-harness.js';

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

/** A server over a fresh copy of the corpus; `openai: true` answers through the fake OpenAI. */
async function withChat(opts: { openai?: boolean }, body: (s: TestServer, auth: { authorization: string }, url: string) => Promise<void>) {
  const url = template.copy();
  await addUsers(url, ANN);
  const env = opts.openai ? { OPENAI_API_KEY: 'sk-test-openai-key', OPENAI_BASE_URL: openai.url } : {};
  await withServer(url, { env, flags: opts.openai ? { env: 'openai' } : {} }, async (server) => body(server, await login(server, 'ann', ANN.ann), url));
}

/**
 * The call log's rows, once there are any: the server writes them in small batches shortly
 * after each call (not in the request's path), so a test waits for them.
 */
async function loggedCalls(url: string) {
  const db = await openDatabase(parseDatabaseUrl(url));
  try {
    for (let i = 0; ; i++) {
      const rows = await db.db.selectFrom('llm_calls').select(['trace_id', 'task', 'status', 'response']).execute();
      if (rows.length > 0 || i === 400) return rows;
      await new Promise((res) => setTimeout(res, 25));
    }
  } finally {
    await db.close();
  }
}

describe('serve: /chat offline (extractive answers)', () => {
  it('answers as JSON with citations resolved to the document, and keeps both messages', async () => {
    await withChat({}, async ({ app }, auth) => {
      const r = await app.inject({ method: 'POST', url: '/chat', headers: { ...auth, accept: 'application/json' }, payload: { question: 'How tall is the Eiffel Tower?' } });
      expect(r.statusCode).toBe(200);
      const { session_id, answer } = r.json();
      expect(answer).toMatchObject({ mode: 'extractive', question: 'How tall is the Eiffel Tower?' });
      expect(answer.answer).toMatch(/330 metres/);
      expect(answer.citations.length).toBeGreaterThan(0);
      expect(answer.citations[0]).toMatchObject({ title: 'The Eiffel Tower', link: 'https://example.org/eiffel', document_id: expect.any(String), chunk_id: expect.any(String) });
      const stored = (await app.inject({ method: 'GET', url: `/sessions/${session_id}/messages`, headers: auth })).json();
      expect(stored.messages).toHaveLength(2);
      expect(stored.messages[1]).toMatchObject({ role: 'assistant', content: answer.answer, trace_id: answer.trace_id });
      expect(stored.messages[1].citations).toEqual(answer.citations);
    });
  });

  it('streams as Server-Sent Events: session first, deltas that make up the answer, done last', async () => {
    await withChat({}, async ({ app }, auth) => {
      const r = await app.inject({ method: 'POST', url: '/chat', headers: { ...auth, accept: 'text/event-stream' }, payload: { question: 'How many eggs does the queen bee lay?' } });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
      const events = sseEvents(r.body);
      expect(events[0]!.event).toBe('session');
      expect(events.at(-1)!.event).toBe('done');
      const deltas = events.filter((e) => e.event === 'delta');
      expect(deltas.length).toBeGreaterThan(0);
      const done = events.at(-1)!.data;
      expect(done.session_id).toBe(events[0]!.data.session_id);
      expect(deltas.map((d) => d.data.text).join('')).toBe(done.answer.answer);
      expect(done.answer.citations[0]).toMatchObject({ title: 'Honey bees' });
    });
  });

  it('refuses a bad body with a one-line error naming the field', async () => {
    await withChat({}, async ({ app }, auth) => {
      const cases = [
        [{}, /question/],
        [{ question: '' }, /question/],
        [{ question: 'x', k: 0 }, /\/k /],
        [{ question: 'x', colections: ['a'] }, /colections/],
      ] as const;
      for (const [payload, field] of cases) {
        const r = await app.inject({ method: 'POST', url: '/chat', headers: auth, payload });
        expect(r.statusCode).toBe(400);
        expect(r.json().error).toMatch(field);
        expect(r.json().error).not.toContain('\n');
      }
      const unknown = await app.inject({ method: 'POST', url: '/chat', headers: auth, payload: { question: 'x', collections: ['embedded_nothing'] } });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error).toMatch(/embedded_nothing/);
    });
  });
});

describe('serve: /chat through a model (the fake OpenAI, official SDK)', () => {
  it('streams the model\'s answer, cites the retrieved source, logs the call under the turn\'s trace id', async () => {
    openai.setResponder(() => 'The Eiffel Tower is 330 metres tall [1].');
    await withChat({ openai: true }, async ({ app }, auth, url) => {
      const r = await app.inject({ method: 'POST', url: '/chat', headers: { ...auth, accept: 'text/event-stream' }, payload: { question: 'How tall is the Eiffel Tower?' } });
      const events = sseEvents(r.body);
      const done = events.at(-1)!;
      expect(done.event).toBe('done');
      expect(done.data.answer).toMatchObject({ mode: 'generated', provider: 'openai', model: 'gpt-4o-mini', answer: 'The Eiffel Tower is 330 metres tall [1].' });
      expect(events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('')).toBe(done.data.answer.answer);
      expect(done.data.answer.citations).toEqual([expect.objectContaining({ n: 1, title: 'The Eiffel Tower', link: 'https://example.org/eiffel' })]);
      expect(done.data.answer.usage.output_tokens).toBeGreaterThan(0);

      expect(await loggedCalls(url)).toEqual([{ trace_id: done.data.answer.trace_id, task: 'ask', status: 'ok', response: done.data.answer.answer }]);
    });
  });

  it('sends the earlier turns of the session to the model with the next question', async () => {
    openai.setResponder(({ messages }) => `Answer ${messages.filter((m) => m.role === 'user').length} [1].`);
    await withChat({ openai: true }, async ({ app }, auth) => {
      const first = (await app.inject({ method: 'POST', url: '/chat', headers: auth, payload: { question: 'What do bees make?' } })).json();
      const second = (await app.inject({ method: 'POST', url: '/chat', headers: auth, payload: { question: 'And how many live together?', session_id: first.session_id } })).json();
      expect(second.session_id).toBe(first.session_id);
      const sent = openai.requests.at(-1)!.body.messages as { role: string; content: string }[];
      const roles = sent.filter((m) => m.role !== 'system').map((m) => m.role);
      expect(roles).toEqual(['user', 'assistant', 'user']);
      expect(sent.find((m) => m.role === 'assistant')!.content).toBe(first.answer.answer);
      const stored = (await app.inject({ method: 'GET', url: `/sessions/${first.session_id}/messages`, headers: auth })).json();
      expect(stored.messages.map((m: { content: string }) => m.content)).toEqual(['What do bees make?', first.answer.answer, 'And how many live together?', second.answer.answer]);
      expect(stored.session.message_count).toBe(4);
    });
  });

  it('turns a provider failure into a 500 with one line (JSON) or an error event (stream) that points at the server log; the session keeps nothing of it', async () => {
    await withChat({ openai: true }, async ({ app, log }, auth) => {
      const made = (await app.inject({ method: 'POST', url: '/sessions', headers: auth })).json();
      openai.enqueue({ kind: 'status', status: 400 }, { kind: 'status', status: 400 });
      const json = await app.inject({ method: 'POST', url: '/chat', headers: auth, payload: { question: 'How tall is the tower?', session_id: made.id } });
      expect(json.statusCode).toBe(500);
      // The client learns which request failed, not the provider's or the driver's words (hosts, files, queries).
      const reference = /^the answer failed \(request (\S+): the server's log says why\)$/;
      const jsonId = reference.exec(json.json().error)?.[1];
      expect(jsonId).toBeDefined();
      const sse = await app.inject({ method: 'POST', url: '/chat', headers: { ...auth, accept: 'text/event-stream' }, payload: { question: 'How tall is the tower?', session_id: made.id } });
      const events = sseEvents(sse.body);
      expect(events.map((e) => e.event)).toEqual(['session', 'error']);
      const sseId = reference.exec(events[1]!.data.error)?.[1];
      expect(sseId).toBeDefined();
      for (const id of [jsonId, sseId]) expect(log()).toMatch(new RegExp(`serve: /chat ${id}: .*400`));
      const stored = (await app.inject({ method: 'GET', url: `/sessions/${made.id}/messages`, headers: auth })).json();
      expect(stored.messages).toEqual([]);
    });
  });

  it('names no file of the server in a 400: an unknown collection is "not in the server\'s database"', async () => {
    await withChat({}, async ({ app }, auth, url) => {
      const r = await app.inject({ method: 'POST', url: '/chat', headers: auth, payload: { question: 'q?', collections: ['embedded_nope'] } });
      expect(r.statusCode).toBe(400);
      expect(r.json().error).toBe("--collection embedded_nope: no such collection in the server's database (llmops inspect collections lists them; llmops featurize makes them)");
      expect(r.body).not.toContain(url);
    });
  });
});

describe('serve: Langfuse', () => {
  it('traces each turn under its trace id, in one Langfuse session per conversation', async () => {
    const keys = { publicKey: 'pk-lf-serve-test-0123', secretKey: 'sk-lf-serve-test-secret-0123' };
    const langfuse = await startFakeLangfuse(keys);
    openai.setResponder(() => 'Green tea wants water at about eighty degrees [1].');
    const url = template.copy();
    await addUsers(url, ANN);
    // The shipped openai profile with the `traced` hookset (Langfuse and the call log).
    const profiles = join(dirname(url), 'traced.toml');
    writeFileSync(profiles, `default_env = "t"\n[envs.t]\nprofile = "p"\nhookset = "traced"\n[profiles.p]\nprovider = "openai"\nmodel = "gpt-4o-mini"\n[hooksets.traced]\nbefore = ["redact", "langfuse"]\nafter = ["store", "langfuse"]\n`);
    const env = { OPENAI_API_KEY: 'sk-test-openai-key', OPENAI_BASE_URL: openai.url, LANGFUSE_PUBLIC_KEY: keys.publicKey, LANGFUSE_SECRET_KEY: keys.secretKey, LANGFUSE_BASE_URL: langfuse.url };
    try {
      // Closing the server flushes the traces.
      const turns = await withServer(url, { env, flags: { profiles } }, async (server) => {
        const auth = await login(server, 'ann', ANN.ann);
        const first = (await server.app.inject({ method: 'POST', url: '/chat', headers: auth, payload: { question: 'How hot should the water for green tea be?' } })).json();
        const second = (await server.app.inject({ method: 'POST', url: '/chat', headers: auth, payload: { question: 'And for how long?', session_id: first.session_id } })).json();
        return [first, second] as { session_id: string; answer: { trace_id: string } }[];
      });
      const spans = langfuse.spans();
      expect(spans.map((s) => s.traceId).sort()).toEqual(turns.map((t) => t.answer.trace_id).sort());
      expect(turns[0]!.answer.trace_id).not.toBe(turns[1]!.answer.trace_id);
      for (const span of spans) {
        expect(span.attributes['session.id']).toBe(turns[0]!.session_id);
        expect(span.attributes['langfuse.trace.name']).toBe('ask');
      }
    } finally {
      await langfuse.close();
    }
  });
});

describe('serve: streamed text reaches the client while the model writes', () => {
  it('delivers every delta sent before the model pauses, during the pause; the rest after it', async () => {
    const words = Array.from({ length: 12 }, (_, i) => `word${i}`);
    openai.setResponder(() => `${words.join(' ')} [1].`);
    let release!: () => void;
    openai.enqueue({ kind: 'pause', afterTokens: 6, until: new Promise<void>((resolve) => (release = resolve)) });
    await withChat({ openai: true }, async (server, auth) => {
      const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
      const r = await fetch(`${base}/chat`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ question: 'How tall is the tower?' }) });
      const reader = r.body!.getReader();
      let body = '';
      const shown = () => sseEvents(body).filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
      // The model is paused after six words: all six must arrive without anything more from it
      // (a server holding text back to batch writes would wait here for ever).
      while (!shown().includes('word5')) body += new TextDecoder().decode((await reader.read()).value);
      expect(shown().trim()).toBe(words.slice(0, 6).join(' '));
      release();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) body += new TextDecoder().decode(chunk.value);
      const events = sseEvents(body);
      expect(events.map((e) => e.event).filter((e, i, all) => e !== all[i - 1])).toEqual(['session', 'delta', 'done']);
      expect(shown()).toBe(events.at(-1)!.data.answer.answer);
    });
  });
});

describe('serve: a client that goes away', () => {
  it('aborts the provider request mid-stream; the call log records the call as cancelled, the session keeps nothing', async () => {
    openai.setResponder(() => Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ') + ' [1].');
    openai.setTokenDelay(20);
    try {
      await withChat({ openai: true }, async (server, auth, url) => {
        const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
        const made = (await server.app.inject({ method: 'POST', url: '/sessions', headers: auth })).json();
        const ctrl = new AbortController();
        const r = await fetch(`${base}/chat`, { method: 'POST', signal: ctrl.signal, headers: { ...auth, 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ question: 'How tall is the tower?', session_id: made.id }) });
        const reader = r.body!.getReader();
        let text = '';
        while (!text.includes('event: delta')) text += new TextDecoder().decode((await reader.read()).value);
        ctrl.abort();
        const stream = (await openai.streamsSettled()).at(-1);
        expect(stream!.end).toBe('client-disconnected');
        expect(stream!.tokensSent).toBeLessThan(60);
        expect((await loggedCalls(url)).map((c) => c.status)).toEqual(['cancelled']);
        const stored = (await server.app.inject({ method: 'GET', url: `/sessions/${made.id}/messages`, headers: auth })).json();
        expect(stored.messages).toEqual([]);
        // Counted in /metrics, as a request its client closed (499).
        const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
        const requests = metrics.split('\n').filter((l) => l.startsWith('llmops_http_requests_total{'));
        expect(requests.filter((l) => l.includes('status="499"'))).toEqual([expect.stringMatching(/^llmops_http_requests_total\{method="POST",route="\/chat",status="499"[^}]*\} 1$/)]);
      });
    } finally {
      openai.setTokenDelay(0);
    }
  });
});

describe('serve: /search', () => {
  it('gives the hits `llmops inspect search --json` gives for the same query', async () => {
    await withChat({}, async ({ app }, auth, url) => {
      for (const mode of ['hybrid', 'lexical', 'vector']) {
        const r = await app.inject({ method: 'POST', url: '/search', headers: auth, payload: { query: 'green tea water temperature', collection: 'embedded_articles', k: 3, mode } });
        expect(r.statusCode).toBe(200);
        const cli = await runCli(['--db', url, 'inspect', 'search', 'embedded_articles', '--query', 'green tea water temperature', '--k', '3', '--mode', mode, '--json']);
        expect(cli.code, cli.stderr).toBe(0);
        expect(r.json().results).toEqual(JSON.parse(JSON.stringify(ndjson(cli.stdout))));
        expect(r.json().results[0].title).toBe('Green tea');
      }
      const all = await app.inject({ method: 'POST', url: '/search', headers: auth, payload: { query: 'green tea' } });
      expect(all.json().results[0]).toMatchObject({ title: 'Green tea', collection: 'embedded_articles' });
      const missing = await app.inject({ method: 'POST', url: '/search', headers: auth, payload: { query: 'tea', collection: 'embedded_nothing' } });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error).toMatch(/embedded_nothing/);
    });
  });
});
