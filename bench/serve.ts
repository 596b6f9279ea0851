// bench/serve: `llmops serve` streaming answers to many users at once. The provider is the fake
// OpenAI API (test/fakes/openai-server.ts) in a child process, streaming --tokens tokens, the
// first after --first-token-ms + --token-ms, then one every --token-ms: a model whose own timing
// is known exactly. The server is the real built CLI (`llmops serve --env openai`) in a child
// process over a SciFact database (ingest + featurize --embedder hashing, so every question runs
// the hybrid retrieval), sessions in SQLite, the call log on. The load is a closed loop in this
// process: N users, each with its own login token, each sending --rounds questions one after
// the other (POST /chat, Accept: text/event-stream, undici + eventsource-parser).
//
// Beside each row, in the same run: the IDEAL (the fake's timing: first token at first-token-ms
// + token-ms, the last at first-token-ms + tokens × token-ms, N ÷ that req/s) and the fake called
// DIRECTLY by the same number of concurrent streams through the official openai SDK (the floor
// of this machine: the fake's and the client's own costs, no llmops).
//
//   npm run bench:serve [-- --streams 50,200] [--rounds 5] [--token-ms 20] [--first-token-ms 100]
//                       [--tokens 50] [--docs 5183] [--cpu-prof DIR] [--keep]
//
// TTFB is the first `delta` event (the first answer text), not the `session` event before it.
// CPU ms/req is a process's user + system CPU over the row, per request: the server's, the
// fake's, and this process's (the clients: undici and the SSE parser, or the openai SDK). On
// this 2-core machine they and anything else running share the cores, so the load average is
// printed with the figures.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { createParser } from 'eventsource-parser';
import OpenAI from 'openai';
import { Agent, request } from 'undici';
import { createTokenIssuer } from '../src/serve/jwt-tokens.js';
import { openDatabase } from '../src/store/database.js';
import { parseDatabaseUrl } from '../src/store/database-url.js';
import { SqlUserStore } from '../src/store/sql-user-store.js';
import { BIN, rng } from './lib.mjs';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '50,200' },
    rounds: { type: 'string', default: '5' },
    'token-ms': { type: 'string', default: '20' },
    'first-token-ms': { type: 'string', default: '100' },
    tokens: { type: 'string', default: '50' },
    docs: { type: 'string' },
    data: { type: 'string' },
    'cpu-prof': { type: 'string' },
    keep: { type: 'boolean' },
  },
});
const STREAMS = values.streams!.split(',').map(Number);
const ROUNDS = Number(values.rounds);
const TOKEN_MS = Number(values['token-ms']);
const FIRST_MS = Number(values['first-token-ms']);
const TOKENS = Number(values.tokens);
const MAX_USERS = Math.max(...STREAMS);
const API_KEY = 'sk-bench-openai-0000000000';
const JWT_SECRET = 'bench-serve-secret-0123456789abcdefghijklmnop';
const EXPECTED = Array.from({ length: TOKENS }, (_, i) => (i === TOKENS - 1 ? '[1].' : `word${i}`)).join(' ');

const work = mkdtempSync(join(tmpdir(), 'llmops-bench-serve-'));
const dbPath = join(work, 'serve.db');
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  if (!values.keep) rmSync(work, { recursive: true, force: true });
});

// --- the corpus: SciFact abstracts when at hand, else generated text --------------------------

type Doc = { id: string; title: string; text: string };
// ../shared/data beside the repository (or beside the worktrees' folder, for a git worktree).
const REPO = fileURLToPath(new URL('..', import.meta.url));
const dataDir = values.data ?? [resolve(REPO, '../shared/data/scifact-dev'), resolve(REPO, '../../shared/data/scifact-dev')].find((d) => existsSync(d)) ?? resolve(REPO, '../shared/data/scifact-dev');

