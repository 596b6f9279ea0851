import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMetrics } from '../../src/monitor/metrics/registry.js';
import { createExtractor } from '../../src/monitor/extractors.js';
import { sampleItems } from '../../src/monitor/sampling.js';
import { resolveEnv } from '../../src/llm/profiles/load-profiles.js';
import type { EvalItem } from '../../src/monitor/types.js';
import type { MetricConfig } from '../../src/monitor/metrics/metric.js';
import { tempDir } from '../helpers/databases.js';

const offlineJudge = async () => ({ env: await resolveEnv({ env: 'offline' }), client: null, traceId: 't', prompt: async () => undefined });
const deps = { judge: offlineJudge, baseDir: process.cwd() };

const item = (over: Partial<EvalItem> = {}): EvalItem => ({ id: 'i1', input: 'How do I reset my password?', output: 'Click Forgot password on the sign-in page.', metadata: {}, ...over });

async function score(name: string, params: Record<string, unknown>, it: EvalItem) {
  const [m] = await buildMetrics([{ name, version: 1, params } as MetricConfig], deps, 'm.yaml');
  return m!.score(it);
}

describe('heuristic metrics', () => {
  it('json_valid and matches_schema read JSON, also inside a fenced block', async () => {
    expect((await score('json_valid', {}, item({ output: '{"a": 1}' }))).pass).toBe(true);
    expect((await score('json_valid', {}, item({ output: 'Sure! ```json\n{"a": 1}\n```' }))).pass).toBe(true);
    expect((await score('json_valid', {}, item({ output: '{"a": 1' }))).pass).toBe(false);
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    expect((await score('matches_schema', { schema }, item({ output: '{"answer": "yes"}' }))).pass).toBe(true);
    const bad = await score('matches_schema', { schema }, item({ output: '{"answer": 3}' }));
    expect(bad.pass).toBe(false);
    expect(bad.comment).toMatch(/answer/);
  });

  it('regex, contains, not_contains, length, latency, refusal', async () => {
    expect((await score('regex', { pattern: 'sign-in' }, item())).pass).toBe(true);
    expect((await score('regex', { pattern: 'sign-in', must_match: false }, item())).pass).toBe(false);
    expect((await score('contains', { values: ['PASSWORD', 'zebra'] }, item())).pass).toBe(true);
    expect((await score('contains', { values: ['password', 'zebra'], mode: 'all' }, item())).pass).toBe(false);
    expect((await score('not_contains', { values: ['contact support'] }, item({ output: 'Please Contact Support.' }))).pass).toBe(false);
    const len = await score('length', { unit: 'words', max: 5 }, item());
    expect(len.value).toBe(7);
    expect(len.pass).toBe(false);
    expect((await score('latency', { max_ms: 500 }, item({ latency_ms: 400 }))).pass).toBe(true);
    await expect(async () => score('latency', {}, item())).rejects.toThrow(/no latency/);
    expect((await score('refusal', {}, item({ output: "I'm sorry, but I can't help with that request." }))).pass).toBe(false);
    expect((await score('refusal', {}, item({ output: "I can't wait to help you with the export." }))).pass).toBe(true);
  });
});

describe('offline judges', () => {
  it('faithfulness passes a supported answer and fails an invented one', async () => {
    const context = 'Annual plans are refunded in full within 30 days of purchase. Refunds go back to the original payment method.';
    const good = await score('faithfulness', {}, item({ output: 'Annual plans are refunded in full within 30 days of purchase.', context }));
    expect(good.pass).toBe(true);
    expect(good.scorer).toBe('local/llmops-overlap-v1');
    const bad = await score('faithfulness', {}, item({ output: 'Our premium plan includes free international shipping and a lifetime warranty.', context }));
    expect(bad.pass).toBe(false);
    await expect(async () => score('faithfulness', {}, item())).rejects.toThrow(/needs a context/);
  });

  it('answer_relevance tells an answer from an unrelated reply', async () => {
    expect((await score('answer_relevance', {}, item({ output: 'To reset your password, use Forgot password.' }))).pass).toBe(true);
    expect((await score('answer_relevance', {}, item({ output: 'We accept Visa and PayPal.' }))).pass).toBe(false);
  });

  it('the rubric judge refuses the local provider up front, naming the metric', async () => {
    await expect(buildMetrics([{ name: 'rubric', version: 1, params: { rubric: 'polite' } } as MetricConfig], deps, 'm.yaml')).rejects.toThrow(/m\.yaml: metrics\.0 \(rubric\): the rubric judge needs a model/);
  });
});

