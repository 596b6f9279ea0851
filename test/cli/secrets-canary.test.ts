import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/databases.js';
import { hasScript, runCli, runOnTerminal, withoutCreatedNote, type CliResult } from '../helpers/cli.js';
import { startEchoKeyServer } from '../fakes/echo-key-server.js';
import { startFakeLangfuseApi } from '../fakes/langfuse-api-server.js';
import { startFakeAnthropic } from '../fakes/anthropic-server.js';

// Canary keys: not in any known key shape, so only masking the values the process was given
// (and their base64 forms) can keep them out.
const OPENAI_CANARY = 'CANARYopenai7f3a9c1e5b';
const ANTHROPIC_CANARY = 'CANARYanthropic42d8e0aa';
const LF_PUBLIC = 'CANARYlfpub9911aa';
const LF_SECRET = 'CANARYlfsec5522bb';
// A user plugin's key: masked because the variable is named like a secret.
const ACME_CANARY = 'CANARYacme31c7d9e2f0';
const CANARIES = [OPENAI_CANARY, ANTHROPIC_CANARY, LF_PUBLIC, LF_SECRET, ACME_CANARY];
const basic = Buffer.from(`${LF_PUBLIC}:${LF_SECRET}`).toString('base64');

const dir = tempDir('llmops-canary-');
afterAll(() => dir.remove());

