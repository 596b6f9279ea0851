import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { createEmbedder } from '../../src/embed/create-embedder.js';
import { loadFeaturizeConfig } from '../../src/featurize/featurize-config.js';
import { runFeaturize } from '../../src/featurize/run-featurize.js';
import { SqlDocumentStore } from '../../src/store/sql-document-store.js';
import { openVectorStore } from '../../src/vector/open-vector-store.js';
import { engineMissing, freshDatabase, tempDir, type Engine } from '../helpers/databases.js';
import { BIN, REPO, hasScript, ndjson, runCli, runOnTerminal } from '../helpers/cli.js';
import { seedDocuments } from '../helpers/seed.js';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import type { FakeLlmServer, ResponderInput } from '../fakes/fake-llm-server.js';
import { startFakeQdrant } from '../fakes/qdrant-server.js';

const OPENAI_KEY = 'sk-openai-ask-test-1234567890';

/** Facts a question can find in one place: two categories, so two embedded collections. */
const CORPUS = [
  { id: 'eddystone', category: 'articles', title: 'The Eddystone Lighthouse', link: 'https://example.org/eddystone', text: 'The Eddystone lighthouse stands fourteen kilometres off Plymouth. It was first lit in 1698. Storms destroyed the early towers. The present tower was designed by James Douglass.' },
  { id: 'pilots', category: 'articles', title: 'Harbour Pilots', link: 'https://example.org/pilots', text: 'Harbour pilots board arriving ships outside the breakwater. Tugs help the larger ships berth. Most harbours charge a pilotage fee of twelve euros per metre of draught.' },
  { id: 'bees', category: 'posts', title: 'Bee notes', text: 'Honey bees tell their sisters the direction of flowers with a waggle dance. A strong colony holds fifty thousand workers in midsummer.' },
  { id: 'bread', category: 'posts', title: 'Sourdough log', text: 'My sourdough starter doubles in six hours at room temperature. Rye flour makes it rise faster than wheat.' },
];

/**
 * A fresh database holding the corpus, featurized with the hashing embedder, in-process. On
 * PostgreSQL the vectors live in Qdrant: here the local fake of its REST API; `env` points the
 * CLI at it.
 */
async function knowledgeBase(engine: Engine = 'sqlite') {
  const { url, cleanup } = await freshDatabase(engine);
  const db = await openDatabase(parseDatabaseUrl(url));
  const qdrant = engine === 'postgres' ? await startFakeQdrant() : undefined;
  await seedDocuments(db, CORPUS);
  const vectors = await openVectorStore(parseDatabaseUrl(url), 'auto', qdrant?.url);
  try {
    await runFeaturize(db.db, new SqlDocumentStore(db.db), vectors, { embedder: await createEmbedder({ name: 'hashing' }), config: await loadFeaturizeConfig(undefined, REPO) });
  } finally {
    await vectors.close();
  }
  const env: Record<string, string | undefined> = { QDRANT_URL: qdrant?.url };
  return { url, db, env, cleanup: async () => (await db.close(), await qdrant?.close(), await cleanup()) };
}

const chunkText = async (db: Db, id: string) => (await db.db.selectFrom('featurize_chunks').select('text').where('id', '=', id).executeTakeFirstOrThrow()).text;
const documentId = async (db: Db, externalId: string) => (await db.db.selectFrom('documents').select('id').where('external_id', '=', externalId).executeTakeFirstOrThrow()).id;

/** The number the prompt gave the source titled `title` (its "[n] Title" header), or 0. */
function sourceNumber(input: ResponderInput, title: string): number {
  const last = input.messages.at(-1)!.content;
  return Number(new RegExp(`^\\[(\\d+)\\] ${title}`, 'm').exec(last)?.[1] ?? 0);
}

