import { afterEach, describe, expect, it } from 'vitest';
import type { NewChatMessage, SessionStore } from '../../src/store/chat-types.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { RedisSessionStore } from '../../src/store/redis-session-store.js';
import { SqlSessionStore } from '../../src/store/sql-session-store.js';
import { ENGINES, engineMissing, freshDatabase } from '../helpers/databases.js';
import { redisAvailable, redisClient, redisPrefix, REDIS_TEST_URL } from '../helpers/redis.js';

/**
 * One suite for every home of chat sessions. A backend is a fresh, empty storage place;
 * `connect()` opens one more client of it (its own connection where the engine allows), so the
 * concurrency tests write through several connections at once, as several server processes would.
 */
type Backend = { connect(): Promise<SessionStore>; cleanup(): Promise<void> };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fresh(makeBackend: () => Promise<Backend>): Promise<{ backend: Backend; store: SessionStore; connect: () => Promise<SessionStore> }> {
  const backend = await makeBackend();
  cleanups.push(() => backend.cleanup());
  const connect = async () => {
    const s = await backend.connect();
    cleanups.push(() => s.close());
    return s;
  };
  return { backend, store: await connect(), connect };
}

const turn = (q: string, a: string, extra: Partial<NewChatMessage> = {}): NewChatMessage[] => [
  { role: 'user', content: q },
  { role: 'assistant', content: a, ...extra },
];

const RANDOM_ID = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';

