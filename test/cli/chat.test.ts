import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedder } from '../../src/embed/create-embedder.js';
import { loadFeaturizeConfig } from '../../src/featurize/featurize-config.js';
import { runFeaturize } from '../../src/featurize/run-featurize.js';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { RedisSessionStore } from '../../src/store/redis-session-store.js';
import { SqlDocumentStore } from '../../src/store/sql-document-store.js';
import { SqlSessionStore } from '../../src/store/sql-session-store.js';
import { openVectorStore } from '../../src/vector/open-vector-store.js';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import type { FakeLlmServer } from '../fakes/fake-llm-server.js';
import { hasScript, ndjson, REPO, runCli } from '../helpers/cli.js';
import { freshDatabase, tempDir } from '../helpers/databases.js';
import { redisAvailable, REDIS_TEST_URL } from '../helpers/redis.js';
import { seedDocuments } from '../helpers/seed.js';
import { TerminalSession } from '../helpers/terminal.js';

const CORPUS = [
  { id: 'eddystone', category: 'articles', title: 'The Eddystone Lighthouse', link: 'https://example.org/eddystone', text: 'The Eddystone lighthouse stands fourteen kilometres off Plymouth. It was first lit in 1698. Storms destroyed the early towers. The present tower was designed by James Douglass.' },
  { id: 'bees', category: 'posts', title: 'Bee notes', text: 'Honey bees tell their sisters the direction of flowers with a waggle dance. A strong colony holds fifty thousand workers in midsummer.' },
];
const LIGHTHOUSE = 'When was the Eddystone lighthouse first lit?';
const BEES = 'How do honey bees show the direction of flowers?';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fresh SQLite database holding the corpus, featurized with the hashing embedder (offline). */
async function knowledgeBase(): Promise<string> {
  const { url, cleanup } = await freshDatabase('sqlite');
  cleanups.push(cleanup);
  const db = await openDatabase(parseDatabaseUrl(url));
  const vectors = await openVectorStore(parseDatabaseUrl(url), 'auto');
  try {
    await seedDocuments(db, CORPUS);
    await runFeaturize(db.db, new SqlDocumentStore(db.db), vectors, { embedder: await createEmbedder({ name: 'hashing' }), config: await loadFeaturizeConfig(undefined, REPO) });
  } finally {
    await vectors.close();
    await db.close();
  }
  return url;
}

/** The conversations stored in `url`, read as `user` sees them. */
async function storedSessions(url: string, user: string) {
  const db = await openDatabase(parseDatabaseUrl(url));
  try {
    const store = new SqlSessionStore(db.db);
    const sessions = await store.list(user);
    return await Promise.all(sessions.map(async (s) => ({ ...s, messages: (await store.messages(s.id, user))! })));
  } finally {
    await db.close();
  }
}

const chat = (db: string, input: string, args: string[] = [], env: Record<string, string | undefined> = {}) =>
  runCli(['--db', db, 'chat', ...args], { input, env: { REDIS_URL: undefined, USER: 'ada', ...env } });