describe('llmops ask, offline (no key, no network): extractive answers', () => {
  it('ingest → featurize --embedder hashing → ask: the answer quotes the sentence and cites the chunk that holds it', async () => {
    const d = tempDir();
    try {
      const db = join(d.path, 'kb.db');
      const corpus = join(d.path, 'corpus.jsonl');
      writeFileSync(corpus, CORPUS.map((r) => JSON.stringify(r)).join('\n'));
      expect((await runCli(['--db', db, '-q', 'ingest', corpus])).code).toBe(0);
      expect((await runCli(['--db', db, '-q', 'featurize', '--embedder', 'hashing'])).code).toBe(0);

      const r = await runCli(['--db', db, 'ask', 'When was the Eddystone lighthouse first lit?', '--json'], { cwd: d.path });
      expect(r.code, r.stderr).toBe(0);
      const [a] = ndjson(r.stdout);
      expect(a).toMatchObject({ question: 'When was the Eddystone lighthouse first lit?', mode: 'extractive', provider: 'local', call_id: null });
      expect(a.answer).toMatch(/^It was first lit in 1698\. \[\d\]/);
      const cited = a.citations.find((c: any) => a.answer.startsWith(`It was first lit in 1698. [${c.n}]`));
      expect(cited).toMatchObject({ title: 'The Eddystone Lighthouse', link: 'https://example.org/eddystone', collection: 'embedded_articles', chunk_index: 0 });
      const kb = await openDatabase(parseDatabaseUrl(db));
      try {
        expect(await chunkText(kb, cited.chunk_id)).toContain('It was first lit in 1698.');
        expect(cited.document_id).toBe(await documentId(kb, 'eddystone'));
      } finally {
        await kb.close();
      }
    } finally {
      d.remove();
    }
  });

  it('searches every embedded collection by default, only the named ones with --collection', async () => {
    const kb = await knowledgeBase();
    try {
      const all = ndjson((await runCli(['--db', kb.url, 'ask', 'How do honey bees show the direction of flowers?'])).stdout)[0];
      expect(all.answer).toContain('waggle dance');
      expect(all.citations[0]).toMatchObject({ title: 'Bee notes', collection: 'embedded_posts' });
      const onlyArticles = await runCli(['--db', kb.url, 'ask', 'How do honey bees show the direction of flowers?', '--collection', 'embedded_articles']);
      expect(onlyArticles.code, onlyArticles.stderr).toBe(0);
      const a = ndjson(onlyArticles.stdout)[0];
      expect(a.answer).not.toContain('waggle');
      expect(a.citations.every((c: any) => c.collection === 'embedded_articles')).toBe(true);
    } finally {
      await kb.cleanup();
    }
  });

  it('across collections the best chunk wins, not each collection\'s first: --k 1 finds the one that answers', async () => {
    const kb = await knowledgeBase();
    try {
      // Each collection always has a nearest chunk: ranks alone made the two first ones equal,
      // and the tie went to embedded_articles, which says nothing about bees.
      for (const [question, title] of [
        ['How do honey bees show the direction of flowers?', 'Bee notes'],
        ['What does the pilotage fee cost per metre of draught?', 'Harbour Pilots'],
        ['How fast does a sourdough starter double?', 'Sourdough log'],
      ]) {
        const r = await runCli(['--db', kb.url, 'ask', question!, '--k', '1']);
        expect(r.code, r.stderr).toBe(0);
        expect(ndjson(r.stdout)[0].citations.map((c: any) => c.title)).toEqual([title]);
      }
    } finally {
      await kb.cleanup();
    }
  });

  it.skipIf(!hasScript)('on a terminal: the answer, then its sources as [n] Title — link (chunk i)', async () => {
    const kb = await knowledgeBase();
    try {
      const shown = await runOnTerminal(['--db', kb.url, 'ask', 'When was the Eddystone lighthouse first lit?'], { cwd: REPO });
      const n = /^It was first lit in 1698\. \[(\d)\]/m.exec(shown)?.[1];
      expect(n, shown).toBeDefined();
      expect(shown).toContain(`\nSources\n`);
      expect(shown).toContain(`[${n}] The Eddystone Lighthouse — https://example.org/eddystone (chunk 0)\n`);
      expect(shown).toContain('extractive answer');
    } finally {
      await kb.cleanup();
    }
  });

  it('one-line errors, exit 2: no database, nothing featurized, an unknown collection, a bad NDJSON line', async () => {
    const d = tempDir();
    const kb = await knowledgeBase();
    try {
      const missing = await runCli(['--db', join(d.path, 'none.db'), 'ask', 'Anything?']);
      expect([missing.code, missing.stderr.trim()]).toEqual([2, `llmops: no llmops database at ${join(d.path, 'none.db')} (nothing to read: run ingest, crawl or monitor first, or pass --db)`]);
      const bare = join(d.path, 'bare.db');
      expect((await runCli(['--db', bare, '-q', 'ingest', join(REPO, 'data', 'posts.jsonl')])).code).toBe(0);
      const unfeaturized = await runCli(['--db', bare, 'ask', 'Anything?']);
      expect(unfeaturized.code).toBe(2);
      expect(unfeaturized.stderr).toMatch(/^llmops: ask: no embedded collection in .*bare\.db to search \(run llmops featurize first\)\n$/);
      const unknown = await runCli(['--db', kb.url, 'ask', 'Anything?', '--collection', 'embedded_nothing']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/^llmops: --collection embedded_nothing: no such collection in .* \(llmops inspect collections lists them; llmops featurize makes them\)\n$/);
      const bad = await runCli(['--db', kb.url, 'ask', '--in', '-'], { input: '{"question": "Who designed the tower?"}\n{"text": "not a question"}\n' });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('llmops: ask: <stdin>:2: no "question" string\n');
      const both = await runCli(['--db', kb.url, 'ask', 'Why?', '--in', '-']);
      expect([both.code, both.stderr]).toEqual([2, 'llmops: ask: give a question or --in, not both\n']);
    } finally {
      await kb.cleanup();
      d.remove();
    }
  });
});