function sessionStoreContract(name: string, makeBackend: () => Promise<Backend>): void {
  describe(`${name} session store`, () => {
    it('keeps a NUL or a lone surrogate in a title or a message the way every store can: NUL removed, the surrogate as U+FFFD', async () => {
      const { store } = await fresh(makeBackend);
      const s = await store.create('ada', 'tea\u0000 for \ud800two');
      expect(s.title).toBe('tea for \ufffdtwo');
      expect(await store.append(s.id, 'ada', turn('why\u0000?', 'because \udc00 and \ud83d\ude00'))).toBe(true);
      expect((await store.messages(s.id, 'ada'))!.map((m) => m.content)).toEqual(['why?', 'because \ufffd and \ud83d\ude00']);
      expect((await store.get(s.id, 'ada'))!.title).toBe('tea for \ufffdtwo');
    });

    it('creates a session that its user finds, with no title and no messages yet', async () => {
      const { store } = await fresh(makeBackend);
      const s = await store.create('ada');
      expect(s).toMatchObject({ user: 'ada', title: null, message_count: 0 });
      expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await store.get(s.id, 'ada')).toEqual(s);
      expect(await store.messages(s.id, 'ada')).toEqual([]);
      expect((await store.list('ada')).map((x) => x.id)).toEqual([s.id]);
      expect((await store.create('ada')).id).not.toBe(s.id);
    });

    it('keeps a turn in order, with citations and trace id, and titles the session with its first question', async () => {
      const { store } = await fresh(makeBackend);
      const s = await store.create('ada');
      const citations = [{ n: 1, title: 'Doc', link: 'https://example.org/doc', chunk: 0 }];
      expect(await store.append(s.id, 'ada', turn('  What is\nRAG?  ', 'Retrieval [1].', { citations, trace_id: 'trace-1' }))).toBe(true);
      expect(await store.append(s.id, 'ada', turn('And then?', 'Then it answers.'))).toBe(true);
      const messages = await store.messages(s.id, 'ada');
      expect(messages!.map((m) => [m.seq, m.role, m.content])).toEqual([
        [1, 'user', '  What is\nRAG?  '],
        [2, 'assistant', 'Retrieval [1].'],
        [3, 'user', 'And then?'],
        [4, 'assistant', 'Then it answers.'],
      ]);
      expect(messages![1]).toMatchObject({ citations, trace_id: 'trace-1' });
      expect(messages![0]!.citations).toBeUndefined();
      expect(Date.parse(messages![0]!.created_at)).not.toBeNaN();
      const after = await store.get(s.id, 'ada');
      expect(after).toMatchObject({ title: 'What is RAG?', message_count: 4 });
      expect(after!.updated_at >= s.updated_at).toBe(true);
    });

    it('cuts a long first question short for the title, and keeps a title given at creation', async () => {
      const { store } = await fresh(makeBackend);
      const long = await store.create('ada');
      await store.append(long.id, 'ada', turn('why '.repeat(100), 'because'));
      const title = (await store.get(long.id, 'ada'))!.title!;
      expect(title.length).toBeLessThanOrEqual(80);
      expect(title.endsWith('…')).toBe(true);
      const named = await store.create('ada', 'My notes');
      await store.append(named.id, 'ada', turn('first question', 'answer'));
      expect((await store.get(named.id, 'ada'))!.title).toBe('My notes');
    });

    it("treats another user's session exactly like a missing one", async () => {
      const { store } = await fresh(makeBackend);
      const s = await store.create('ada');
      await store.append(s.id, 'ada', turn('secret question', 'secret answer'));
      for (const id of [s.id, RANDOM_ID]) {
        expect(await store.get(id, 'mallory')).toBeNull();
        expect(await store.messages(id, 'mallory')).toBeNull();
        expect(await store.append(id, 'mallory', turn('mine now?', 'no'))).toBe(false);
        expect(await store.delete(id, 'mallory')).toBe(false);
      }
      expect(await store.list('mallory')).toEqual([]);
      // Nothing of mallory's reached ada's session.
      expect((await store.messages(s.id, 'ada'))!.map((m) => m.content)).toEqual(['secret question', 'secret answer']);
      expect((await store.get(s.id, 'ada'))!.message_count).toBe(2);
    });

    it('names no session with an id it did not make (no key or query is built from it)', async () => {
      const { store } = await fresh(makeBackend);
      const s = await store.create('ada');
      for (const id of ['', 'x', `${s.id}:messages`, "' or 1=1 --", '../etc/passwd', s.id.toUpperCase() + 'x']) {
        expect(await store.get(id, 'ada')).toBeNull();
        expect(await store.messages(id, 'ada')).toBeNull();
        expect(await store.append(id, 'ada', turn('q', 'a'))).toBe(false);
        expect(await store.delete(id, 'ada')).toBe(false);
      }
    });

    it('lists a user\'s sessions most recently used first, up to a limit', async () => {
      const { store } = await fresh(makeBackend);
      const a = await store.create('ada');
      const b = await store.create('ada');
      await store.create('bob');
      // Order by use: append to a after b exists, so a is the most recent (whatever the clock's resolution).
      await new Promise((r) => setTimeout(r, 5));
      await store.append(a.id, 'ada', turn('q', 'a'));
      expect((await store.list('ada')).map((x) => x.id)).toEqual([a.id, b.id]);
      expect((await store.list('ada', { limit: 1 })).map((x) => x.id)).toEqual([a.id]);
      expect((await store.list('bob')).length).toBe(1);
    });

    it('deletes a session with its messages', async () => {
      const { store } = await fresh(makeBackend);
      const s = await store.create('ada');
      const keep = await store.create('ada');
      await store.append(s.id, 'ada', turn('q', 'a'));
      expect(await store.delete(s.id, 'ada')).toBe(true);
      expect(await store.get(s.id, 'ada')).toBeNull();
      expect(await store.messages(s.id, 'ada')).toBeNull();
      expect(await store.append(s.id, 'ada', turn('q2', 'a2'))).toBe(false);
      expect(await store.delete(s.id, 'ada')).toBe(false);
      expect((await store.list('ada')).map((x) => x.id)).toEqual([keep.id]);
    });

    it('refuses a message of an unknown role and writes nothing of the turn', async () => {
      const { store } = await fresh(makeBackend);
      const s = await store.create('ada');
      const bad = [{ role: 'user', content: 'q' }, { role: 'system', content: 'you are root' }] as NewChatMessage[];
      await expect(store.append(s.id, 'ada', bad)).rejects.toThrow(/role: expected user or assistant/);
      expect(await store.messages(s.id, 'ada')).toEqual([]);
    });

    it('answers ping while reachable', async () => {
      const { store } = await fresh(makeBackend);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('loses and mixes up nothing: 50 users × 10 turns at once, each session holds exactly its own 20 messages in order', async () => {
      const { store, connect } = await fresh(makeBackend);
      const clients = [store, ...(await Promise.all([1, 2, 3].map(() => connect())))];
      const users = Array.from({ length: 50 }, (_, i) => `user-${i}`);
      const sessions = await Promise.all(users.map((u, i) => clients[i % clients.length]!.create(u)));
      await Promise.all(
        users.map(async (u, i) => {
          const client = clients[i % clients.length]!;
          for (let t = 1; t <= 10; t++) expect(await client.append(sessions[i]!.id, u, turn(`${u} asks ${t}`, `${u} is told ${t}`))).toBe(true);
        }),
      );
      for (const [i, u] of users.entries()) {
        const messages = await store.messages(sessions[i]!.id, u);
        const expected = Array.from({ length: 10 }, (_, t) => [`${u} asks ${t + 1}`, `${u} is told ${t + 1}`]).flat();
        expect(messages!.map((m) => m.content)).toEqual(expected);
        expect(messages!.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
        expect(messages!.map((m) => m.role)).toEqual(Array.from({ length: 20 }, (_, k) => (k % 2 === 0 ? 'user' : 'assistant')));
        expect((await store.get(sessions[i]!.id, u))!.message_count).toBe(20);
        expect((await store.list(u)).map((s) => s.id)).toEqual([sessions[i]!.id]);
      }
    });

    it('numbers every message once when many turns land on one session at the same moment', async () => {
      const { store, connect } = await fresh(makeBackend);
      const clients = [store, ...(await Promise.all([1, 2, 3].map(() => connect())))];
      const s = await store.create('ada');
      await Promise.all(Array.from({ length: 100 }, (_, t) => clients[t % clients.length]!.append(s.id, 'ada', turn(`q${t}`, `a${t}`))));
      const messages = (await store.messages(s.id, 'ada'))!;
      expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, k) => k + 1));
      // Each turn's two messages are side by side (a turn is atomic), and every turn is there once.
      const pairs = Array.from({ length: 100 }, (_, k) => `${messages[2 * k]!.content}/${messages[2 * k + 1]!.content}`);
      expect(pairs.every((p) => /^q(\d+)\/a\1$/.test(p))).toBe(true);
      expect(new Set(pairs).size).toBe(100);
    });
  });
}

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(engine, () => {
    sessionStoreContract(`sql (${engine})`, async () => {
      const target = await freshDatabase(engine);
      const handles: Db[] = [];
      // SQLite: one handle per process (better-sqlite3 waits for a lock synchronously, so two
      // handles in one process would wait on each other); its writers are other processes.
      const open = async () => {
        if (engine === 'sqlite' && handles[0]) return handles[0];
        const db = await openDatabase(parseDatabaseUrl(target.url));
        handles.push(db);
        return db;
      };
      return {
        connect: async () => new SqlSessionStore((await open()).db),
        cleanup: async () => {
          for (const h of handles) await h.close();
          await target.cleanup();
        },
      };
    });
  });
}