async function corpus(): Promise<{ docs: Doc[]; questions: string[] }> {
  const file = join(dataDir, 'corpus.jsonl.gz');
  if (existsSync(file)) {
    const docs: Doc[] = [];
    for await (const line of createInterface({ input: createReadStream(file).pipe(createGunzip()) })) {
      if (!line.trim()) continue;
      const d = JSON.parse(line) as { _id: string; title: string; text: string };
      docs.push({ id: d._id, title: d.title, text: d.text });
    }
    const questions = readFileSync(join(dataDir, 'queries.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
    return { docs: docs.slice(0, values.docs ? Number(values.docs) : docs.length), questions };
  }
  console.log(`(no SciFact data at ${dataDir}: a generated corpus)`);
  const random = rng(14);
  const vocab = Array.from({ length: 3000 }, (_, i) => `term${i.toString(36)}`);
  const words = (n: number) => Array.from({ length: n }, () => vocab[Math.floor(random() ** 2 * vocab.length)]).join(' ');
  const docs = Array.from({ length: values.docs ? Number(values.docs) : 5000 }, (_, i) => ({ id: `d${i}`, title: words(6), text: `${words(200)}.` }));
  return { docs, questions: Array.from({ length: 500 }, () => `${words(10)}?`) };
}

function llmops(args: string[]): void {
  const r = spawnSync(process.execPath, [BIN, '--db', dbPath, '-q', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`llmops ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
}

const { docs, questions } = await corpus();
writeFileSync(join(work, 'corpus.jsonl'), `${docs.map((d) => JSON.stringify(d)).join('\n')}\n`);
let t = performance.now();
llmops(['ingest', join(work, 'corpus.jsonl'), '--category', 'articles', '--source', 'bench']);
llmops(['featurize', '--embedder', 'hashing']);
console.log(`database: ${docs.length} documents ingested and featurized (hashing) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

// Accounts with a cheap scrypt (the bench measures answers, not password hashing); tokens signed
// with the server's LLMOPS_JWT_SECRET, as POST /auth/token would sign them.
const users = Array.from({ length: MAX_USERS }, (_, i) => `user${i}`);
const stamps = new Map<string, string>();
{
  const db = await openDatabase(parseDatabaseUrl(dbPath));
  const store = new SqlUserStore(db.db, { N: 2 ** 10, r: 8, p: 1 });
  for (const u of users) {
    await store.add(u, `password-${u}`);
    stamps.set(u, (await store.stamp(u))!);
  }
  await db.close();
}
const issuer = createTokenIssuer(JWT_SECRET, 24 * 3600);
const tokens = await Promise.all(users.map(async (u) => (await issuer.issue(u, stamps.get(u)!)).token));

// --- the fake provider and the server, each in its own process -------------------------------

async function start(args: string[], env: Record<string, string | undefined>, ready: (out: string) => string | undefined, stream: 'stdout' | 'stderr'): Promise<{ child: ChildProcess; url: string }> {
  const fullEnv = { ...process.env, ...env };
  for (const k of Object.keys(fullEnv)) if (fullEnv[k] === undefined) delete fullEnv[k];
  const child = spawn(process.execPath, args, { env: fullEnv as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  if (stream === 'stdout') child.stderr!.pipe(process.stderr);
  return new Promise((resolve, reject) => {
    child[stream]!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const url = ready(out);
      if (url) resolve({ child, url });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code} before it was ready: ${out}`)));
  });
}

const fake = await start(['--import', 'tsx', fileURLToPath(new URL('./fake-openai-child.ts', import.meta.url)), String(TOKEN_MS), String(FIRST_MS), String(TOKENS)], {}, (out) => /^(http\S+)$/m.exec(out)?.[1], 'stdout');
const profiling = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(values['cpu-prof'])] : [];
const server = await start(
  [...profiling, BIN, '--db', dbPath, 'serve', '--port', '0', '--env', 'openai', '--rate-limit', '1000000/min', '--shutdown-grace', '5s'],
  { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: fake.url, LLMOPS_JWT_SECRET: JWT_SECRET, LLMOPS_DB: undefined, LLMOPS_ENV: undefined, REDIS_URL: undefined, LANGFUSE_PUBLIC_KEY: undefined, LANGFUSE_SECRET_KEY: undefined },
  (out) => /^llmops serve: listening on (http:\/\/\S+)$/m.exec(out)?.[1],
  'stderr',
);

/** CPU seconds (user + system) a child has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// --- the load ---------------------------------------------------------------------------------

type Sample = { ttfb: number; total: number };
const dispatcher = new Agent({ keepAliveTimeout: 30_000 });
let asked = 0;
const nextQuestion = () => questions[asked++ % questions.length]!;

/** One streamed answer from llmops serve, timed from the request to its first delta and to its end. */
async function viaServe(token: string): Promise<Sample> {
  const started = performance.now();
  const { statusCode, body } = await request(`${server.url}/chat`, {
    method: 'POST',
    dispatcher,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ question: nextQuestion() }),
  });
  if (statusCode !== 200) throw new Error(`POST /chat: ${statusCode} ${await body.text()}`);
  let ttfb = 0;
  let answer: string | undefined;
  let failure: string | undefined;
  const parser = createParser({
    onEvent(e) {
      if (e.event === 'delta' && ttfb === 0) ttfb = performance.now() - started;
      else if (e.event === 'done') answer = (JSON.parse(e.data) as { answer: { answer: string } }).answer.answer;
      else if (e.event === 'error') failure = e.data;
    },
  });
  body.setEncoding('utf8');
  for await (const chunk of body) parser.feed(chunk as string);
  const total = performance.now() - started;
  if (failure || answer !== EXPECTED) throw new Error(`POST /chat: ${failure ?? `unexpected answer ${JSON.stringify(answer)}`}`);
  return { ttfb, total };
}

const openai = new OpenAI({ apiKey: API_KEY, baseURL: fake.url, maxRetries: 0 });
// A prompt of the size llmops sends (instructions, five retrieved abstracts, the question).
const directPrompt = docs.slice(0, 5).map((d, i) => `[${i + 1}] ${d.title}\n${d.text}`).join('\n\n');

/** The same stream straight from the fake through the official SDK. */
async function direct(): Promise<Sample> {
  const started = performance.now();
  const stream = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Answer from the numbered sources only and cite them as [n].' },
      { role: 'user', content: `Sources:\n${directPrompt}\n\nQuestion: ${nextQuestion()}` },
    ],
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: 1024,
  });
  let ttfb = 0;
  let text = '';
  for await (const chunk of stream) {
    const piece = chunk.choices[0]?.delta?.content;
    if (piece) {
      if (ttfb === 0) ttfb = performance.now() - started;
      text += piece;
    }
  }
  const total = performance.now() - started;
  if (text !== EXPECTED) throw new Error(`direct: unexpected answer ${JSON.stringify(text)}`);
  return { ttfb, total };
}

type Row = { rps: number; ttfb50: number; ttfb95: number; total50: number; total95: number; serverCpuMs?: number; fakeCpuMs: number; clientCpuMs: number; errors: number; n: number };

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))]!;

/** N users in a closed loop, each asking `rounds` questions one after another. */
async function closedLoop(n: number, rounds: number, one: (user: number) => Promise<Sample>): Promise<Row> {
  const samples: Sample[] = [];
  let errors = 0;
  let firstError: unknown;
  const serverCpu = cpuSeconds(server.child.pid!);
  const fakeCpu = cpuSeconds(fake.child.pid!);
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, user) => {
      for (let r = 0; r < rounds; r++) {
        try {
          samples.push(await one(user));
        } catch (err) {
          errors++;
          firstError ??= err;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (firstError) console.error(`  ${errors} failed; the first: ${(firstError as Error).message}`);
  const ttfb = samples.map((s) => s.ttfb).sort((a, b) => a - b);
  const total = samples.map((s) => s.total).sort((a, b) => a - b);
  const count = samples.length + errors;
  return {
    rps: samples.length / seconds,
    ttfb50: pct(ttfb, 50),
    ttfb95: pct(ttfb, 95),
    total50: pct(total, 50),
    total95: pct(total, 95),
    serverCpuMs: ((cpuSeconds(server.child.pid!) - serverCpu) * 1000) / count,
    fakeCpuMs: ((cpuSeconds(fake.child.pid!) - fakeCpu) * 1000) / count,
    clientCpuMs: (({ user, system }) => (user + system) / 1000)(process.cpuUsage(clientCpu)) / count,
    errors,
    n: samples.length,
  };
}

const f0 = (x: number) => x.toFixed(0).padStart(6);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const idealTtfb = FIRST_MS + TOKEN_MS;
const idealTotal = FIRST_MS + TOKENS * TOKEN_MS;

console.log(`\nbench/serve: ${TOKENS} tokens at ${TOKEN_MS} ms (first token after ${idealTtfb} ms, last after ${idealTotal} ms), ${ROUNDS} questions per user, closed loop`);
console.log('streams  path            req/s  % ideal  TTFB p50    p95  total p50    p95  server CPU ms/req  fake CPU ms/req  client CPU ms/req  load avg');
const summary: string[] = [];
for (const n of STREAMS) {
  // Untimed warm-up at the same concurrency: the JIT, the retrievers, the SDK connections.
  await closedLoop(n, 1, () => direct());
  await closedLoop(n, 2, (u) => viaServe(tokens[u]!));
  const idealRps = n / (idealTotal / 1000);
  console.log(`${String(n).padStart(7)}  ideal          ${idealRps.toFixed(1).padStart(6)}     100%    ${f0(idealTtfb)} ${f0(idealTtfb)}     ${f0(idealTotal)} ${f0(idealTotal)}`);
  const d = await closedLoop(n, ROUNDS, () => direct());
  const dLoad = load();
  console.log(`${''.padStart(7)}  fake direct    ${d.rps.toFixed(1).padStart(6)}  ${((100 * d.rps) / idealRps).toFixed(1).padStart(6)}%    ${f0(d.ttfb50)} ${f0(d.ttfb95)}     ${f0(d.total50)} ${f0(d.total95)}  ${'-'.padStart(17)}  ${d.fakeCpuMs.toFixed(2).padStart(15)}  ${d.clientCpuMs.toFixed(2).padStart(17)}  ${dLoad}${d.errors ? `  (${d.errors} failed)` : ''}`);
  const s = await closedLoop(n, ROUNDS, (u) => viaServe(tokens[u]!));
  const sLoad = load();
  console.log(`${''.padStart(7)}  llmops serve   ${s.rps.toFixed(1).padStart(6)}  ${((100 * s.rps) / idealRps).toFixed(1).padStart(6)}%    ${f0(s.ttfb50)} ${f0(s.ttfb95)}     ${f0(s.total50)} ${f0(s.total95)}  ${s.serverCpuMs!.toFixed(2).padStart(17)}  ${s.fakeCpuMs.toFixed(2).padStart(15)}  ${s.clientCpuMs.toFixed(2).padStart(17)}  ${sLoad}${s.errors ? `  (${s.errors} failed)` : ''}`);
  summary.push(`${n} streams: serve at ${((100 * s.rps) / idealRps).toFixed(1)}% of ideal throughput (direct ${((100 * d.rps) / idealRps).toFixed(1)}%), p95 TTFT overhead ${(s.ttfb95 - d.ttfb95).toFixed(0)} ms over direct (p50 ${(s.ttfb50 - d.ttfb50).toFixed(0)} ms), ${s.n + s.errors} requests`);
}
console.log('');
for (const line of summary) console.log(line);
console.log('target (issue #14): >= 90% of ideal at 200 streams, p95 TTFT overhead < 20 ms');

server.child.kill('SIGTERM');
await once(server.child, 'exit');
fake.child.kill('SIGTERM');
await dispatcher.close();
if (values.keep) console.log(`kept ${work}`);