describe('metric registry', () => {
  it('reports every bad metric with its path at once', async () => {
    const err = await buildMetrics(
      [
        { name: 'nope', version: 1, params: {} },
        { name: 'regex', version: 1, params: { pattern: '(' } },
        { name: 'length', version: 1, params: { unit: 'lines' } },
        { name: 'regex', version: 1, params: { pattern: '^(\\w+\\s?)*$' } },
        { name: 'refusal', version: 1, params: { extra_patterns: ['sorry', '(x+x+)+y'] } },
      ] as MetricConfig[],
      deps,
      'm.yaml',
    ).catch((e: Error) => e);
    expect(String(err)).toMatch(/m\.yaml: metrics\.0\.name: unknown metric "nope"/);
    expect(String(err)).toMatch(/m\.yaml: metrics\.1\.params\.pattern: invalid regular expression/);
    expect(String(err)).toMatch(/m\.yaml: metrics\.2\.params\.unit/);
    // Patterns that backtrack exponentially on an almost-matching output: refused, not run on traffic.
    expect(String(err)).toMatch(/m\.yaml: metrics\.3\.params\.pattern: a repetition inside a repetition/);
    expect(String(err)).toMatch(/m\.yaml: metrics\.4\.params\.extra_patterns\.1: a repetition inside a repetition/);
    expect(String(err)).not.toMatch(/extra_patterns\.0/);
  });

  it('loads a user metric by module path, and the version changes with its params', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'shout.mjs'), 'export function shout(item, params) { const n = (item.output.match(/!/g) || []).length; return { value: n, pass: n <= params.max }; }\n');
      const [a] = await buildMetrics([{ name: 'shout', module: './shout.mjs#shout', version: 1, params: { max: 1 } } as MetricConfig], { ...deps, baseDir: dir.path }, 'm.yaml');
      const [b] = await buildMetrics([{ name: 'shout', module: './shout.mjs#shout', version: 1, params: { max: 2 } } as MetricConfig], { ...deps, baseDir: dir.path }, 'm.yaml');
      expect(await a!.score(item({ output: 'No!! Never!' }))).toMatchObject({ value: 3, pass: false });
      expect(a!.version).not.toBe(b!.version);
    } finally {
      dir.remove();
    }
  });

  it('a metric module without that export, or a missing file, is one problem naming the file, field and spec', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'shout.mjs'), 'export const loud = 1;\nexport default function () { return { value: 1 }; }\n');
      const configs = [
        { name: 'shout', module: './shout.mjs#shout', version: 1, params: {} },
        { name: 'loud', module: './shout.mjs#loud', version: 1, params: {} },
        { name: 'gone', module: './gone.mjs', version: 1, params: {} },
      ] as MetricConfig[];
      const err = await buildMetrics(configs, { ...deps, baseDir: dir.path }, 'm.yaml').catch((e: Error) => e);
      expect(String((err as Error).message).split('\n')).toEqual([
        'm.yaml: metrics.0.module: metric "./shout.mjs#shout": no export "shout" (exports: default, loud)',
        'm.yaml: metrics.1.module: metric "./shout.mjs#loud": export "loud" is not a metric (a function (item, params) => {value, pass?, comment?})',
        `m.yaml: metrics.2.module: metric "./gone.mjs": no such file (looked in ${join(dir.path, 'gone.mjs')})`,
      ]);
    } finally {
      dir.remove();
    }
  });
});

describe('extractors', () => {
  it('map dot paths, the last array element, and regex prompt variables', async () => {
    const ex = await createExtractor(
      { type: 'jsonl', path: 'x' },
      {
        fields: { id: 'meta.trace', input: 'request.messages.-1.content', output: 'response.text', metadata: { user: 'meta.user' } },
        regex: [{ from: 'input', pattern: 'Context: (?<context>[^\\n]*)\\nQuestion: (?<input>.*)' }],
      },
      '.',
      'm.yaml',
    );
    const it = ex({ meta: { trace: 'T1', user: 'u1' }, request: { messages: [{ content: 'system' }, { content: 'Context: refunds in 30 days\nQuestion: can I get a refund?' }] }, response: { text: 'Yes, within 30 days.' } });
    expect(it).toMatchObject({ id: 'T1', input: 'can I get a refund?', context: 'refunds in 30 days', output: 'Yes, within 30 days.', metadata: { user: 'u1' } });
  });

  it('gives an id-less record a content id, the same on every run', async () => {
    const ex = await createExtractor({ type: 'jsonl', path: 'x' }, {}, '.', 'm.yaml');
    expect(ex({ input: 'q', output: 'a' }).id).toBe(ex({ input: 'q', output: 'a' }).id);
    expect(() => ex({ foo: 1 })).toThrow(/no input and no output/);
  });

  it('a module extractor is loaded relative to the config; a wrong export names the file, field and spec', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'extract.mjs'), 'export function extract(raw) { return { id: raw.key, input: raw.q, output: raw.a }; }\nexport const other = 1;\n');
      const ex = await createExtractor({ type: 'jsonl', path: 'x' }, { module: './extract.mjs#extract' }, dir.path, 'm.yaml');
      expect(ex({ key: 'k1', q: 'question', a: 'answer' })).toMatchObject({ id: 'k1', input: 'question', output: 'answer', metadata: {} });
      await expect(createExtractor({ type: 'jsonl', path: 'x' }, { module: './extract.mjs#extrakt' }, dir.path, 'm.yaml')).rejects.toThrow(
        'm.yaml: extractor.module: extractor "./extract.mjs#extrakt": no export "extrakt" (exports: extract, other)',
      );
      await expect(createExtractor({ type: 'jsonl', path: 'x' }, { module: './extract.mjs#other' }, dir.path, 'm.yaml')).rejects.toThrow(
        'm.yaml: extractor.module: extractor "./extract.mjs#other": export "other" is not a function (item) => {id, input, output}',
      );
    } finally {
      dir.remove();
    }
  });
});

describe('sampling', () => {
  const items = Array.from({ length: 100 }, (_, i) => item({ id: `id${i}`, timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() }));
  it('random: the same seed picks the same items whatever the order; another seed others', () => {
    const a = sampleItems(items, { strategy: 'random', n: 10, seed: 7 }).map((x) => x.id);
    const b = sampleItems([...items].reverse(), { strategy: 'random', n: 10, seed: 7 }).map((x) => x.id);
    const c = sampleItems(items, { strategy: 'random', n: 10, seed: 8 }).map((x) => x.id);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
  it('most_recent, oldest and the per-run cap', () => {
    expect(sampleItems(items, { strategy: 'most_recent', seed: 1, max_items: 2 }).map((x) => x.id)).toEqual(['id99', 'id98']);
    expect(sampleItems(items, { strategy: 'oldest', seed: 1, n: 2 }).map((x) => x.id)).toEqual(['id0', 'id1']);
    expect(sampleItems(items, { strategy: 'all', seed: 1 }).length).toBe(100);
  });
});
