import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { SqlUserStore } from '../../src/store/sql-user-store.js';
import { addUsers, featurizedTemplate, login, openTestServer, withServer, type TestServer } from './serve-harness.js';

let template: Awaited<ReturnType<typeof featurizedTemplate>>;
beforeAll(async () => {
  template = await featurizedTemplate();
});
afterAll(() => template?.remove());

const USERS = { ann: 'ann-password-1', bob: 'bob-password-2' };

/** A server over a fresh copy of the corpus with two accounts; closed after `body`. */
async function withUsers(body: (s: TestServer, url: string) => Promise<void>) {
  const url = template.copy();
  await addUsers(url, USERS);
  await withServer(url, {}, (server) => body(server, url));
}

describe('serve: logging in', () => {
  it('gives a bearer token for the right password, and the same 401 for a wrong password or an unknown name', async () => {
    await withUsers(async ({ app }) => {
      const ok = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'ann', password: USERS.ann } });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      const sessions = await app.inject({ method: 'GET', url: '/sessions', headers: { authorization: `Bearer ${ok.json().token}` } });
      expect(sessions.statusCode).toBe(200);
      expect(sessions.json()).toEqual({ sessions: [] });

      const wrong = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'ann', password: 'not-her-password' } });
      const unknown = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'zed', password: 'whatever-password' } });
      expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
      expect(wrong.json()).toEqual(unknown.json());
      const missing = await app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'ann' } });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error).toMatch(/password/);
    });
  });

  it('refuses a missing, malformed, tampered, foreign or expired token with 401', async () => {
    await withUsers(async (server, url) => {
      const { app } = server;
      const good = (await login(server, 'ann', USERS.ann)).authorization;
      const get = (authorization?: string) => app.inject({ method: 'GET', url: '/sessions', headers: authorization ? { authorization } : {} });
      const secret = await storedSecret(url);
      const stamp = await storedStamp(url, 'ann');
      const sign = (claims: { exp: number; sub?: string; ver?: string | null }, key = secret) =>
        new SignJWT(claims.ver === null ? {} : { ver: claims.ver ?? stamp })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(claims.sub ?? 'ann')
          .setIssuer('llmops')
          .setAudience('llmops-serve')
          .setIssuedAt(claims.exp - 3600)
          .setExpirationTime(claims.exp)
          .sign(new TextEncoder().encode(key));
      const now = Math.floor(Date.now() / 1000);
      const expired = await sign({ exp: now - 60 });
      const foreign = await sign({ exp: now + 600 }, 'another-secret-of-at-least-32-characters!');
      const [head, , sig] = good.slice('Bearer '.length).split('.');
      const tampered = `${head}.${Buffer.from(JSON.stringify({ sub: 'bob', iss: 'llmops', aud: 'llmops-serve', exp: now + 600 })).toString('base64url')}.${sig}`;
      const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'ann', exp: now + 600 })).toString('base64url')}.`;

      expect((await get(good)).statusCode).toBe(200);
      // Signed with the right key but stale: the one that must fail for its date alone.
      expect((await get(`Bearer ${await sign({ exp: now + 600 })}`)).statusCode).toBe(200);
      // Signed with the right key, but without the account's credential stamp or with another.
      const unstamped = await sign({ exp: now + 600, ver: null });
      const otherStamp = await sign({ exp: now + 600, ver: '2020-01-01T00:00:00.000Z' });
      const answers = await Promise.all([
        get(),
        get('Basic YW5uOnB3'),
        get(`Bearer ${expired}`),
        get(`Bearer ${foreign}`),
        get(`Bearer ${tampered}`),
        get(`Bearer ${unsigned}`),
        get(`Bearer ${unstamped}`),
        get(`Bearer ${otherStamp}`),
      ]);
      expect(answers.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401, 401, 401, 401]);
      expect(answers[2]!.json()).toEqual({ error: 'token expired' });
      for (const r of answers) expect(Object.keys(r.json())).toEqual(['error']);
    });
  });

  it('refuses a token it accepted before once that token expired', async () => {
    await withUsers(async (server) => {
      const auth = await login(server, 'ann', USERS.ann);
      const get = () => server.app.inject({ method: 'GET', url: '/sessions', headers: auth });
      expect((await get()).statusCode).toBe(200);
      expect((await get()).statusCode).toBe(200);
      // An hour and a minute later (the token lives an hour): only the clock moves.
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.now() + 3660_000);
        const late = await get();
        expect(late.statusCode).toBe(401);
        expect(late.json()).toEqual({ error: 'token expired' });
      } finally {
        vi.useRealTimers();
      }
    });
  });

  it("stops honouring a removed account's token at once", async () => {
    await withUsers(async (server, url) => {
      const auth = await login(server, 'bob', USERS.bob);
      expect((await server.app.inject({ method: 'GET', url: '/sessions', headers: auth })).statusCode).toBe(200);
      const db = await openDatabase(parseDatabaseUrl(url));
      await new SqlUserStore(db.db).remove('bob');
      await db.close();
      const after = await server.app.inject({ method: 'GET', url: '/sessions', headers: auth });
      expect(after.statusCode).toBe(401);
    });
  });

  it('ends the tokens of an account whose password changed, and never lets a removed account\'s token into a new one of the same name', async () => {
    await withUsers(async (server, url) => {
      const { app } = server;
      const get = (headers: { authorization: string }) => app.inject({ method: 'GET', url: '/sessions', headers });
      const stolen = await login(server, 'ann', USERS.ann);
      expect((await get(stolen)).statusCode).toBe(200);
      const db = await openDatabase(parseDatabaseUrl(url));
      try {
        const users = new SqlUserStore(db.db, { N: 2 ** 10, r: 8, p: 1 });
        await users.setPassword('ann', 'ann-new-password');
        const refused = await get(stolen);
        expect(refused.statusCode).toBe(401);
        expect(refused.json()).toEqual({ error: 'token issued under older credentials: log in again' });
        const fresh = await login(server, 'ann', 'ann-new-password');
        expect((await get(fresh)).statusCode).toBe(200);

        // The account removed and made again under the same name, by someone else.
        const made = await app.inject({ method: 'POST', url: '/sessions', headers: fresh, payload: { title: 'hers' } });
        expect(made.statusCode).toBe(201);
        await users.remove('ann');
        await users.add('ann', 'a stranger password');
        const stranger = await login(server, 'ann', 'a stranger password');
        await app.inject({ method: 'POST', url: '/sessions', headers: stranger, payload: { title: 'the stranger' } });
        for (const old of [stolen, fresh]) expect((await get(old)).statusCode).toBe(401);
        expect((await get(stranger)).json().sessions.map((x: { title: string }) => x.title)).toContain('the stranger');
      } finally {
        await db.close();
      }
    });
  });
});

describe('serve: sessions are their owner\'s alone', () => {
  it("lets B neither list, read, continue nor delete A's session; a guessed id is a 404 like a missing one", async () => {
    await withUsers(async (server) => {
      const { app } = server;
      const ann = await login(server, 'ann', USERS.ann);
      const bob = await login(server, 'bob', USERS.bob);
      const made = await app.inject({ method: 'POST', url: '/chat', headers: ann, payload: { question: 'How tall is the Eiffel Tower?' } });
      expect(made.statusCode).toBe(200);
      const id = made.json().session_id as string;

      const annList = (await app.inject({ method: 'GET', url: '/sessions', headers: ann })).json().sessions;
      expect(annList.map((s: { id: string }) => s.id)).toEqual([id]);
      expect(annList[0]).toMatchObject({ user: 'ann', title: 'How tall is the Eiffel Tower?', message_count: 2 });
      expect((await app.inject({ method: 'GET', url: '/sessions', headers: bob })).json()).toEqual({ sessions: [] });

      const guessed = crypto.randomUUID();
      for (const target of [id, guessed]) {
        const read = await app.inject({ method: 'GET', url: `/sessions/${target}/messages`, headers: bob });
        const cont = await app.inject({ method: 'POST', url: '/chat', headers: bob, payload: { question: 'And the bees?', session_id: target } });
        const del = await app.inject({ method: 'DELETE', url: `/sessions/${target}`, headers: bob });
        expect([read.statusCode, cont.statusCode, del.statusCode]).toEqual([404, 404, 404]);
        // The same words for someone else's session as for one that does not exist.
        expect(read.json()).toEqual({ error: `no session ${target}` });
      }
      const mine = await app.inject({ method: 'GET', url: `/sessions/${id}/messages`, headers: ann });
      expect(mine.statusCode).toBe(200);
      expect(mine.json().messages.map((m: { role: string; content: string }) => m.role)).toEqual(['user', 'assistant']);
      expect(mine.json().messages[0].content).toBe('How tall is the Eiffel Tower?');

      expect((await app.inject({ method: 'DELETE', url: `/sessions/${id}`, headers: ann })).statusCode).toBe(204);
      expect((await app.inject({ method: 'GET', url: `/sessions/${id}/messages`, headers: ann })).statusCode).toBe(404);
    });
  });

  it('creates an empty session with a title, lists sessions most recently used first', async () => {
    await withUsers(async (server) => {
      const { app } = server;
      const ann = await login(server, 'ann', USERS.ann);
      const first = await app.inject({ method: 'POST', url: '/sessions', headers: ann, payload: { title: 'Towers' } });
      expect(first.statusCode).toBe(201);
      expect(first.json()).toMatchObject({ user: 'ann', title: 'Towers', message_count: 0 });
      const second = await app.inject({ method: 'POST', url: '/sessions', headers: ann });
      expect(second.statusCode).toBe(201);
      await app.inject({ method: 'POST', url: '/chat', headers: ann, payload: { question: 'How tall is the tower?', session_id: first.json().id } });
      const list = (await app.inject({ method: 'GET', url: '/sessions', headers: ann })).json().sessions;
      expect(list.map((s: { id: string }) => s.id)).toEqual([first.json().id, second.json().id]);
    });
  });
});

describe('serve: the signing secret', () => {
  it('is made once and kept in the database: a token outlives a restart', async () => {
    const url = template.copy();
    await addUsers(url, USERS);
    const first = await openTestServer(url);
    const auth = await login(first, 'ann', USERS.ann);
    await first.close();
    const second = await openTestServer(url);
    try {
      expect((await second.app.inject({ method: 'GET', url: '/sessions', headers: auth })).statusCode).toBe(200);
    } finally {
      await second.close();
    }
    expect((await storedSecret(url)).length).toBeGreaterThanOrEqual(32);
  });

  it('comes from LLMOPS_JWT_SECRET when set (tokens signed with the stored one stop working)', async () => {
    const url = template.copy();
    await addUsers(url, USERS);
    const stored = await openTestServer(url);
    const old = await login(stored, 'ann', USERS.ann);
    await stored.close();
    await withServer(url, { env: { LLMOPS_JWT_SECRET: 'e'.repeat(40) } }, async (server) => {
      expect((await server.app.inject({ method: 'GET', url: '/sessions', headers: old })).statusCode).toBe(401);
      const fresh = await login(server, 'ann', USERS.ann);
      expect((await server.app.inject({ method: 'GET', url: '/sessions', headers: fresh })).statusCode).toBe(200);
    });
    await expect(withServer(url, { env: { LLMOPS_JWT_SECRET: 'short' } }, async () => {})).rejects.toThrow(/^LLMOPS_JWT_SECRET: at least 32 characters/);
  });
});

/** The account's credential stamp, as the server reads it. */
async function storedStamp(url: string, name: string): Promise<string> {
  const db = await openDatabase(parseDatabaseUrl(url));
  try {
    return (await new SqlUserStore(db.db).stamp(name))!;
  } finally {
    await db.close();
  }
}

async function storedSecret(url: string): Promise<string> {
  const db = await openDatabase(parseDatabaseUrl(url));
  try {
    const row = await db.db.selectFrom('app_secrets').select('value').where('name', '=', 'serve.jwt_secret').executeTakeFirstOrThrow();
    return row.value;
  } finally {
    await db.close();
  }
}
