import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '../../src/core/logger.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { loadMonitorConfig } from '../../src/monitor/monitor-config.js';
import { openMonitor } from '../../src/monitor/open-monitor.js';
import { runMonitor } from '../../src/monitor/run-monitor.js';
import { invalidatePrompt, promptText } from '../../src/monitor/prompts/prompt-source.js';
import { startFakeLangfuseApi, type FakeLangfuseApi } from '../fakes/langfuse-api-server.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { tempDir } from '../helpers/databases.js';
import { judgeClientIn } from '../helpers/judge-client.js';

const quiet = new Logger('quiet');
let lf: FakeLangfuseApi;
let slack: FakeSlack;
let dir: { path: string; remove: () => void };
let db: Db;
const saved = { ...process.env };

beforeAll(async () => {
  lf = await startFakeLangfuseApi({ publicKey: 'pk-lf-test', secretKey: 'sk-lf-test' });
  slack = await startFakeSlack();
  Object.assign(process.env, { LANGFUSE_PUBLIC_KEY: 'pk-lf-test', LANGFUSE_SECRET_KEY: 'sk-lf-test', LANGFUSE_BASE_URL: lf.url, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.url });
  dir = tempDir();
  db = await openDatabase(parseDatabaseUrl(join(dir.path, 'db.sqlite')));
  const now = Date.now();
  for (let i = 0; i < 8; i++) {
    lf.observations.push({
      id: `obs-${i}`,
      traceId: `trace-${i}`,
      name: i < 6 ? 'support-answer' : 'other',
      startTime: new Date(now - (i < 7 ? i : 48) * 60_000 * 10).toISOString(),
      input: [{ role: 'system', content: 'be brief' }, { role: 'user', content: `How do I export my data, case ${i}?` }],
      output: { role: 'assistant', content: i === 2 ? "I'm sorry, but I can't help with that." : 'Go to Settings > Privacy > Export to export your data.' },
      tags: i % 3 === 0 ? ['beta'] : ['prod'],
      userId: `u${i % 2}`,
      latency: 0.5 + i / 10,
    });
  }
});

afterAll(async () => {
  process.env = saved;
  await db.close();
  await lf.close();
  await slack.close();
  dir.remove();
});