describe('llmops ask with a model (the fake OpenAI API through the openai SDK)', () => {
  let openai: FakeLlmServer;
  beforeAll(async () => {
    openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  });
  afterAll(async () => openai?.close());
  const env = () => ({ OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: openai.url });

  it('the answer cites sources by number; each resolves to the right document, and the call is logged with task ask', async () => {
    const kb = await knowledgeBase();
    try {
      // Cites the Eddystone source by the number the prompt gave it, plus one no source has.
      openai.setResponder((input) => `It was first lit in 1698 [${sourceNumber(input, 'The Eddystone Lighthouse')}], a pilot needs no fee for it [${sourceNumber(input, 'Harbour Pilots')}][9].`);
      const r = await runCli(['--db', kb.url, 'ask', 'When was the Eddystone lighthouse first lit?', '--env', 'openai', '--json'], { env: env() });
      expect(r.code, r.stderr).toBe(0);
      const [a] = ndjson(r.stdout);
      expect(a).toMatchObject({ mode: 'generated', provider: 'openai', model: 'gpt-4o-mini', finish_reason: 'stop' });
      expect(a.citations.map((c: any) => c.title)).toEqual(expect.arrayContaining(['The Eddystone Lighthouse', 'Harbour Pilots']));
      expect(a.citations).toHaveLength(2);
      for (const c of a.citations) {
        expect(c.document_id).toBe(await documentId(kb.db, c.title === 'Harbour Pilots' ? 'pilots' : 'eddystone'));
        expect(a.answer).toContain(`[${c.n}]`);
      }
      expect(a.usage.input_tokens).toBeGreaterThan(0);
      expect(a.cost_usd).toBeGreaterThan(0);

      const sent = openai.requests.at(-1)!.body;
      expect(sent.messages[0].role).toBe('system');
      expect(sent.messages[0].content).toMatch(/\[1\]/);
      expect(sent.messages.at(-1).content).toMatch(/\n\nQuestion: When was the Eddystone lighthouse first lit\?$/);
      expect(sent.max_completion_tokens).toBe(1024);

      const call = await kb.db.db.selectFrom('llm_calls').selectAll().where('id', '=', a.call_id).executeTakeFirstOrThrow();
      expect(call).toMatchObject({ task: 'ask', trace_id: a.trace_id, provider: 'openai', model: 'gpt-4o-mini', status: 'ok' });
      expect(call.response).toBe(a.answer);
      expect(r.stdout + r.stderr).not.toContain(OPENAI_KEY);
    } finally {
      await kb.cleanup();
    }
  });

  it.skipIf(engineMissing('postgres'))('on PostgreSQL (vectors in Qdrant): the same retrieval, citations and call log', async () => {
    const kb = await knowledgeBase('postgres');
    try {
      const offline = await runCli(['--db', kb.url, 'ask', 'How do honey bees show the direction of flowers?'], { env: kb.env });
      expect(offline.code, offline.stderr).toBe(0);
      const e = ndjson(offline.stdout)[0];
      expect(e.answer).toMatch(/waggle dance\. \[\d\]/);
      expect(e.citations[0]).toMatchObject({ title: 'Bee notes', collection: 'embedded_posts', document_id: await documentId(kb.db, 'bees') });

      openai.setResponder((input) => `They dance [${sourceNumber(input, 'Bee notes')}].`);
      const r = await runCli(['--db', kb.url, 'ask', 'How do honey bees show the direction of flowers?', '--env', 'openai'], { env: { ...kb.env, ...env() } });
      expect(r.code, r.stderr).toBe(0);
      const a = ndjson(r.stdout)[0];
      expect(a.citations).toEqual([expect.objectContaining({ title: 'Bee notes', document_id: await documentId(kb.db, 'bees') })]);
      const call = await kb.db.db.selectFrom('llm_calls').selectAll().where('id', '=', a.call_id).executeTakeFirstOrThrow();
      expect(call).toMatchObject({ task: 'ask', trace_id: a.trace_id });
    } finally {
      await kb.cleanup();
    }
  });

  it('--in - --out -: questions answered concurrently, each answer on its line with its id, in input order', async () => {
    const kb = await knowledgeBase();
    try {
      // No answer leaves before four requests are in flight at once (a serial run would wait here).
      let arrived = 0;
      let inFlight = 0;
      let most = 0;
      let allIn!: () => void;
      const four = new Promise<void>((resolve) => (allIn = resolve));
      openai.setResponder(async (input) => {
        inFlight++;
        most = Math.max(most, inFlight);
        if (++arrived === 4) allIn();
        await Promise.race([four, sleep(30_000)]);
        inFlight--;
        const question = /Question: (.*)$/.exec(input.messages.at(-1)!.content)![1];
        return `About "${question}": see [1].`;
      });
      const questions = ['Who designed the present tower?', 'How many workers does a colony hold?', 'What is the pilotage fee?', 'How fast does the starter double?', 'What destroyed the early towers?'];
      const input = [
        JSON.stringify({ id: 'q-a', question: questions[0] }),
        JSON.stringify({ id: 2, question: questions[1] }),
        JSON.stringify(questions[2]),
        JSON.stringify({ id: { nested: true }, question: questions[3] }),
        JSON.stringify({ id: 'q-e', question: questions[4] }),
      ].join('\n');
      const r = await runCli(['--db', kb.url, 'ask', '--in', '-', '--out', '-', '--env', 'openai', '--concurrency', '4'], { input, env: env() });
      expect(r.code, r.stderr).toBe(0);
      const lines = ndjson(r.stdout);
      expect(lines.map((l) => [l.id, l.question])).toEqual([
        ['q-a', questions[0]],
        [2, questions[1]],
        [undefined, questions[2]],
        [{ nested: true }, questions[3]],
        ['q-e', questions[4]],
      ]);
      for (const l of lines) {
        expect(l.answer).toBe(`About "${l.question}": see [1].`);
        expect(l.citations.map((c: any) => c.n)).toEqual([1]);
      }
      expect(most).toBe(4);
      expect(new Set(lines.map((l) => l.trace_id)).size).toBe(5);
      expect(r.stderr).toMatch(/answered\s+5/);
    } finally {
      await kb.cleanup();
    }
  });

  it('a question the model fails gets an error line, the others their answers: exit 3', async () => {
    const kb = await knowledgeBase();
    try {
      openai.setResponder(() => 'Fine [1].');
      openai.enqueue({ kind: 'status', status: 400 });
      const input = ['{"id": 1, "question": "Who designed the tower?"}', '{"id": 2, "question": "What is the fee?"}'].join('\n');
      const r = await runCli(['--db', kb.url, 'ask', '--in', '-', '--env', 'openai', '--concurrency', '1'], { input, env: env() });
      expect(r.code).toBe(3);
      const [first, second] = ndjson(r.stdout);
      expect(first).toMatchObject({ id: 1, question: 'Who designed the tower?' });
      expect(first.error).toMatch(/400/);
      expect(second).toMatchObject({ id: 2, answer: 'Fine [1].', mode: 'generated' });
    } finally {
      await kb.cleanup();
    }
  });

  it('Ctrl-C stops an answer mid-stream: exit 130, the call recorded as cancelled with the text so far', async () => {
    const kb = await knowledgeBase();
    try {
      openai.setResponder(() => 'The present tower was designed by James Douglass [1].');
      // Two tokens, then silence: only Ctrl-C ends this answer.
      openai.enqueue({ kind: 'stall', afterTokens: 2 });
      const before = openai.streams.length;
      const child = spawn(process.execPath, [BIN, '--db', kb.url, 'ask', 'Who designed the tower?', '--env', 'openai'], { env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (b) => (stderr += b));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      for (let i = 0; i < 1200 && (openai.streams[before]?.tokensSent ?? 0) < 2; i++) await sleep(50);
      expect(openai.streams[before]).toMatchObject({ tokensSent: 2 });
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('llmops: ask: stopped (Ctrl-C)');
      const calls = await kb.db.db.selectFrom('llm_calls').selectAll().where('task', '=', 'ask').execute();
      expect(calls.map((c) => [c.status, c.response])).toEqual([['cancelled', 'The present']]);
    } finally {
      await kb.cleanup();
    }
  });

  it.skipIf(!hasScript)('on a terminal the answer streams: the words already sent show while the model is still writing', async () => {
    const kb = await knowledgeBase();
    const d = tempDir();
    try {
      // A profile that gives up on a silent stream after 2 s (timeout_s), without retries.
      const profiles = join(d.path, 'profiles.toml');
      writeFileSync(profiles, ['default_env = "quick"', '[envs.quick]', 'profile = "p"', 'hookset = "h"', '[profiles.p]', 'provider = "openai"', 'model = "gpt-4o-mini"', 'parameters = { timeout_s = 2, max_retries = 0 }', '[hooksets.h]', 'before = []', 'after = ["store"]'].join('\n'));
      openai.setResponder(() => 'The present tower was designed by James Douglass [1].');
      // Four tokens, then the model falls silent: the rest of the answer never comes.
      openai.enqueue({ kind: 'stall', afterTokens: 4 });
      const shown = await runOnTerminal(['--db', kb.url, 'ask', 'Who designed the tower?', '--profiles', profiles], { cwd: d.path, env: { ...env() } });
      // Only streaming puts those words on the screen: the answer never completed.
      expect(shown).toContain('The present tower was\nllmops: openai: the answer stalled: no event for 2 s');
      expect(shown).not.toContain('Douglass');
    } finally {
      await kb.cleanup();
      d.remove();
    }
  });
});