/** Every byte the command left behind: stdout, stderr, and the SQLite file with its WAL. */
function leftBehind(r: CliResult, db: string): string {
  const files = [db, `${db}-wal`, `${db}-journal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1'));
  return [r.stdout, r.stderr, ...files].join('\n');
}

function expectNoCanary(text: string): void {
  for (const c of [...CANARIES, basic, basic.slice(4, 24)]) expect(text, `found ${c}`).not.toContain(c);
}

async function ingested(name: string): Promise<string> {
  const db = join(dir.path, `${name}.db`);
  const docs = join(dir.path, `${name}.jsonl`);
  writeFileSync(docs, `${JSON.stringify({ id: 'd1', text: 'The river rose fast. Everyone left the old town in time.' })}\n`);
  expect((await runCli(['--db', db, 'ingest', docs])).code).toBe(0);
  return db;
}

describe('no secret is stored or printed, even when a server echoes it', () => {
  it('featurize --embedder openai: the key echoed in the error is masked on stderr, in runs.error and in inspect runs --json', async () => {
    const server = await startEchoKeyServer(401);
    try {
      const db = await ingested('featurize');
      const env = { OPENAI_API_KEY: OPENAI_CANARY, OPENAI_BASE_URL: `${server.url}/v1` };
      const r = await runCli(['--db', db, 'featurize', '--embedder', 'openai'], { env });
      expect(r.code).not.toBe(0);
      expect(server.requests).toBeGreaterThan(0);
      expect(r.stderr).toContain('Incorrect API key provided: ***');
      const runs = await runCli(['--db', db, 'inspect', 'runs', '--json']);
      expect(runs.code).toBe(0);
      expect(runs.stdout).toContain('Incorrect API key provided: ***');
      expectNoCanary(leftBehind(r, db) + runs.stdout + runs.stderr);
    } finally {
      await server.close();
    }
  });

  it('analyse --env openai and --env anthropic: call records, results and runs hold no key', async () => {
    const server = await startEchoKeyServer(401);
    try {
      const db = await ingested('analyse');
      expect((await runCli(['--db', db, 'split'])).code).toBe(0);
      const openai = await runCli(['--db', db, 'analyse', '--env', 'openai', '--no-cache'], { env: { OPENAI_API_KEY: OPENAI_CANARY, OPENAI_BASE_URL: `${server.url}/v1` } });
      const anthropic = await runCli(['--db', db, 'analyse', '--env', 'anthropic', '--no-cache'], { env: { ANTHROPIC_API_KEY: ANTHROPIC_CANARY, ANTHROPIC_BASE_URL: server.url } });
      expect(server.requests).toBeGreaterThan(1);
      for (const r of [openai, anthropic]) {
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^llmops: analyse: provider rejected the request \(401\)/);
      }
      const runs = await runCli(['--db', db, 'inspect', 'runs', '--json']);
      expectNoCanary(leftBehind(openai, db) + anthropic.stdout + anthropic.stderr + runs.stdout);
    } finally {
      await server.close();
    }
  });

  it('analyse with the cache on, against a model whose answer quotes the key: the cached answer, the call records and the results hold no key', async () => {
    const server = await startEchoKeyServer(200);
    try {
      const db = await ingested('answered');
      expect((await runCli(['--db', db, 'split'])).code).toBe(0);
      const openai = await runCli(['--db', db, 'analyse', '--env', 'openai'], { env: { OPENAI_API_KEY: OPENAI_CANARY, OPENAI_BASE_URL: `${server.url}/v1` } });
      const anthropic = await runCli(['--db', db, 'analyse', '--env', 'anthropic'], { env: { ANTHROPIC_API_KEY: ANTHROPIC_CANARY, ANTHROPIC_BASE_URL: server.url } });
      for (const r of [openai, anthropic]) expect(r.code, r.stderr).toBe(0);
      expect(server.requests).toBeGreaterThan(1);
      const cache = await runCli(['--db', db, 'cache', 'stats', '--json']);
      expect(cache.stdout).toMatch(/"entries":\s*[1-9]/);
      const calls = await runCli(['--db', db, 'inspect', 'calls', '--json', '--limit', '50']);
      const call = await runCli(['--db', db, 'inspect', 'calls', String(JSON.parse(calls.stdout.split('\n')[0]!).id), '--json']);
      expect(call.stdout).toContain('you sent Bearer ***');
      // Answered again from the cache: what the cache hands back is masked too.
      const asked = server.requests;
      const again = await runCli(['--db', db, 'analyse', '--env', 'openai', '--text', 'The river rose fast.'], { env: { OPENAI_API_KEY: OPENAI_CANARY, OPENAI_BASE_URL: `${server.url}/v1` } });
      expect(again.code, again.stderr).toBe(0);
      expect(server.requests).toBe(asked);
      expectNoCanary(leftBehind(openai, db) + anthropic.stdout + anthropic.stderr + calls.stdout + call.stdout + again.stdout + again.stderr);
    } finally {
      await server.close();
    }
  });

  it('ask --in and chat against a model that quotes the key (streamed, split across deltas) or a gateway that echoes it in an error: answers, errors and stored conversations hold no key', async () => {
    const answering = await startEchoKeyServer(200);
    const refusing = await startEchoKeyServer(401);
    try {
      const db = await ingested('ask');
      expect((await runCli(['--db', db, 'featurize', '--embedder', 'hashing'])).code).toBe(0);
      const env = (server: { url: string }) => ({ OPENAI_API_KEY: OPENAI_CANARY, OPENAI_BASE_URL: `${server.url}/v1`, REDIS_URL: undefined });
      const answered = await runCli(['--db', db, 'ask', '--in', '-', '--env', 'openai'], { input: '"Did the river rise?"\n', env: env(answering) });
      expect(answered.code, answered.stderr).toBe(0);
      expect(JSON.parse(answered.stdout.split('\n')[0]!).answer).toBe('The key you sent is *** [1].');
      const refused = await runCli(['--db', db, 'ask', '--in', '-', '--env', 'openai'], { input: '"Did the river rise?"\n', env: env(refusing) });
      expect(refused.code).toBe(3);
      expect(JSON.parse(refused.stdout.split('\n')[0]!).error).toContain('Incorrect API key provided: ***');
      const chat = await runCli(['--db', db, 'chat', '--env', 'openai'], { input: 'Did the river rise?\n', env: env(answering) });
      expect(chat.code, chat.stderr).toBe(0);
      expect(answering.requests).toBeGreaterThan(1);
      expectNoCanary(leftBehind(answered, db) + refused.stdout + refused.stderr + chat.stdout + chat.stderr);
      if (hasScript) {
        // On a terminal the answer is streamed as it comes: the key, split across two deltas, is masked there too.
        const shown = await runOnTerminal(['--db', db, 'ask', 'Did the river rise?', '--env', 'openai'], { cwd: dir.path, env: env(answering) });
        expect(shown).toContain('The key you sent is *** [1].');
        expectNoCanary(shown);
      }
    } finally {
      await answering.close();
      await refusing.close();
    }
  });

  it('monitor from Langfuse with refused credentials: one masked line, exit 2, no key or Basic header anywhere', async () => {
    const lf = await startFakeLangfuseApi({ publicKey: 'pk-lf-right', secretKey: 'sk-lf-right', echoCredentials: true });
    try {
      const db = join(dir.path, 'monitor.db');
      const cfg = join(dir.path, 'lf.yaml');
      writeFileSync(cfg, 'name: lf\nsource: { type: langfuse }\nmetrics: [{ name: length }]\npublish: [{ type: sql }]\n');
      const env = { LANGFUSE_PUBLIC_KEY: LF_PUBLIC, LANGFUSE_SECRET_KEY: LF_SECRET, LANGFUSE_BASE_URL: lf.url };
      const r = await runCli(['--db', db, 'monitor', cfg], { env });
      expect(r.code).toBe(2);
      // The failed run is recorded in the database it created.
      expect(withoutCreatedNote(r.stderr).trim().split('\n')).toEqual([
        `llmops: source langfuse: Langfuse at ${lf.url} refused the credentials (HTTP 401): check LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL`,
      ]);
      expect(lf.requests.length).toBeGreaterThan(0);
      expectNoCanary(leftBehind(r, db));
    } finally {
      await lf.close();
    }
  });

  it('monitor publishing to Langfuse with refused credentials: exit 2, one line, and the item stored by the SQL publisher is masked', async () => {
    const lf = await startFakeLangfuseApi({ publicKey: 'pk-lf-right', secretKey: 'sk-lf-right', echoCredentials: true });
    try {
      const db = join(dir.path, 'publish.db');
      const traces = join(dir.path, 'traces.jsonl');
      writeFileSync(traces, `${JSON.stringify({ id: 'a', trace_id: 't-1', input: `my key is ${OPENAI_CANARY}`, output: 'noted' })}\n`);
      const cfg = join(dir.path, 'pub.yaml');
      writeFileSync(cfg, `name: pub\nsource: { type: jsonl, path: ${traces} }\nmetrics: [{ name: length }]\npublish: [{ type: sql }, { type: langfuse }]\n`);
      const env = { LANGFUSE_PUBLIC_KEY: LF_PUBLIC, LANGFUSE_SECRET_KEY: LF_SECRET, LANGFUSE_BASE_URL: lf.url, OPENAI_API_KEY: OPENAI_CANARY };
      const r = await runCli(['--db', db, 'monitor', cfg], { env });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n').at(-1)).toBe(
        `llmops: publish langfuse: Langfuse at ${lf.url} refused the credentials (HTTP 401): check LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL`,
      );
      expectNoCanary(leftBehind(r, db));
    } finally {
      await lf.close();
    }
  });
  it('monitor: a judge whose comment quotes a trace holding keys: no key on stdout, in --out, in the scores Langfuse received or in the database', async () => {
    const llm = await startFakeAnthropic({ apiKey: ANTHROPIC_CANARY });
    // The judge's reason echoes what it was shown, trace text and all.
    llm.setResponder(({ messages }) => JSON.stringify({ score: 1, pass: true, reason: `you wrote: ${messages.at(-1)!.content}` }));
    const lf = await startFakeLangfuseApi({ publicKey: LF_PUBLIC, secretKey: LF_SECRET });
    try {
      const db = join(dir.path, 'comments.db');
      const out = join(dir.path, 'comments-scores.jsonl');
      const traces = join(dir.path, 'comments.jsonl');
      writeFileSync(traces, `${JSON.stringify({ id: 'a', trace_id: 't-1', input: `keys: ${ACME_CANARY} and ${ANTHROPIC_CANARY}`, output: 'noted' })}\n`);
      const cfg = join(dir.path, 'comments.yaml');
      writeFileSync(cfg, `name: comments\nsource: { type: jsonl, path: ${traces} }\nmetrics: [{ name: rubric, params: { rubric: polite } }]\npublish: [{ type: sql }, { type: stdout }, { type: langfuse }]\n`);
      const env = { ANTHROPIC_API_KEY: ANTHROPIC_CANARY, ANTHROPIC_BASE_URL: llm.url, ACME_API_KEY: ACME_CANARY, LANGFUSE_PUBLIC_KEY: LF_PUBLIC, LANGFUSE_SECRET_KEY: LF_SECRET, LANGFUSE_BASE_URL: lf.url };
      const r = await runCli(['--db', db, 'monitor', cfg, '--env', 'anthropic', '--out', out], { env });
      expect(r.code, r.stderr).toBe(0);
      // The comment was made and published everywhere, masked.
      const written = readFileSync(out, 'utf8');
      expect(JSON.parse(written).comment).toMatch(/^you wrote: .*keys: \*\*\* and \*\*\*/s);
      expect(r.stdout).toContain('keys: *** and ***');
      expect(lf.scores).toHaveLength(1);
      expect(lf.scores[0]!.comment).toContain('keys: *** and ***');
      expectNoCanary(leftBehind(r, db) + written + JSON.stringify(lf.scores));
    } finally {
      await llm.close();
      await lf.close();
    }
  });
});