async function run(yaml: string) {
  const file = join(dir.path, `m-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  const m = await loadMonitorConfig(file);
  const o = await openMonitor(m, { db, openClient: judgeClientIn(db, quiet), logger: quiet, dryRun: false });
  try {
    return await runMonitor({ monitor: m, db, source: o.source(), extractor: o.extractor, metrics: o.metrics, publishers: o.publishers, dryRun: false, logger: quiet });
  } finally {
    await o.close();
  }
}

const lfYaml = (name: string) => `name: ${name}
source: { type: langfuse, name: support-answer, tags: [prod], since: 2h, page_size: 2 }
metrics: [{ name: refusal }, { name: latency, params: { max_ms: 900 } }]
publish: [{ type: langfuse }, { type: sql }]
`;

describe('langfuse source and publisher', () => {
  it('reads filtered observations page by page and attaches scores to their traces', async () => {
    const r = await run(lfYaml('lf'));
    // support-answer, tag prod, within 2h: obs 1, 2, 4, 5
    expect(r.fetched).toBe(4);
    expect(r.scores).toBe(8);
    const refusal = lf.scores.filter((s) => s.name === 'refusal');
    expect(refusal.map((s) => s.traceId).sort()).toEqual(['trace-1', 'trace-2', 'trace-4', 'trace-5']);
    expect(refusal.find((s) => s.traceId === 'trace-2')).toMatchObject({ value: 1, observationId: 'obs-2' });
    expect(lf.requests.filter((q) => q.path === '/api/public/v2/observations').length).toBeGreaterThanOrEqual(2);
    expect((await run(lfYaml('lf'))).scores).toBe(0);
  });

  it('a refused publish leaves the items unscored; the next run publishes them', async () => {
    // one try and the SDK's two retries, all refused
    const path = '/api/public/ingestion';
    lf.enqueue({ status: 503, path }, { status: 503, path }, { status: 503, path });
    const before = lf.scores.length;
    const failedRun = await run(lfYaml('lf2').replace('since: 2h', 'since: 2h, max_fetch: 100'));
    expect(failedRun.failed).toBeGreaterThan(0);
    expect(lf.scores.length).toBe(before);
    const done = await db.db.selectFrom('monitor_ledger').select('item_id').where('namespace', '=', 'monitor:langfuse:lf2').execute();
    expect(done.length).toBe(0);
    const ok = await run(lfYaml('lf2').replace('since: 2h', 'since: 2h, max_fetch: 100'));
    expect(ok.scores).toBe(8);
  }, 20_000);
});

describe('langfuse observations: dot paths reach into JSON-string input', () => {
  it('fields: {input: input.question, context: input.context} feeds faithfulness from a RAG observation', async () => {
    const now = Date.now();
    lf.observations.push({
      id: 'rag-1',
      traceId: 'trace-rag-1',
      name: 'rag-answer',
      startTime: new Date(now - 60_000).toISOString(),
      input: { question: 'How long do refunds take?', context: 'Refunds are paid back to the card within 5 business days of approval.' },
      output: 'Refunds are paid back to the card within 5 business days of approval.',
      tags: ['prod'],
      latency: 0.4,
    });
    const r = await run(`name: rag
source: { type: langfuse, name: rag-answer, since: 1h }
extractor: { fields: { input: input.question, context: input.context } }
metrics: [{ name: faithfulness }]
publish: [{ type: sql }]
`);
    expect(r).toMatchObject({ fetched: 1, scored_items: 1, failed: 0 });
    const rows = await db.db.selectFrom('monitor_scores').select(['item_id', 'metric', 'value']).where('monitor', '=', 'rag').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ item_id: 'rag-1', metric: 'faithfulness' });
    expect(Number(rows[0]!.value)).toBeGreaterThan(0.9);
  });
});

describe('slack source', () => {
  it('turns the bot replies of threads into items, riding out a rate limit', async () => {
    const t0 = Math.floor(Date.now() / 1000) - 600;
    slack.channels.C1 = {
      messages: [
        { ts: `${t0}.000100`, text: 'How do I reset my password?', user: 'U1', reply_count: 2 },
        { ts: `${t0 + 60}.000200`, text: 'Which cards do you take?', user: 'U2', reply_count: 1 },
        { ts: `${t0 + 120}.000300`, text: 'no replies here', user: 'U3' },
      ],
      replies: {
        [`${t0}.000100`]: [
          { ts: `${t0 + 5}.000001`, text: 'Use Forgot password on the sign-in page to reset your password.', bot_id: 'B1', user: 'UBOT' },
          { ts: `${t0 + 9}.000001`, text: 'thanks!', user: 'U1' },
        ],
        [`${t0 + 60}.000200`]: [{ ts: `${t0 + 65}.000001`, text: "I'm sorry, but I can't help with that.", bot_id: 'B1', user: 'UBOT' }],
      },
    };
    slack.rateLimitNext(1, 1);
    const r = await run(`name: sl
source: { type: slack, channel: C1, bot_user: UBOT, since: 1h }
metrics: [{ name: refusal }, { name: answer_relevance }]
publish: [{ type: sql }]
`);
    expect(r.fetched).toBe(2);
    expect(r.failed).toBe(0);
    const rows = await db.db.selectFrom('monitor_scores').select(['item_id', 'metric', 'pass']).where('monitor', '=', 'sl').where('metric', '=', 'refusal').orderBy('item_id').execute();
    expect(rows.map((x) => x.pass)).toEqual([1, 0]);
    expect(slack.calls.filter((c) => c === 'conversations.history').length).toBeGreaterThanOrEqual(2); // 429, then the retry
  }, 20_000);
});

describe('paged sources that never end their paging', () => {
  const lfLoop = `name: lf-loop
source: { type: langfuse, name: support-answer, since: 2h, page_size: 2 }
metrics: [{ name: refusal }]
publish: [{ type: sql }]
`;
  const slackLoop = `name: sl-loop
source: { type: slack, channel: C2, bot_user: UBOT, since: 1h }
metrics: [{ name: refusal }]
publish: [{ type: sql }]
`;
  const withBrokenPaging = async <T>(mode: 'same' | 'fresh', f: () => Promise<T>) => {
    lf.brokenPaging = mode;
    slack.brokenPaging = mode;
    try {
      return await f();
    } finally {
      lf.brokenPaging = undefined;
      slack.brokenPaging = undefined;
    }
  };

  it('langfuse: a cursor sent again, or empty page after empty page, stops the source with one line naming it', async () => {
    await withBrokenPaging('same', async () => {
      await expect(run(lfLoop)).rejects.toThrow(/^source langfuse: Langfuse at http:\/\/127\.0\.0\.1:\d+: the API sent page cursor "[^"]+" again after \d+ page\(s\): stopped rather than read the same page forever$/);
    });
    await withBrokenPaging('fresh', async () => {
      await expect(run(lfLoop)).rejects.toThrow(/^source langfuse: .*: the API sent 20 empty pages in a row, each with a next cursor: stopped rather than page forever$/);
    });
  }, 20_000);

  it('slack: a cursor sent again with has_more, or endless empty pages, stops the source with one line naming it', async () => {
    const t0 = Math.floor(Date.now() / 1000) - 600;
    slack.channels.C2 = {
      messages: [{ ts: `${t0}.000100`, text: 'How do I reset my password?', user: 'U1', reply_count: 1 }],
      replies: { [`${t0}.000100`]: [{ ts: `${t0 + 5}.000001`, text: 'Use Forgot password.', bot_id: 'B1', user: 'UBOT' }] },
    };
    await withBrokenPaging('same', async () => {
      await expect(run(slackLoop)).rejects.toThrow(/^source slack: conversations\.history of C2: the API sent page cursor "[^"]+" again after 1 page\(s\): stopped rather than read the same page forever$/);
    });
    await withBrokenPaging('fresh', async () => {
      await expect(run(slackLoop)).rejects.toThrow(/^source slack: conversations\.history of C2: the API sent 20 empty pages in a row/);
    });
  }, 20_000);
});

describe('a rate limit that asks for a long wait', () => {
  it('langfuse: retry-after past the cap fails the source at once, saying how long was asked; a short one is waited out', async () => {
    const path = '/api/public/v2/observations';
    lf.enqueue({ status: 429, retryAfterSeconds: 3600, path });
    await expect(run(lfYaml('lf-429'))).rejects.toThrow(/^source langfuse: Langfuse at http:\/\/127\.0\.0\.1:\d+ asked to wait 3600 s before trying again \(retry-after\); a run waits at most 60 s: try again later$/);
    lf.enqueue({ status: 429, retryAfterSeconds: 1, path });
    expect(await run(lfYaml('lf-429'))).toMatchObject({ fetched: 4, failed: 0 });
  }, 20_000);

  it('slack: retry-after past the cap fails the source at once, saying how long was asked', async () => {
    slack.rateLimitNext(1, 3600);
    await expect(run(`name: sl-429
source: { type: slack, channel: C1, bot_user: UBOT, since: 1h }
metrics: [{ name: refusal }]
publish: [{ type: sql }]
`)).rejects.toThrow(/^source slack: Slack at http:\/\/127\.0\.0\.1:\d+\/api\/ asked to wait 3600 s before trying again \(retry-after\); a run waits at most 60 s: try again later$/);
  }, 20_000);
});

describe('llm_calls source', () => {
  it('scores this tool\'s own call log', async () => {
    await db.db
      .insertInto('llm_calls')
      .values([1, 2].map((i) => ({
        id: `call-${i}`,
        trace_id: `tr-${i}`,
        provider: 'local',
        model: 'm',
        task: 'sentiment',
        system: null,
        messages: JSON.stringify([{ role: 'user', content: `Sentence ${i}` }]),
        parameters: '{}',
        response: i === 1 ? '{"label":"positive","confidence":0.9}' : 'not json',
        raw: null,
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: 0,
        latency_ms: 3,
        finish_reason: 'stop',
        status: 'ok',
        error: null,
        repaired_from: null,
        created_at: new Date().toISOString(),
      })))
      .execute();
    const r = await run(`name: calls
source: { type: llm_calls, task: sentiment }
metrics: [{ name: json_valid }]
publish: [{ type: sql }]
`);
    expect(r.metrics[0]).toMatchObject({ count: 2, pass_rate: 0.5 });
  });
});

describe('judge prompts from Langfuse', () => {
  it('fetches by name and label, caches, refreshes after invalidation, falls back when unreachable', async () => {
    lf.prompts.push({ name: 'judge', version: 1, labels: ['production'], prompt: 'v1 prompt' });
    const ref = { name: 'judge', label: 'production', fallback: 'fallback prompt' };
    expect(await promptText(ref, quiet)).toBe('v1 prompt');
    lf.prompts.push({ name: 'judge', version: 2, labels: ['production'], prompt: 'v2 prompt' });
    expect(await promptText(ref, quiet)).toBe('v1 prompt'); // cached
    expect(invalidatePrompt('judge')).toBe(1);
    expect(await promptText(ref, quiet)).toBe('v2 prompt');
    expect(await promptText({ name: 'missing', label: 'production', fallback: 'fallback prompt' }, quiet)).toBe('fallback prompt');
  }, 20_000);
});
