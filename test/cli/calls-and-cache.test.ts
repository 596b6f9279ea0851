import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { ENGINES, engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';
import { BIN, REPO, ndjson, runCli } from '../helpers/cli.js';
import { seedDocuments } from '../helpers/seed.js';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import { defaultResponder, type FakeLlmServer } from '../fakes/fake-llm-server.js';
import { storedSentences } from '../helpers/sentences.js';

// Calls are made by real `analyse` runs against the fake OpenAI-compatible server: sentiment
// on one model, the topic task on another (whose name holds a slash, as OpenRouter's do).
const TOPIC = join(REPO, 'tasks', 'topic.yaml');
const CANARY = 'sk-canary7f3a9c1e5b2d4680';
const DOCS = [
  { id: 'd1', text: 'The parcel was late. The staff were great!' },
  { id: 'd2', text: 'The box came on Tuesday. The price is fine.' },
  { id: 'd3', text: `My key is ${CANARY} today. The soup was cold. The service was slow.` },
];
// Stored after the first sentiment run: the same sentence again, answered from the cache.
const AGAIN = { id: 'd4', text: 'The parcel was late.' };

const hasScript = spawnSync('script', ['--version']).status === 0;
const onTerminal = (args: string[]) =>
  spawnSync('script', ['-qec', [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], { encoding: 'utf8', env: { ...process.env, LLMOPS_DB: undefined } }).stdout.replace(/\r/g, '');

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`inspect calls and cache (${engine})`, () => {
    let url: string;
    let cleanup: () => Promise<void>;
    let db: Db;
    let server: FakeLlmServer;
    let profiles: string;
    const dir = tempDir();
    const cli = (...args: string[]) => runCli(['--db', url, ...args]);
    const count = async (table: 'llm_calls' | 'llm_cache' | 'results') => Number((await db.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    beforeAll(async () => {
      ({ url, cleanup } = await freshDatabase(engine));
      db = await openDatabase(parseDatabaseUrl(url));
      await seedDocuments(db, DOCS, { split: true });
      server = await startFakeOpenAI({ requireKey: false });
      server.setResponder((input) => (/"topic"/.test(input.system ?? '') ? JSON.stringify({ topic: 'delivery', confidence: 0.9 }) : defaultResponder(input)));
      profiles = join(dir.path, 'profiles.toml');
      const profile = (model: string) => `provider = "openai-compatible"\nmodel = "${model}"\nbase_url = "${server.url}"\nprice = { input_per_mtok = 1.0, output_per_mtok = 2.0 }\n`;
      writeFileSync(
        profiles,
        `default_env = "small"\n[envs.small]\nprofile = "small"\nhookset = "h"\n[envs.big]\nprofile = "big"\nhookset = "h"\n` +
          `[profiles.small]\n${profile('qwen-small')}[profiles.big]\n${profile('meta/llama-big')}[hooksets.h]\nbefore = []\nafter = ["guard", "store"]\n`,
      );
      const sentiment = await cli('analyse', '--profiles', profiles, '--concurrency', '1');
      expect(sentiment.code, sentiment.stderr).toBe(0);
      expect(ndjson(sentiment.stdout)[0]).toMatchObject({ done: 7, cached: 0, failed: 0 });
      await seedDocuments(db, [AGAIN], { split: true });
      const hit = await cli('analyse', '--profiles', profiles);
      expect(ndjson(hit.stdout)[0]).toMatchObject({ done: 1, cached: 1 });
      // The first topic request is refused (400): one failed call.
      server.enqueue({ kind: 'status', status: 400 });
      const topic = await cli('analyse', '--profiles', profiles, '--env', 'big', '--task', TOPIC, '--concurrency', '1');
      expect(topic.code, topic.stderr).toBe(3);
      expect(ndjson(topic.stdout)[0]).toMatchObject({ failed: 1 });
    });
    afterAll(async () => {
      await db?.close();
      await server?.close();
      await cleanup?.();
      dir.remove();
    });

    it('lists calls newest first, rows only (totals on stderr, or a last record with --totals); filters by task, model, status, since', async () => {
      const total = await count('llm_calls');
      const all = await cli('inspect', 'calls', '--limit', '100');
      expect(all.code, all.stderr).toBe(0);
      const rows = ndjson(all.stdout);
      expect(rows).toHaveLength(total);
      expect(rows.every((r) => r.totals === undefined && typeof r.id === 'string')).toBe(true);
      expect(rows.map((r) => r.created_at)).toEqual(rows.map((r) => r.created_at).sort().reverse());
      // The topic run came after the sentiment run: its calls are listed first.
      const firstSentiment = rows.findIndex((r) => r.task === 'sentiment');
      expect(rows.slice(0, firstSentiment).every((r) => r.task === 'topic')).toBe(true);
      expect(all.stderr).toMatch(new RegExp(`^ +calls +${total}$`, 'm'));

      const withTotals = ndjson((await cli('inspect', 'calls', '--limit', '2', '--totals')).stdout);
      expect(withTotals).toHaveLength(3);
      expect(withTotals[2].totals).toMatchObject({ calls: total, failed: 1 });

      const topic = ndjson((await cli('inspect', 'calls', '--task', 'topic')).stdout);
      expect(topic.length).toBeGreaterThan(0);
      expect(topic.every((r) => r.task === 'topic' && r.model === 'meta/llama-big')).toBe(true);
      expect(ndjson((await cli('inspect', 'calls', '--model', 'openai-compatible/meta/llama-big')).stdout)).toHaveLength(topic.length);
      const small = ndjson((await cli('inspect', 'calls', '--model', 'qwen-small')).stdout);
      expect(small).toHaveLength(total - topic.length);
      expect(small.every((r) => r.task === 'sentiment')).toBe(true);
      const failed = ndjson((await cli('inspect', 'calls', '--status', 'failed')).stdout);
      expect(failed).toEqual([expect.objectContaining({ task: 'topic', status: 'failed' })]);
      expect(ndjson((await cli('inspect', 'calls', '--status', 'ok', '--limit', '100')).stdout)).toHaveLength(total - 1);
      expect(ndjson((await cli('inspect', 'calls', '--limit', '2')).stdout)).toHaveLength(2);

      // The sentiment calls made two days ago: --since 24h leaves them out.
      await db.db.updateTable('llm_calls').set({ created_at: daysAgo(2) }).where('task', '=', 'sentiment').execute();
      const recent = await cli('inspect', 'calls', '--since', '24h', '--totals');
      const recentRows = ndjson(recent.stdout);
      expect(recentRows.slice(0, -1).map((r) => r.id).sort()).toEqual(topic.map((r) => r.id).sort());
      expect(recentRows.at(-1).totals.calls).toBe(topic.length);
      expect(ndjson((await cli('inspect', 'calls', '--since', daysAgo(3).slice(0, 10))).stdout)).toHaveLength(Math.min(20, total));
      const bad = await cli('inspect', 'calls', '--since', 'yesterday');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--since: "yesterday" is not a duration/);
    });

    it('inspect calls <id> shows one call whole: prompt, system, response, usage, cache, the linked result; by prefix or trace id', async () => {
      const wanted = (await storedSentences(db)).filter((s) => ['The soup was cold.', 'The service was slow.', 'The price is fine.'].includes(s.text)); // one may have been refused
      const linked = await db.db
        .selectFrom('results as r')
        .innerJoin('llm_calls as c', 'c.id', 'r.llm_call_id')
        .select(['c.id', 'c.trace_id', 'r.sentence_id'])
        .where('r.task', '=', 'topic')
        .where('r.cached', '=', 0)
        .where('r.sentence_id', 'in', wanted.map((s) => s.id))
        .orderBy('c.id')
        .executeTakeFirstOrThrow();
      const linkedText = wanted.find((s) => s.id === linked.sentence_id)!.text;
      const shown = await cli('inspect', 'calls', linked.id.slice(0, 8));
      expect(shown.code, shown.stderr).toBe(0);
      const [call, ...more] = ndjson(shown.stdout);
      expect(more).toHaveLength(0);
      expect(call).toMatchObject({ id: linked.id, trace_id: linked.trace_id, task: 'topic', provider: 'openai-compatible', model: 'meta/llama-big', status: 'ok', finish_reason: 'stop', in_cache: true });
      expect(call.system).toMatch(/"topic"/);
      expect(call.messages.at(-1).content).toContain(linkedText);
      expect(JSON.parse(call.response)).toEqual({ topic: 'delivery', confidence: 0.9 });
      expect(call.input_tokens).toBeGreaterThan(0);
      expect(call.cost_usd).toBeGreaterThan(0);
      expect(call.results).toEqual([expect.objectContaining({ sentence_id: linked.sentence_id, task: 'topic', status: 'ok', label: 'delivery', cached: false })]);
      expect(ndjson((await cli('inspect', 'calls', linked.trace_id)).stdout).map((c) => c.id)).toEqual([linked.id]);

      if (hasScript) {
        const human = onTerminal(['--db', url, 'inspect', 'calls', linked.id]);
        expect(human).toContain(`call ${linked.id}`);
        expect(human).toContain(`── system ──\n${call.system}\n`);
        expect(human).toContain(`── user ──\n${call.messages.at(-1).content}`);
        expect(human).toMatch(/── response ──\n\{"topic":"delivery","confidence":0\.9\}/);
        expect(human).toMatch(/── results \(1\) ──\n +topic v1 +ok +delivery, confidence 0\.9/);
        expect(human).toMatch(/cache +the answer is kept in the response cache/);
      }

      // Secrets were masked when the call was logged, and stay masked.
      const logged = await db.db.selectFrom('llm_calls').select(['id', 'messages']).where('task', '=', 'sentiment').execute();
      const withKey = logged.find((c) => JSON.stringify(c.messages).includes('My key is'))!;
      const everything = (await cli('inspect', 'calls', withKey.id)).stdout;
      expect(everything).toContain('My key is *** today.');
      expect(everything).not.toContain(CANARY);
    });

    it('an unknown id or an ambiguous prefix is one line, exit 2', async () => {
      const unknown = await cli('inspect', 'calls', 'nosuchcall');
      expect(unknown.code).toBe(2);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toBe('llmops: inspect calls: no call with id or trace id nosuchcall (llmops inspect calls lists them)\n');
      // More calls and traces than hex digits: some first digit begins two of them.
      const calls = await db.db.selectFrom('llm_calls').select(['id', 'trace_id']).execute();
      const targets = [...calls.map((c) => c.id), ...new Set(calls.map((c) => c.trace_id))];
      const digit = [...'0123456789abcdef'].find((d) => targets.filter((t) => t.startsWith(d)).length >= 2)!;
      const n = targets.filter((t) => t.startsWith(digit)).length;
      const ambiguous = await cli('inspect', 'calls', digit);
      expect(ambiguous.code).toBe(2);
      expect(ambiguous.stderr).toBe(`llmops: inspect calls: ${digit} is ambiguous: ${n} call or trace ids begin with it (give more of the id)\n`);
    });

    it('cache stats: entries, bytes, oldest, newest and hits match the rows, by task and model', async () => {
      const rows = await db.db.selectFrom('llm_cache as k').leftJoin('llm_calls as c', 'c.id', 'k.llm_call_id').select(['k.key', 'k.response', 'k.created_at', 'k.llm_call_id', 'c.task']).execute();
      const hitRows = await db.db.selectFrom('results').select('llm_call_id').where('cached', '=', 1).execute();
      const r = await cli('cache', 'stats');
      expect(r.code, r.stderr).toBe(0);
      const [stats] = ndjson(r.stdout);
      const times = rows.map((x) => x.created_at).sort();
      expect(stats).toMatchObject({
        command: 'cache stats',
        entries: rows.length,
        bytes: rows.reduce((s, x) => s + Buffer.byteLength(x.key) + Buffer.byteLength(x.response), 0),
        hits: hitRows.length,
        oldest: times[0],
        newest: times.at(-1),
      });
      const byTask = (t: string) => stats.by.find((g: { task: string }) => g.task === t);
      expect(byTask('sentiment')).toMatchObject({ provider: 'openai-compatible', model: 'qwen-small', entries: rows.filter((x) => x.task === 'sentiment').length, hits: 1 }); // the sentence stored twice
      expect(byTask('topic')).toMatchObject({ model: 'meta/llama-big', entries: rows.filter((x) => x.task === 'topic').length });
      if (hasScript) expect(onTerminal(['--db', url, 'cache', 'stats'])).toMatch(new RegExp(`^ +entries +${rows.length}$`, 'm'));
    });

    it('a bare number or nothing for --older-than or --since is one line and exit 2 (30 read as 30 ms emptied the cache)', async () => {
      const before = await count('llm_cache');
      for (const [args, message] of [
        [['cache', 'clear', '--older-than', '30'], 'llmops: --older-than: "30" has no unit: say 30d for days, 30h for hours, 30m for minutes\n'],
        [['cache', 'clear', '--older-than', ''], 'llmops: --older-than: "" is not a duration (try 30d, 12h, or a date: 2025-01-31)\n'],
        [['inspect', 'calls', '--since', '7'], 'llmops: --since: "7" has no unit: say 7d for days, 7h for hours, 7m for minutes\n'],
      ] as const) {
        const r = await cli(...args);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toBe(message);
        expect(r.stdout).toBe('');
      }
      expect(await count('llm_cache')).toBe(before);
    });

    it('cache clear --older-than removes only old entries (--dry-run nothing), never calls or results; a cleared text is asked again', async () => {
      const sentimentEntries = await db.db.selectFrom('llm_cache').select('key').where('model', '=', 'qwen-small').execute();
      await db.db.updateTable('llm_cache').set({ created_at: daysAgo(40) }).where('model', '=', 'qwen-small').execute();
      const before = { cache: await count('llm_cache'), calls: await count('llm_calls'), results: await count('results') };

      const dry = await cli('cache', 'clear', '--older-than', '30d', '--dry-run');
      expect(dry.code, dry.stderr).toBe(0);
      expect(ndjson(dry.stdout)[0]).toMatchObject({ command: 'cache clear', dry_run: true, would_remove: sentimentEntries.length });
      expect(await count('llm_cache')).toBe(before.cache);
      expect(ndjson((await cli('cache', 'clear', '--task', 'topic', '--dry-run')).stdout)[0].would_remove).toBe(before.cache - sentimentEntries.length);
      expect(ndjson((await cli('cache', 'clear', '--model', 'openai-compatible/qwen-small', '--dry-run')).stdout)[0].would_remove).toBe(sentimentEntries.length);

      const clear = await cli('cache', 'clear', '--older-than', '30d');
      expect(clear.code, clear.stderr).toBe(0);
      expect(ndjson(clear.stdout)[0]).toMatchObject({ command: 'cache clear', removed: sentimentEntries.length });
      expect({ cache: await count('llm_cache'), calls: await count('llm_calls'), results: await count('results') }).toEqual({ ...before, cache: before.cache - sentimentEntries.length });

      const asked = server.requests.length;
      const again = await cli('analyse', '--profiles', profiles, '--text', 'The staff were great!');
      expect(ndjson(again.stdout)[0]).toMatchObject({ label: 'positive', cached: false });
      expect(server.requests.length).toBe(asked + 1);
      const topicResult = await db.db.selectFrom('results').select('sentence_id').where('task', '=', 'topic').where('status', '=', 'ok').executeTakeFirstOrThrow();
      const topicText = (await storedSentences(db)).find((s) => s.id === topicResult.sentence_id)!.text;
      const kept = await cli('analyse', '--profiles', profiles, '--env', 'big', '--task', TOPIC, '--text', topicText);
      expect(ndjson(kept.stdout)[0]).toMatchObject({ topic: 'delivery', cached: true });
      expect(server.requests.length).toBe(asked + 1);
    });
  });
}

describe('cache and inspect calls without a database', () => {
  it('say so in one line and create nothing', async () => {
    const d = tempDir();
    try {
      for (const args of [['cache', 'stats'], ['cache', 'clear'], ['inspect', 'calls']]) {
        const r = await runCli(args, { cwd: d.path });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/^llmops: no llmops database at .*\n$/);
      }
      expect(existsSync(join(d.path, '.llmops'))).toBe(false);
    } finally {
      d.remove();
    }
  });
});