describe('llmops chat, piped (scriptable): one question a line, one NDJSON answer each', () => {
  it('holds two turns in one conversation of $USER, and --session carries it on', async () => {
    const db = await knowledgeBase();
    const first = await chat(db, `${LIGHTHOUSE}\n\n${BEES}\n`);
    expect(first.code, first.stderr).toBe(0);
    const [a1, a2] = ndjson(first.stdout);
    expect(a1).toMatchObject({ question: LIGHTHOUSE, mode: 'extractive' });
    expect(a1.answer).toContain('It was first lit in 1698.');
    expect(a1.citations[0]).toMatchObject({ title: 'The Eddystone Lighthouse', link: 'https://example.org/eddystone' });
    expect(a2.answer).toContain('waggle dance');
    expect(a2.session_id).toBe(a1.session_id);

    const resumed = await chat(db, 'Who designed the present tower?\n', ['--session', a1.session_id]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(ndjson(resumed.stdout)[0]).toMatchObject({ session_id: a1.session_id });
    expect(ndjson(resumed.stdout)[0].answer).toContain('James Douglass');

    const [session, ...others] = await storedSessions(db, 'ada');
    expect(others).toEqual([]);
    expect(session).toMatchObject({ id: a1.session_id, title: LIGHTHOUSE, message_count: 6 });
    expect(session!.messages.map((m) => [m.role, m.content.slice(0, 20)])).toEqual([
      ['user', LIGHTHOUSE.slice(0, 20)],
      ['assistant', a1.answer.slice(0, 20)],
      ['user', BEES.slice(0, 20)],
      ['assistant', a2.answer.slice(0, 20)],
      ['user', 'Who designed the pre'],
      ['assistant', ndjson(resumed.stdout)[0].answer.slice(0, 20)],
    ]);
    expect(session!.messages[1]).toMatchObject({ trace_id: a1.trace_id, citations: a1.citations });
  });

  it('/new starts another conversation; /sessions lists them, the current one marked; --user keeps them apart', async () => {
    const db = await knowledgeBase();
    const r = await chat(db, `${LIGHTHOUSE}\n/new\n${BEES}\n/sessions\n`, ['--user', 'bob']);
    expect(r.code, r.stderr).toBe(0);
    const [a1, a2, ...listed] = ndjson(r.stdout);
    expect(r.stderr).toContain('(a new conversation starts with your next question)');
    expect(a2.session_id).not.toBe(a1.session_id);
    expect(listed.map((s) => [s.id, s.current, s.title, s.message_count])).toEqual([
      [a2.session_id, true, BEES, 2],
      [a1.session_id, false, LIGHTHOUSE, 2],
    ]);
    expect(await storedSessions(db, 'ada')).toEqual([]);
  });

  it('every stdout line is JSON: /sources is a record; /help, notes and an unknown command go to stderr', async () => {
    const db = await knowledgeBase();
    const r = await chat(db, `/sessions\n/sources\n${LIGHTHOUSE}\n/sources\n/help\n/new\n/nonsense\n/sources\n`);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    const records = lines.map((l) => JSON.parse(l)); // throws on a line that is not JSON
    expect(records.map((x) => x.command ?? 'answer')).toEqual(['/sources', 'answer', '/sources', '/sources']);
    const [before, answer, sources, afterNew] = records;
    expect(before.sources).toEqual([]);
    expect(sources.sources).toEqual(answer.citations);
    expect(sources.sources[0]).toMatchObject({ n: 1, title: 'The Eddystone Lighthouse', link: 'https://example.org/eddystone' });
    expect(afterNew.sources).toEqual([]);
    expect(r.stderr).toContain('/sources     the sources the last answer cites');
    expect(r.stderr).toContain('(a new conversation starts with your next question)');
    expect(r.stderr).toContain('unknown command /nonsense (/help lists them)');
    expect(r.stderr).toContain('(no conversations yet)');
  });

  it('refuses a session that is not the user\'s as if it did not exist: one line, exit 2', async () => {
    const db = await knowledgeBase();
    const a = ndjson((await chat(db, `${LIGHTHOUSE}\n`)).stdout)[0];
    for (const [args, env] of [
      [['--session', a.session_id], { USER: 'mallory' }],
      [['--session', '00000000-0000-4000-8000-000000000000'], {}],
      [['--session', 'nonsense'], {}],
    ] as const) {
      const r = await chat(db, `${BEES}\n`, [...args], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^llmops: --session \S+: no conversation of \w+'s has this id \(in a chat, \/sessions lists them\)\n$/);
      expect(r.stdout).toBe('');
    }
    expect((await storedSessions(db, 'ada'))[0]!.message_count).toBe(2);
  });

  it('with no database here: says so, exit 2, and creates none', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const r = await runCli(['chat'], { cwd: dir.path, input: `${BEES}\n`, env: { REDIS_URL: undefined, USER: 'ada' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^llmops: no llmops database at .*llmops\.db/);
    expect(existsSync(join(dir.path, '.llmops'))).toBe(false);
  });

  it.skipIf(!redisAvailable)('keeps the conversation in Redis when REDIS_URL is set', async () => {
    const db = await knowledgeBase();
    const user = `ada-${randomBytes(4).toString('hex')}`;
    const r = await chat(db, `${LIGHTHOUSE}\n${BEES}\n`, ['--user', user], { REDIS_URL: REDIS_TEST_URL });
    expect(r.code, r.stderr).toBe(0);
    const [a1] = ndjson(r.stdout);
    const redis = await RedisSessionStore.open(REDIS_TEST_URL);
    cleanups.push(() => redis.close());
    cleanups.push(() => redis.delete(a1.session_id, user));
    expect((await redis.messages(a1.session_id, user))!.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(await storedSessions(db, user)).toEqual([]);
  });
});

describe('llmops chat with a model: earlier turns reach it', () => {
  let openai: FakeLlmServer;
  beforeAll(async () => {
    openai = await startFakeOpenAI({ apiKey: 'sk-chat-test-1234567890' });
  });
  afterAll(async () => openai?.close());
  const env = () => ({ OPENAI_API_KEY: 'sk-chat-test-1234567890', OPENAI_BASE_URL: openai.url });

  it('sends the conversation so far with each question, its sources only with the newest', async () => {
    const db = await knowledgeBase();
    openai.setResponder(({ messages }) => `Answer number ${messages.filter((m) => m.role === 'user').length} [1].`);
    const r = await chat(db, `${LIGHTHOUSE}\n${BEES}\n`, ['--env', 'openai'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(ndjson(r.stdout).map((a) => a.answer)).toEqual(['Answer number 1 [1].', 'Answer number 2 [1].']);
    const second = openai.requests.at(-1)!.body.messages as { role: string; content: string }[];
    const turns = second.filter((m) => m.role !== 'system');
    expect(turns.slice(0, 2)).toEqual([
      { role: 'user', content: LIGHTHOUSE },
      { role: 'assistant', content: 'Answer number 1 [1].' },
    ]);
    expect(turns[2]!.content).toMatch(/Sources:[\s\S]*Question: How do honey bees/);
  });
});

describe.skipIf(!hasScript)('llmops chat on a terminal', () => {
  const open = (args: string[], env: Record<string, string> = {}) => {
    const term = new TerminalSession(args, { env: { USER: 'ada', ...env } });
    cleanups.push(() => term.kill());
    return term;
  };

  it('answers, shows /sources and /sessions, leaves on Ctrl-D; --session shows the conversation so far', async () => {
    const db = await knowledgeBase();
    const term = open(['--db', db, 'chat']);
    await term.waitFor('\n> ');
    term.type(`${LIGHTHOUSE}\r`);
    let at = await term.waitFor('(1 source: /sources)');
    term.type('/sources\r');
    await term.waitFor('[1] The Eddystone Lighthouse — https://example.org/eddystone (chunk 0)', at);
    term.type(`${BEES}\r`);
    at = await term.waitFor(/waggle dance[^\n]*\n[^\n]*source/, at);
    term.type('/sessions\r');
    await term.waitFor(/\* [0-9a-f-]{36}  \d{4}-\d\d-\d\d \d\d:\d\d  4 messages  When was the Eddystone/, at);
    term.type('\u0004');
    expect(await term.exit()).toMatchObject({ code: 0 });
    const [session] = await storedSessions(db, 'ada');
    expect(session!.message_count).toBe(4);

    const again = open(['--db', db, 'chat', '--session', session!.id]);
    await again.waitFor('\n> ');
    const shown = again.screen;
    expect(shown).toContain(`resuming "${LIGHTHOUSE}" (4 messages)`);
    expect(shown).toContain(`you: ${LIGHTHOUSE}\nanswer: It was first lit in 1698.`);
    expect(shown).toContain(`you: ${BEES}\nanswer: Honey bees`);
    again.type('/new\r');
    await again.waitFor('(a new conversation starts with your next question)');
    again.type(`${BEES}\r`);
    await again.waitFor('(1 source: /sources)');
    again.type('/quit\r');
    expect(await again.exit()).toMatchObject({ code: 0 });
    expect((await storedSessions(db, 'ada')).map((s) => s.message_count)).toEqual([2, 4]);
  });

  describe('with a model streaming slowly', () => {
    let openai: FakeLlmServer;
    beforeAll(async () => {
      openai = await startFakeOpenAI({ apiKey: 'sk-chat-test-1234567890', tokenDelayMs: 300 });
    });
    afterAll(async () => openai?.close());

    it('Ctrl-C stops the answer being written (not the chat, and the turn is not kept); twice at the prompt leaves', async () => {
      const db = await knowledgeBase();
      openai.setResponder(() => 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty');
      const term = open(['--db', db, 'chat', '--env', 'openai'], { OPENAI_API_KEY: 'sk-chat-test-1234567890', OPENAI_BASE_URL: openai.url });
      await term.waitFor('\n> ');
      term.type(`${LIGHTHOUSE}\r`);
      await term.waitFor('one two');
      term.type('\u0003');
      let at = await term.waitFor('(stopped; this turn is not kept)');
      at = await term.waitFor('\n> ', at);
      // The stream was given up, not read to its end.
      expect(term.screen).not.toContain('twenty');
      term.type('\u0003');
      await term.waitFor('(Ctrl-C again to leave, or Ctrl-D)', at);
      term.type('\u0003');
      expect(await term.exit()).toMatchObject({ code: 0 });
      expect(await storedSessions(db, 'ada')).toEqual([]);
      const [stream] = await openai.streamsSettled();
      expect(stream!.end).toBe('client-disconnected');
    });
  });
});
