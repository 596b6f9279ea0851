import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '../../src/core/logger.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { loadMonitorConfig } from '../../src/monitor/monitor-config.js';
import { openMonitor } from '../../src/monitor/open-monitor.js';
import { runMonitor } from '../../src/monitor/run-monitor.js';
import { startFakeAnthropic } from '../fakes/anthropic-server.js';
import type { FakeLlmServer } from '../fakes/fake-llm-server.js';
import { tempDir } from '../helpers/databases.js';
import { judgeClientIn } from '../helpers/judge-client.js';

const quiet = new Logger('quiet');
let server: FakeLlmServer;
let dir: { path: string; remove: () => void };
let db: Db;
const saved = { ...process.env };

beforeAll(async () => {
  server = await startFakeAnthropic();
  // The judge sees the prompt: pass answers that mention the refund window, fail the rest.
  server.setResponder(({ messages }) => {
    const text = messages.at(-1)!.content;
    const good = /30 days/.test(text.split(/answer:/i).at(-1)!);
    return JSON.stringify({ score: good ? 0.9 : 0.2, pass: good, reason: good ? 'states the policy' : 'invents a policy' });
  });
  Object.assign(process.env, { ANTHROPIC_API_KEY: 'sk-ant-test-key', ANTHROPIC_BASE_URL: server.url });
  dir = tempDir();
  db = await openDatabase(parseDatabaseUrl(join(dir.path, 'db.sqlite')));
  const ctx = 'Annual plans are refunded in full within 30 days of purchase.';
  writeFileSync(
    join(dir.path, 'traces.jsonl'),
    [
      { id: 'a', input: 'Refund?', output: 'Yes, within 30 days of purchase.', context: ctx },
      { id: 'b', input: 'Refund?', output: 'Refunds are available for 90 days, no questions asked.', context: ctx },
      { id: 'c', input: 'Refund?', output: 'Within 30 days you get it all back.', context: ctx },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
});

afterAll(async () => {
  process.env = saved;
  await db.close();
  await server.close();
  dir.remove();
});

async function run(yaml: string) {
  const file = join(dir.path, `m-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  const m = await loadMonitorConfig(file);
  const o = await openMonitor(m, { db, openClient: judgeClientIn(db, quiet), logger: quiet, dryRun: false, env: 'anthropic' });
  try {
    return await runMonitor({ monitor: m, db, source: o.source(), extractor: o.extractor, metrics: o.metrics, publishers: o.publishers, dryRun: false, logger: quiet });
  } finally {
    await o.close();
  }
}

describe('LLM judges through the LLM layer (fake Anthropic)', () => {
  it('16 judges in flight on one run signal: no MaxListenersExceededWarning', async () => {
    const ctx = 'Annual plans are refunded in full within 30 days of purchase.';
    writeFileSync(join(dir.path, 'many.jsonl'), Array.from({ length: 32 }, (_, i) => JSON.stringify({ id: `m${i}`, input: `Refund ${i}?`, output: `Within 30 days, order ${i}.`, context: ctx })).join('\n'));
    const file = join(dir.path, 'many.yaml');
    writeFileSync(file, `name: many\nsource: { type: jsonl, path: many.jsonl }\nmetrics:\n  - { name: faithfulness }\npublish: [{ type: sql }]\nconcurrency: 16\n`);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    server.setLatency(30); // so the calls overlap
    const run = new AbortController();
    const own = await openDatabase(parseDatabaseUrl(join(dir.path, 'many.sqlite'))); // the other tests count this file's calls
    const m = await loadMonitorConfig(file);
    const o = await openMonitor(m, { db: own, openClient: judgeClientIn(own, quiet), logger: quiet, dryRun: false, env: 'anthropic' });
    try {
      const r = await runMonitor({ monitor: m, db: own, source: o.source(), extractor: o.extractor, metrics: o.metrics, publishers: o.publishers, dryRun: false, logger: quiet, signal: run.signal });
      expect(r.failed).toBe(0);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      server.setLatency(0);
      process.off('warning', onWarning);
      await o.close();
      await own.close();
    }
  });

  it('Ctrl-C with judges in flight: their calls are cancelled, not failures; the next run scores each of them once', async () => {
    const ctx = 'Annual plans are refunded in full within 30 days of purchase.';
    writeFileSync(join(dir.path, 'stop.jsonl'), Array.from({ length: 12 }, (_, i) => JSON.stringify({ id: `s${i}`, input: `Refund ${i}?`, output: `Within 30 days, order ${i}.`, context: ctx })).join('\n'));
    const file = join(dir.path, 'stop.yaml');
    writeFileSync(file, `name: stop\nsource: { type: jsonl, path: stop.jsonl }\nmetrics:\n  - { name: faithfulness }\npublish: [{ type: sql }]\nconcurrency: 4\n`);
    const own = await openDatabase(parseDatabaseUrl(join(dir.path, 'stop.sqlite')));
    const m = await loadMonitorConfig(file);
    const runOnce = async (signal?: AbortSignal) => {
      const o = await openMonitor(m, { db: own, openClient: judgeClientIn(own, quiet), logger: quiet, dryRun: false, env: 'anthropic' });
      try {
        return await runMonitor({ monitor: m, db: own, source: o.source(), extractor: o.extractor, metrics: o.metrics, publishers: o.publishers, dryRun: false, logger: quiet, signal });
      } finally {
        await o.close();
      }
    };
    server.setLatency(400);
    try {
      const run = new AbortController();
      const before = server.requests.length;
      // Interrupted once the first judge calls are in flight (their answers take 400 ms).
      const waitForCalls = (async () => {
        while (server.requests.length < before + 2) await new Promise((r) => setTimeout(r, 5));
        run.abort(new Error('SIGINT'));
      })();
      const first = await runOnce(run.signal);
      await waitForCalls;
      expect(first.interrupted).toBe(true);
      expect(first.failed).toBe(0);
      const failedRows = await own.db.selectFrom('monitor_items').select('item_id').where('status', '=', 'failed').execute();
      expect(failedRows).toEqual([]);
      server.setLatency(0);
      const second = await runOnce();
      expect(second.failed).toBe(0);
      const scores = await own.db.selectFrom('monitor_scores').select('item_id').where('monitor', '=', 'stop').execute();
      expect(scores.map((r) => r.item_id).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `s${i}`).sort());
    } finally {
      server.setLatency(0);
      await own.close();
    }
  });

  it('rubric and faithfulness judges return {score, pass, reason}, logged in llm_calls', async () => {
    const r = await run(`name: judged
source: { type: jsonl, path: traces.jsonl }
metrics:
  - { name: rubric, params: { rubric: "States the real refund policy." } }
  - { name: faithfulness }
publish: [{ type: sql }]
concurrency: 2
`);
    expect(r.failed).toBe(0);
    expect(r.metrics.find((m) => m.metric === 'rubric')).toMatchObject({ count: 3, pass_rate: 0.6667 });
    const rows = await db.db.selectFrom('monitor_scores').selectAll().where('monitor', '=', 'judged').where('metric', '=', 'rubric').orderBy('item_id').execute();
    expect(rows.map((x) => x.pass)).toEqual([1, 0, 1]);
    expect(rows[1]!.comment).toBe('invents a policy');
    expect(rows[0]!.scorer).toBe('anthropic/claude-haiku-4-5');
    expect(r.judge_cost_usd).toBeGreaterThan(0);
    const calls = await db.db.selectFrom('llm_calls').select(['task']).execute();
    expect(calls.map((c) => c.task).sort()).toEqual([...Array(3).fill('judge_faithfulness'), ...Array(3).fill('judge_rubric')]);
  });

  it('the judge cost cap stops judging mid-run; the rest is left for the next run', async () => {
    const yaml = `name: capped
source: { type: jsonl, path: traces.jsonl }
sampling: { strategy: oldest, max_judge_cost_usd: 0.0000001 }
metrics: [{ name: rubric, params: { rubric: "Short." } }]
publish: [{ type: sql }]
concurrency: 1
`;
    const r = await run(yaml);
    expect(r.scores).toBe(1);
    expect(r.skipped_budget).toBe(2);
    const next = await run(yaml);
    expect(next.already_scored).toBe(1);
    expect(next.scores).toBe(1);
  });

  it('a judge whose model keeps failing fails its items (recorded), others still score', async () => {
    server.enqueue({ kind: 'status', status: 400 });
    const r = await run(`name: failing
source: { type: jsonl, path: traces.jsonl }
metrics: [{ name: rubric, params: { rubric: "x" } }, { name: length }]
publish: [{ type: sql }]
concurrency: 1
`);
    expect(r.failed).toBe(1);
    expect(r.failures[0]!.metric).toBe('rubric');
    expect(r.metrics.find((m) => m.metric === 'length')!.count).toBe(3);
  });

  it('a verdict that failed validation is not cached: the next run asks the model again', async () => {
    const asked = () => server.requests.filter((q) => JSON.stringify(q.body).includes('Uncached rubric')).length;
    const yaml = `name: uncached
source: { type: jsonl, path: traces.jsonl }
metrics: [{ name: rubric, params: { rubric: "Uncached rubric." } }]
publish: [{ type: sql }]
concurrency: 1
`;
    const original = (q: { messages: { content: string }[] }) => {
      const text = q.messages.at(-1)!.content;
      const ok = /30 days/.test(text.split(/answer:/i).at(-1)!);
      return JSON.stringify({ score: ok ? 0.9 : 0.2, pass: ok, reason: ok ? 'states the policy' : 'invents a policy' });
    };
    server.setResponder(() => 'I cannot judge this.');
    try {
      const first = await run(yaml);
      expect(first.failed).toBe(3);
      const n1 = asked();
      expect(n1).toBeGreaterThan(0);
      const second = await run(yaml);
      expect(second.failed).toBe(3);
      expect(asked()).toBe(2 * n1); // asked again, not answered from the cache
      server.setResponder(original);
      const third = await run(yaml);
      expect(third.failed).toBe(0);
      expect(third.scores).toBe(3);
    } finally {
      server.setResponder(original);
    }
  });
});
