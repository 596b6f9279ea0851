import { randomBytes } from 'node:crypto';
import { createServer, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { engineMissing, freshDatabase } from '../helpers/databases.js';
import { REDIS_TEST_URL, redisAvailable, redisClient } from '../helpers/redis.js';
import { addUsers, featurizedTemplate, login, openTestServer, withEnv, type TestServer } from './serve-harness.js';

// The same service with its sessions in Redis (REDIS_URL) and with PostgreSQL as --db.

let template: Awaited<ReturnType<typeof featurizedTemplate>>;
beforeAll(async () => {
  template = await featurizedTemplate();
});
afterAll(() => template?.remove());

/** Names no other test (or run) uses: the Redis keys of this test are its own. */
const uniqueUsers = () => {
  const tag = randomBytes(4).toString('hex');
  return { [`ann-${tag}`]: 'ann-password-1', [`bob-${tag}`]: 'bob-password-2' };
};

/** Deletes what the service kept in Redis for these users' sessions (the default key prefix). */
async function dropRedisSessions(users: string[], sessionIds: string[]) {
  const client = redisClient();
  try {
    const keys = [...users.map((u) => `llmops:user:${u}:sessions`), ...sessionIds.flatMap((id) => [`llmops:session:${id}`, `llmops:session:${id}:messages`])];
    await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

/** A TCP relay to the real Redis that the test can cut, as a network failure would. */
async function redisRelay() {
  const target = new URL(REDIS_TEST_URL);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

describe.skipIf(!redisAvailable)('serve with its sessions in Redis (REDIS_URL)', () => {
  it('keeps conversations in Redis, each user\'s to herself, and is not ready once Redis is unreachable', async () => {
    const users = uniqueUsers();
    const [ann, bob] = Object.keys(users) as [string, string];
    const url = template.copy();
    await addUsers(url, users);
    const relay = await redisRelay();
    const made: string[] = [];
    try {
      await withEnv({ REDIS_URL: relay.url }, async () => {
        const server = await openTestServer(url);
        try {
          const a = await login(server, ann, users[ann]!);
          const b = await login(server, bob, users[bob]!);
          const r = await server.app.inject({ method: 'POST', url: '/chat', headers: a, payload: { question: 'How tall is the Eiffel Tower?' } });
          expect(r.statusCode).toBe(200);
          made.push(r.json().session_id);
          const client = redisClient();
          const inRedis = await client.hgetall(`llmops:session:${made[0]}`);
          client.disconnect();
          expect(inRedis).toMatchObject({ user: ann, message_count: '2' });
          expect((await server.app.inject({ method: 'GET', url: `/sessions/${made[0]}/messages`, headers: a })).json().messages).toHaveLength(2);
          expect((await server.app.inject({ method: 'GET', url: `/sessions/${made[0]}/messages`, headers: b })).statusCode).toBe(404);
          expect((await server.app.inject({ method: 'GET', url: '/sessions', headers: b })).json()).toEqual({ sessions: [] });
          expect((await server.app.inject({ method: 'GET', url: '/readyz' })).json().checks.sessions).toBe('ok');

          await relay.cut();
          const down = await server.app.inject({ method: 'GET', url: '/readyz' });
          expect(down.statusCode).toBe(503);
          expect(down.json().checks).toMatchObject({ database: 'ok', vectors: 'ok' });
          expect(down.json().checks.sessions).not.toBe('ok');
        } finally {
          await server.close();
        }
      });
      // None of it went to the database.
      const db = await openDatabase(parseDatabaseUrl(url));
      const rows = await db.db.selectFrom('chat_sessions').selectAll().execute();
      await db.close();
      expect(rows).toEqual([]);
    } finally {
      await relay.cut().catch(() => {});
      await dropRedisSessions(Object.keys(users), made);
    }
  });
});

describe.skipIf(engineMissing('postgres'))('serve on PostgreSQL', () => {
  it('logs in and keeps sessions in PostgreSQL; with no vector store it says so in /readyz (503) and in /chat (400)', async () => {
    const pg = await freshDatabase('postgres');
    try {
      // The schema is made by the first command that writes (as `serve user add` would).
      const db = await openDatabase(parseDatabaseUrl(pg.url));
      await db.close();
      await addUsers(pg.url, { ann: 'ann-password-1', bob: 'bob-password-2' });
      await withEnv({ QDRANT_URL: undefined, REDIS_URL: undefined }, async () => {
        let server: TestServer | undefined = await openTestServer(pg.url);
        try {
          const ann = await login(server, 'ann', 'ann-password-1');
          const made = await server.app.inject({ method: 'POST', url: '/sessions', headers: ann, payload: { title: 'On Postgres' } });
          expect(made.statusCode).toBe(201);
          const bob = await login(server, 'bob', 'bob-password-2');
          expect((await server.app.inject({ method: 'GET', url: `/sessions/${made.json().id}/messages`, headers: bob })).statusCode).toBe(404);

          const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
          expect(ready.statusCode).toBe(503);
          expect(ready.json().checks).toMatchObject({ database: 'ok', sessions: 'ok' });
          expect(ready.json().checks.vectors).toMatch(/QDRANT_URL/);
          const chat = await server.app.inject({ method: 'POST', url: '/chat', headers: ann, payload: { question: 'Anything?', session_id: made.json().id } });
          expect(chat.statusCode).toBe(400);
          expect(chat.json().error).toMatch(/no collection to search/);

          // A restart on the same database: the same secret signs, so the token still works.
          await server.close();
          server = await openTestServer(pg.url);
          const list = await server.app.inject({ method: 'GET', url: '/sessions', headers: ann });
          expect(list.json().sessions.map((s: { title: string }) => s.title)).toEqual(['On Postgres']);
        } finally {
          await server?.close();
        }
      });
    } finally {
      await pg.cleanup();
    }
  });
});
