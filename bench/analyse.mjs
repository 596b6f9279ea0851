// bench/analyse: `analyse` throughput against a fake Anthropic API with a fixed 100 ms latency,
// at concurrency 1, 8, 32 and 128, next to the ideal (concurrency ÷ latency), and llmops's CPU
// per call. The whole store path runs: claims, SDK call, guard, store hook (llm_calls), results.
//
//   npm run build && node bench/analyse.mjs [--latency 100] [--seconds 2]
// (the fake server runs through tsx, in its own process)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
// The built package (npm run build), not the sources: what users run, without a TS loader's cost.
import {
  Logger,
  openDatabase,
  parseDatabaseUrl,
  SqlDocumentStore,
  runIngest,
  runSplit,
  runAnalyse,
  resolveEnv,
  createClientFromEnv,
  sentimentTask,
  createRedactor,
} from '../dist/index.js';
import Anthropic from '@anthropic-ai/sdk';
import pLimit from 'p-limit';

const { values } = parseArgs({ options: { latency: { type: 'string', default: '100' }, seconds: { type: 'string', default: '2' } } });
const latencyMs = Number(values.latency);
const seconds = Number(values.seconds);

const fake = spawn(process.execPath, ['--import', 'tsx', new URL('./fake-anthropic-child.ts', import.meta.url).pathname, String(latencyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
const [chunk] = await once(fake.stdout, 'data');
const url = chunk.toString().trim();
process.env.ANTHROPIC_API_KEY = 'sk-ant-bench-0000000000';
process.env.ANTHROPIC_BASE_URL = url;

const rows = [['', 'concurrency', 'calls', 'calls/s', 'ideal calls/s', '% of ideal', 'CPU ms/call']];

/** The floor: the official SDK alone, same fake, same concurrency, no llmops around it. */
async function sdkAlone(concurrency, calls) {
  const sdk = new Anthropic({ apiKey: process.env.ANTHROPIC_API_KEY, baseURL: url });
  await sdk.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'warm up' }] });
  const limit = pLimit(concurrency);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: calls }, (_, i) =>
      limit(() => sdk.messages.create({ model: 'claude-haiku-4-5', max_tokens: 200, system: sentimentTask.system, messages: [{ role: 'user', content: `Sentence number ${i} says the service was fine.` }] })),
    ),
  );
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ideal = concurrency / (latencyMs / 1000);
  return ['SDK alone', String(concurrency), String(calls), (calls / wall).toFixed(1), ideal.toFixed(1), `${((100 * calls) / wall / ideal).toFixed(1)}%`, ((cpu.user + cpu.system) / 1000 / calls).toFixed(3)];
}
const dir = mkdtempSync(join(tmpdir(), 'llmops-bench-analyse-'));
try {
  const logger = new Logger('quiet');
  for (const concurrency of [1, 8, 32, 128]) {
    const ideal = concurrency / (latencyMs / 1000);
    const calls = Math.max(20, Math.round(ideal * seconds));
    const corpus = join(dir, `c${concurrency}.jsonl`);
    // One sentence per document, every text different so nothing is answered from the cache.
    writeFileSync(corpus, Array.from({ length: calls }, (_, i) => JSON.stringify({ id: `d${i}`, text: `Sentence number ${i} says the service was fine.` })).join('\n'));
    const db = await openDatabase(parseDatabaseUrl(join(dir, `c${concurrency}.db`)));
    await runIngest(new SqlDocumentStore(db.db), { files: [corpus], mapping: {}, skipInvalid: false });
    await runSplit(db);
    const env = await resolveEnv({ env: 'anthropic' });
    const client = await createClientFromEnv(env, { logger, db, cache: false });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const s = await runAnalyse(db, client, { task: sentimentTask, concurrency, redact: createRedactor() });
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (s.done !== calls) throw new Error(`expected ${calls} results, got ${s.done} (failed ${s.failed})`);
    const rate = calls / wall;
    rows.push(['llmops analyse', String(concurrency), String(calls), rate.toFixed(1), ideal.toFixed(1), `${((100 * rate) / ideal).toFixed(1)}%`, ((cpu.user + cpu.system) / 1000 / calls).toFixed(3)]);
    await client.shutdown();
    await db.close();
    rows.push(await sdkAlone(concurrency, calls));
  }
} finally {
  fake.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log(`bench/analyse — fake Anthropic API at ${latencyMs} ms latency, SQLite store, hookset "standard" (redact, log, guard, store), node ${process.version}`);
for (const r of rows) console.log(r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  '));
console.log('targets: >= 90% of ideal up to concurrency 128; < 1 ms CPU per call (llmops process only; the fake runs in its own process).');
console.log('"SDK alone" is the official SDK with nothing around it: the floor any adapter over it pays; llmops adds claims, hooks, the call log and results.');
