// bench/analyse: `analyse` throughput against a fake Anthropic API with a fixed 100 ms latency,
// at concurrency 1, 8, 32 and 128, next to the ideal (concurrency ÷ latency), and llmops's CPU
// per call. The whole store path runs: claims, SDK call, guard, store hook (llm_calls), results.
// Two floors in the same run: the official SDK alone (its built-in fetch), and bare HTTP (one
// undici request per call, no SDK): what this machine charges for a call at all.
//
// Every path is warmed up first (an untimed run at 128 in flight, so the rows measure
// steady-state code, not the JIT: V8 keeps optimising these paths for thousands of calls, and
// at 8 in flight a fresh process spends twice the CPU per call of a warm one), and each row
// runs about --seconds of calls: a real analyse run is thousands of calls long, and the first
// 100 ms of any row, before the first answer, is idle by design.
//
//   npm run build && node bench/analyse.mjs [--latency 100] [--seconds 5] [--warmup 20000]
// (the fake server runs through tsx, in its own process)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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
  openCallLog,
  sentimentTask,
  createRedactor,
} from '../dist/index.js';
import Anthropic from '@anthropic-ai/sdk';
import pLimit from 'p-limit';
import { Agent, request } from 'undici';

const { values } = parseArgs({ options: { latency: { type: 'string', default: '100' }, seconds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '20000' } } });
const latencyMs = Number(values.latency);
const seconds = Number(values.seconds);
const warmupCalls = Number(values.warmup);

// Each row starts from a collected heap, so no row pays for the garbage of the one before it
// (at 10 calls a second a leftover full GC would be most of the CPU per call).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const settle = async () => {
  gc();
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
};

const fake = spawn(process.execPath, ['--import', 'tsx', new URL('./fake-anthropic-child.ts', import.meta.url).pathname, String(latencyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
const [chunk] = await once(fake.stdout, 'data');
const url = chunk.toString().trim();
process.env.ANTHROPIC_API_KEY = 'sk-ant-bench-0000000000';
process.env.ANTHROPIC_BASE_URL = url;

const rows = [['', 'concurrency', 'calls', 'calls/s', 'ideal calls/s', '% of ideal', 'CPU ms/call']];

const sdk = new Anthropic({ apiKey: process.env.ANTHROPIC_API_KEY, baseURL: url });
const sdkCall = (i) => sdk.messages.create({ model: 'claude-haiku-4-5', max_tokens: 200, system: sentimentTask.system, messages: [{ role: 'user', content: `Sentence number ${i} says the service was fine.` }] });
const agent = new Agent();
const httpCall = async (i) => {
  const res = await request(`${url}/v1/messages`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', 'x-api-key': process.env.ANTHROPIC_API_KEY, 'anthropic-version': '2026-10-21' },
    body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 200, system: sentimentTask.system, messages: [{ role: 'user', content: `Sentence number ${i} says the service was fine.` }] }),
  });
  return JSON.parse(await res.body.text());
};

/** A floor: `call` alone at this concurrency, same fake, no llmops around it. */
async function floor(label, call, concurrency, calls) {
  await settle();
  const limit = pLimit(concurrency);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: calls }, (_, i) => limit(() => call(i))));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ideal = concurrency / (latencyMs / 1000);
  return [label, String(concurrency), String(calls), (calls / wall).toFixed(1), ideal.toFixed(1), `${((100 * calls) / wall / ideal).toFixed(1)}%`, ((cpu.user + cpu.system) / 1000 / calls).toFixed(3)];
}
const dir = mkdtempSync(join(tmpdir(), 'llmops-bench-analyse-'));
const logger = new Logger('quiet');

/** One `analyse` run over `calls` fresh sentences in a new SQLite file: [seconds, CPU µs]. */
async function analyseRun(name, concurrency, calls) {
  const corpus = join(dir, `${name}.jsonl`);
  // One sentence per document, every text different so nothing is answered from the cache.
  writeFileSync(corpus, Array.from({ length: calls }, (_, i) => JSON.stringify({ id: `d${i}`, text: `Sentence number ${i} of ${name} says the service was fine.` })).join('\n'));
  const db = await openDatabase(parseDatabaseUrl(join(dir, `${name}.db`)));
  await runIngest(new SqlDocumentStore(db.db), { files: [corpus], mapping: {}, skipInvalid: false });
  await runSplit(db);
  const env = await resolveEnv({ env: 'anthropic' });
  const client = await createClientFromEnv(env, { logger, callLog: openCallLog(db) });
  await settle();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const s = await runAnalyse(db, client, { task: sentimentTask, concurrency, redact: createRedactor() });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (s.done !== calls) throw new Error(`expected ${calls} results, got ${s.done} (failed ${s.failed})`);
  await client.shutdown();
  await db.close();
  return [wall, cpu.user + cpu.system];
}

try {
  await analyseRun('warmup', 128, warmupCalls);
  await floor('', sdkCall, 128, warmupCalls);
  await floor('', httpCall, 128, warmupCalls);
  for (const concurrency of [1, 8, 32, 128]) {
    const ideal = concurrency / (latencyMs / 1000);
    const calls = Math.max(20, Math.round(ideal * seconds));
    const [wall, cpuUs] = await analyseRun(`c${concurrency}`, concurrency, calls);
    const rate = calls / wall;
    rows.push(['llmops analyse', String(concurrency), String(calls), rate.toFixed(1), ideal.toFixed(1), `${((100 * rate) / ideal).toFixed(1)}%`, (cpuUs / 1000 / calls).toFixed(3)]);
    rows.push(await floor('SDK alone', sdkCall, concurrency, calls));
    rows.push(await floor('HTTP alone', httpCall, concurrency, calls));
  }
} finally {
  fake.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log(`bench/analyse — fake Anthropic API at ${latencyMs} ms latency, SQLite store, hookset "standard" (redact, log, guard, store), node ${process.version}; ${warmupCalls} untimed warm-up calls per path, ~${seconds} s per row`);
for (const r of rows) console.log(r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  '));
console.log('targets: >= 90% of ideal up to concurrency 128; < 1 ms CPU per call (llmops process only; the fake runs in its own process).');
console.log('"SDK alone": the official SDK with its built-in fetch and nothing around it. "HTTP alone": one undici request per call, no SDK:');
console.log('the machine\'s own cost of a call. llmops hands the SDK a fetch over undici and adds claims, hooks, the call log and results.');