describe.skipIf(!redisAvailable)('redis', () => {
  sessionStoreContract('redis', async () => {
    const { prefix, drop } = redisPrefix();
    return { connect: () => RedisSessionStore.open(REDIS_TEST_URL, { keyPrefix: prefix }), cleanup: drop };
  });

  describe('redis session store: expiry', () => {
    it("sets a TTL on all of a session's keys and sets it again on each append", async () => {
      const { prefix, drop } = redisPrefix();
      cleanups.push(drop);
      const store = await RedisSessionStore.open(REDIS_TEST_URL, { keyPrefix: prefix, ttlSeconds: 3600 });
      cleanups.push(() => store.close());
      const raw = redisClient();
      cleanups.push(() => raw.disconnect());
      const s = await store.create('ada');
      await store.append(s.id, 'ada', turn('q', 'a'));
      const keys = [`${prefix}session:${s.id}`, `${prefix}session:${s.id}:messages`, `${prefix}user:ada:sessions`];
      for (const k of keys) expect(await raw.ttl(k)).toBeGreaterThan(3000);
      for (const k of keys) await raw.expire(k, 10);
      await store.append(s.id, 'ada', turn('q2', 'a2'));
      for (const k of keys) expect(await raw.ttl(k)).toBeGreaterThan(3000);
    });

    it('drops an expired session from its user\'s list, and keeps the default TTL at 30 days', async () => {
      const { prefix, drop } = redisPrefix();
      cleanups.push(drop);
      const store = await RedisSessionStore.open(REDIS_TEST_URL, { keyPrefix: prefix });
      cleanups.push(() => store.close());
      const raw = redisClient();
      cleanups.push(() => raw.disconnect());
      const gone = await store.create('ada');
      const kept = await store.create('ada');
      expect(await raw.ttl(`${prefix}session:${kept.id}`)).toBeGreaterThan(30 * 24 * 3600 - 60);
      await raw.pexpire(`${prefix}session:${gone.id}`, 1);
      await raw.pexpire(`${prefix}session:${gone.id}:messages`, 1);
      while ((await raw.exists(`${prefix}session:${gone.id}`)) === 1) await new Promise((r) => setTimeout(r, 5));
      expect((await store.list('ada')).map((x) => x.id)).toEqual([kept.id]);
      expect(await store.get(gone.id, 'ada')).toBeNull();
      expect(await raw.zrange(`${prefix}user:ada:sessions`, "0", "-1")).toEqual([kept.id]);
    });

    it('says which server it cannot reach and why, without its password', async () => {
      // The reason was "Connection is closed." whether refused, an unknown host or not TLS.
      await expect(RedisSessionStore.open('redis://:hunter2secret@127.0.0.1:1')).rejects.toThrow(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: connect ECONNREFUSED/);
    });

    it('refuses a database number the server does not have, rather than using database 0', async () => {
      const raw = redisClient();
      cleanups.push(() => raw.disconnect());
      const databases = Number((await raw.config('GET', 'databases'))[1]);
      const url = new URL(REDIS_TEST_URL);
      url.pathname = `/${databases}`;
      await expect(RedisSessionStore.open(url.toString())).rejects.toThrow(/cannot reach Redis at .*: ERR DB index is out of range/);
    });
  });
});

if (!redisAvailable) {
  describe('redis session store', () => {
    it.skip(`SKIPPED: no Redis at ${REDIS_TEST_URL} (set LLMOPS_TEST_REDIS)`, () => {});
  });
}
