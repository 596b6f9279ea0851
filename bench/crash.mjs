// bench/crash: kill -9 at random points, rerun to completion, check that nothing was lost,
// doubled or left dangling. Each scenario runs on SQLite and on PostgreSQL (a database created
// fresh for it and dropped after): its command is started and SIGKILLed `--kills` times, each
// time at a random point of its work (after a random number of committed items, plus a random
// few milliseconds, so kills land between commits as well as right after them); then it is
// run once more to completion and the scenario's invariants are checked:
//   - every input item exactly once in the store;
//   - every result with its call row in llm_calls (and every cache entry too);
//   - each sentence asked of the provider at most once more per kill than it was answered;
//   - `PRAGMA integrity_check` clean on SQLite;
//   - monitor over a source with bad lines: no bad line remembered in the ledger without its
//     report in monitor_items, every one remembered at the end, and the next run green;
//   - dedup --ledger (into a file, and into stdout): after every run the ledger holds no key
//     whose record was not delivered, and at the end every record was delivered, none again
//     after a run that completed, no claim or `*.tmp-*` file left;
//   - dedup --near --apply on featurized documents (crash-dedup-near.mjs): the documents an
//     uninterrupted run keeps, one per group, and nothing of the deleted ones left in search,
//     stats, chunk rows, vector points, the lexical index or featurize marks.
// It prints one row per scenario and engine (kills that landed, items, violations) and exits 1
// if any invariant was broken.
//
//   npm run build && node bench/crash.mjs [--kills 5] [--size tiny|small|medium]
//        [--engines sqlite,postgres] [--scenarios ingest,split,...] [--seed 1] [--json]
//
// Adding a scenario: append an object to SCENARIOS (see the fields documented there).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { BIN as BUILT_BIN, rng } from './lib.mjs';
import { dedupNearApply } from './crash-dedup-near.mjs';

const { values: flags } = parseArgs({
  options: {
    kills: { type: 'string', default: '5' },
    size: { type: 'string', default: 'small' },
    engines: { type: 'string', default: 'sqlite,postgres' },
    scenarios: { type: 'string' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    // Another build to compare with, e.g. --bin ../main/bin/llmops.js
    bin: { type: 'string' },
    'pg-url': { type: 'string', default: process.env.LLMOPS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});

const SIZES = { tiny: { docs: 24, traces: 40 }, small: { docs: 150, traces: 300 }, medium: { docs: 1500, traces: 3000 } };
const size = SIZES[flags.size];
if (!size) throw new Error(`--size: one of ${Object.keys(SIZES).join(', ')}`);
const KILLS = Number(flags.kills);
const BIN = flags.bin ?? BUILT_BIN;
const random = rng(Number(flags.seed));
const FAKE_KEY = 'sk-ant-crash-0000000000';

// ── stores as the checks see them: plain SQL, the same text on both engines ───────────────

/** A read connection for progress polls and checks; `null` while the SQLite file does not exist yet. */
async function openProbe(engine, url) {
  if (engine === 'sqlite') {
    if (!existsSync(url)) return null;
    const db = new Database(url, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return {
      all: async (sql) => {
        try {
          return db.prepare(sql).all();
        } catch (err) {
          if (/no such table/.test(err.message)) return null;
          throw err;
        }
      },
      run: async (sql) => void db.prepare(sql).run(),
      close: async () => db.close(),
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    all: async (sql) => {
      try {
        return (await client.query(sql)).rows;
      } catch (err) {
        if (err.code === '42P01') return null; // undefined table: not migrated yet
        throw err;
      }
    },
    run: async (sql) => void (await client.query(sql)),
    close: () => client.end(),
  };
}

async function count(probe, sql) {
  if (!probe) return 0;
  const rows = await probe.all(sql);
  return rows ? Number(Object.values(rows[0])[0]) : 0;
}

async function freshDatabase(engine, dir) {
  if (engine === 'sqlite') {
    const url = join(dir, `crash-${randomBytes(4).toString('hex')}.db`);
    return { url, drop: async () => {} };
  }
  return createPgDatabase(`llmops_crash_${randomBytes(6).toString('hex')}`, flags['pg-url']);
}

/** A new PostgreSQL database on the server of `like` (a copy of `template` when given), dropped by `drop()`. */
async function createPgDatabase(name, like, template) {
  const admin = new pg.Client({ connectionString: flags['pg-url'] });
  await admin.connect();
  await admin.query(`create database ${name}${template ? ` template ${template}` : ''}`);
  await admin.end();
  const url = new URL(like);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: flags['pg-url'] });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A copy of the scenario's database as it is now (no command running), dropped by `drop()`. */
async function copyDatabase(ctx) {
  if (ctx.engine === 'sqlite') {
    const url = join(ctx.dir, `copy-${randomBytes(4).toString('hex')}.db`);
    const db = new Database(ctx.url, { fileMustExist: true });
    try {
      await db.backup(url);
    } finally {
      db.close();
    }
    return { url, drop: async () => rmSync(url, { force: true }) };
  }
  const from = new URL(ctx.url).pathname.slice(1);
  return createPgDatabase(`${from}_copy`, ctx.url, from);
}

// ── running the CLI ──────────────────────────────────────────────────────────────────────────

/** With `captureStdout`, the command's stdout is a pipe read to its end (also after a kill). */
function start(ctx, args, env = {}, captureStdout = false) {
  const child = spawn(process.execPath, [BIN, '--db', ctx.url, ...args], {
    cwd: ctx.dir,
    env: { ...process.env, LLMOPS_DB: undefined, LLMOPS_WAREHOUSE: undefined, ...env },
    stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  child.stdout?.setEncoding('utf8').on('data', (d) => (stdout += d));
  const done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr, stdout })));
  return { child, done };
}

/** Runs to the end (all of the scenario's workers at once); resolves to the first non-zero exit, else the last. */
async function runToEnd(ctx, args, env, workers = 1, captureStdout = false) {
  const results = await Promise.all(Array.from({ length: workers }, () => start(ctx, args, env, captureStdout).done));
  return results.find((r) => r.code !== 0) ?? results.at(-1);
}

/**
 * Starts the command (`scenario.workers` processes of it, default 1) and kills them all with
 * SIGKILL once `progress()` has reached a random target (0 … total), plus 0–40 ms (polled every
 * 10 ms; a scenario whose work is short says `pollMs` and `jitterMs`). Returns true when the
 * kill landed (false: they had all finished first).
 */
async function killAtRandomPoint(ctx, scenario, total) {
  const target = Math.floor(random() * total);
  const extraMs = Math.floor(random() * (scenario.jitterMs ?? 40));
  const runs = Array.from({ length: scenario.workers ?? 1 }, () => start(ctx, scenario.command(ctx), scenario.env?.(ctx), Boolean(scenario.afterRun)));
  let exited = false;
  void Promise.all(runs.map((r) => r.done)).then(() => (exited = true));
  let probe = null;
  let landed = false;
  try {
    while (!exited) {
      probe ??= await openProbe(ctx.engine, ctx.url).catch(() => null);
      const n = probe ? await scenario.progress(probe, ctx).catch(() => 0) : 0;
      if (n >= target) break;
      await new Promise((r) => (scenario.pollMs === 0 ? setImmediate(r) : setTimeout(r, scenario.pollMs ?? 10)));
    }
    if (!exited && extraMs > 0) await new Promise((r) => setTimeout(r, extraMs));
    for (const r of runs) {
      if (r.child.exitCode === null && r.child.signalCode === null) {
        r.child.kill('SIGKILL');
        landed = true;
      }
    }
  } finally {
    // After the kill: closing a PostgreSQL probe takes a round trip, time the command would go on.
    await probe?.close().catch(() => {});
  }
  const results = await Promise.all(runs.map((r) => r.done));
  if (scenario.afterRun) for (const r of results) await scenario.afterRun(ctx, { killed: r.signal === 'SIGKILL', stdout: r.stdout });
  return landed;
}

// ── input data ───────────────────────────────────────────────────────────────────────────────

const WORDS = ['great', 'terrible', 'battery', 'screen', 'lovely', 'awful', 'Tuesday', 'meeting', 'refund', 'delivery', 'fine', 'broken'];
function writeDocs(ctx, n) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    const sentences = [];
    for (let k = 0; k < 4; k++) sentences.push(`Item ${i}-${k} is ${WORDS[(i * 7 + k * 3) % WORDS.length]} and ${WORDS[(i + k * 5) % WORDS.length]}.`);
    lines.push(JSON.stringify({ id: `doc-${i}`, title: `Doc ${i}`, text: sentences.join(' ') }));
  }
  const file = join(ctx.dir, 'docs.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function prepare(ctx, stages) {
  const file = writeDocs(ctx, size.docs);
  for (const args of stages(file)) {
    const r = await runToEnd(ctx, args);
    if (r.code !== 0) throw new Error(`setup ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').at(-1)}`);
  }
}

// ── fake services (separate processes: they outlive the killed commands) ────────────────────

async function startFake(args) {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./crash-fakes.ts', import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = await once(child.stdout, 'data');
  return {
    url: chunk.toString().trim(),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'close');
    },
  };
}

/** The fake Anthropic API; `stop()` resolves to the requests it got per first user message. */
async function startFakeProvider(ctx) {
  const countsFile = join(ctx.dir, `fake-counts-${randomBytes(3).toString('hex')}.json`);
  const fake = await startFake(['anthropic', countsFile, '5']);
  return {
    url: fake.url,
    async stop() {
      await fake.stop();
      return new Map(Object.entries(JSON.parse(readFileSync(countsFile, 'utf8'))));
    },
  };
}

// ── invariants shared by the scenarios ───────────────────────────────────────────────────────

async function analyseInvariants(probe, v) {
  const sentences = await count(probe, 'select count(*) from sentences');
  const missing = await count(probe, `select count(*) from sentences s where not exists (select 1 from results r where r.sentence_id = s.id and r.status = 'ok')`);
  const doubled = await count(probe, 'select count(*) from (select sentence_id from results group by sentence_id, task, task_version having count(*) > 1) x');
  const dangling = await count(probe, 'select count(*) from results r where r.llm_call_id is not null and not exists (select 1 from llm_calls c where c.id = r.llm_call_id)');
  const unlinked = await count(probe, `select count(*) from results r where r.status = 'ok' and r.llm_call_id is null`);
  const cacheDangling = await count(probe, 'select count(*) from llm_cache k where k.llm_call_id is not null and not exists (select 1 from llm_calls c where c.id = k.llm_call_id)');
  // A call row committed without the result it answered: the rerun asked the model again.
  const orphans = await count(probe, `select count(*) from llm_calls c where c.status = 'ok' and not exists (select 1 from results r where r.llm_call_id = c.id) and not exists (select 1 from llm_calls d where d.repaired_from = c.id)`);
  if (missing) v.push(`${missing} sentence(s) without a result`);
  if (doubled) v.push(`${doubled} sentence(s) with more than one result`);
  if (dangling) v.push(`${dangling} result(s) pointing at a call row that does not exist`);
  if (unlinked) v.push(`${unlinked} ok result(s) without a call id`);
  if (cacheDangling) v.push(`${cacheDangling} cache entr(ies) pointing at a call row that does not exist`);
  if (orphans) v.push(`${orphans} call row(s) with no result (committed before it; the sentence was asked again)`);
  return sentences;
}

// ── scenarios ────────────────────────────────────────────────────────────────────────────────
//
// A scenario:
//   name          shown in the table
//   setup(ctx)    prepares the database and inputs (not killed); may set ctx fields
//   total(ctx)    how many items the command will process (the range of kill points)
//   command(ctx)  llmops arguments (after --db)
//   env(ctx)      extra environment for the command (optional)
//   workers       processes of the command run (and killed) at once (optional, default 1)
//   progress(probe, ctx)  items committed so far (polled while the command runs)
//   pollMs, jitterMs  optional: the poll interval (default 10) and the most a kill waits after
//                 its target is reached (default 40)
//   check(probe, ctx, violations)  pushes a message per broken invariant; returns the item count
//   teardown(ctx) optional: stop helpers; may add violations (ctx.violations)
//   exitCodes     the exit codes the rerun may end with (optional, default [0])
//   afterRun(ctx, { killed, stdout })  optional: called after each run, killed or not (before
//                 the next one starts), with the run's stdout (captured only for such scenarios);
//                 may check invariants that must hold between runs (ctx.violations)

/**
 * monitor over a JSONL source into the sql publisher. With `badEvery`, every so many lines is
 * bad JSON: each is reported by one run (exit 3) and remembered in the ledger only once its
 * monitor_items row is written, so after the kills the ledger holds no bad line without its
 * report, every bad line is remembered, and the next run is green (exit 0, nothing reported).
 */
function monitorWithSql(o) {
  const bad = (i) => o.badEvery > 0 && i % o.badEvery === o.badEvery - 1;
  const counts = () => {
    let invalid = 0;
    for (let i = 0; i < size.traces; i++) if (bad(i)) invalid++;
    return { valid: size.traces - invalid, invalid };
  };
  const invalidKeys = (probe) => count(probe, `select count(*) from monitor_ledger where namespace = 'monitor:jsonl:crash' and item_id like 'invalid:%'`);
  return {
    name: o.name,
    // A rerun that meets bad lines the killed runs did not report reports them: exit 3.
    exitCodes: o.badEvery > 0 ? [0, 3] : [0],
    setup: async (ctx) => {
      const lines = [];
      for (let i = 0; i < size.traces; i++) {
        if (bad(i)) lines.push(`{"id": "bad-${i}", "input": "cut short`);
        else lines.push(JSON.stringify({ id: `t-${i}`, input: `Question ${i}: can I get a refund?`, output: `Answer ${i}: yes, within 30 days of purchase.`, context: 'Refunds within 30 days.', latency_ms: 100 + (i % 50) * 10 }));
      }
      writeFileSync(join(ctx.dir, 'traces.jsonl'), `${lines.join('\n')}\n`);
      writeFileSync(
        join(ctx.dir, 'monitor.yaml'),
        `name: crash\nsource: { type: jsonl, path: traces.jsonl }\nsampling: { strategy: oldest, max_items: ${size.traces} }\nmetrics:\n  - name: length\n    params: { unit: words, min: 3, max: 100 }\n  - name: latency\n    params: { max_ms: 400 }\npublish: [{ type: sql }]\nconcurrency: 4\n`,
      );
    },
    total: () => counts().valid * 2 + counts().invalid,
    command: (ctx) => ['monitor', join(ctx.dir, 'monitor.yaml')],
    progress: async (probe) => (await count(probe, `select count(*) from monitor_scores where monitor = 'crash'`)) + (o.badEvery > 0 ? await invalidKeys(probe) : 0),
    check: async (probe, ctx, v) => {
      const { valid, invalid } = counts();
      for (const metric of ['length', 'latency']) {
        const scored = await count(probe, `select count(distinct item_id) from monitor_scores where monitor = 'crash' and metric = '${metric}'`);
        const rows = await count(probe, `select count(*) from monitor_scores where monitor = 'crash' and metric = '${metric}'`);
        if (scored !== valid) v.push(`${metric}: ${scored} of ${valid} items scored`);
        if (rows !== scored) v.push(`${metric}: ${rows - scored} item(s) scored more than once`);
      }
      if (invalid === 0) return valid;
      const remembered = await invalidKeys(probe);
      const unreported = await count(
        probe,
        `select count(*) from monitor_ledger l where l.namespace = 'monitor:jsonl:crash' and l.item_id like 'invalid:%' and not exists (select 1 from monitor_items i where i.item_id = l.item_id and i.status = 'invalid')`,
      );
      if (remembered !== invalid) v.push(`${remembered} of ${invalid} bad lines remembered in the ledger`);
      if (unreported) v.push(`${unreported} bad line(s) in the ledger with no report (the ledger ahead of monitor_items)`);
      const next = await runToEnd(ctx, ['monitor', join(ctx.dir, 'monitor.yaml')]);
      if (next.code !== 0) v.push(`the run after the rerun exited ${next.code} (bad lines reported again?)`);
      return valid + invalid;
    },
  };
}

/** analyse against the fake Anthropic API: real llm_calls rows, requests counted per sentence. */
function analyseWithFakeProvider(o) {
  return {
    name: o.name,
    workers: o.workers,
    setup: async (ctx) => {
      await prepare(ctx, (file) => [['ingest', file], ['split']]);
      ctx.fake = await startFakeProvider(ctx);
    },
    total: () => size.docs * 4,
    command: () => ['analyse', '--env', 'anthropic', '--concurrency', String(o.concurrency)],
    env: (ctx) => ({ ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: ctx.fake.url }),
    progress: (probe) => count(probe, 'select count(*) from results'),
    check: async (probe, ctx, v) => {
      const n = await analyseInvariants(probe, v);
      const asked = await ctx.fake.stop();
      ctx.fake = undefined;
      // Each sentence is asked at most once more per kill than its calls in the log: a call
      // that returned but was not committed when the process died is asked again, once.
      const logged = new Map();
      for (const row of (await probe.all('select messages from llm_calls')) ?? []) {
        const first = (typeof row.messages === 'string' ? JSON.parse(row.messages) : row.messages)[0]?.content;
        logged.set(first, (logged.get(first) ?? 0) + 1);
      }
      let over = 0;
      let extra = 0;
      let most = 0;
      for (const [prompt, times] of asked) {
        const more = times - (logged.get(prompt) ?? 0);
        if (more > 0) extra += more;
        most = Math.max(most, more);
        if (more > ctx.killsLanded) over++;
      }
      if (over) v.push(`${over} sentence(s) asked more than once more per kill than answered`);
      ctx.notes.push(`${extra} request(s) not in the call log (asked again after a kill; at most ${most} for one sentence)`);
      return n;
    },
    teardown: async (ctx) => {
      await ctx.fake?.stop().catch(() => {});
    },
  };
}

/**
 * dedup --ledger over unique records, into `--out out.jsonl` (a consumer takes each delivered
 * file away before the next run, as a batch pipeline would) or into stdout (a pipe read to its
 * end). After every run, killed or not: each key the ledger holds as done has its record in
 * what was delivered so far (the ledger is never ahead of the output). At the end: every input
 * record delivered, none twice except after a kill between its delivery and the ledger's commit
 * (a run that completed committed all it delivered, so nothing it delivered may come again),
 * every key done, no claim left, no `*.tmp-*` file left.
 */
function dedupWithLedger(o) {
  const records = () => size.traces * 4; // tiny 160, small 1200 (3 claim batches of 500), medium 12000
  const namespace = 'dedup:crash';
  // Done keys are ledger rows; keys being worked on are leases in the work queue.
  const queue = `ledger:${namespace}`;
  const outFile = (ctx) => join(ctx.dir, 'out.jsonl');
  return {
    name: o.name,
    setup: async (ctx) => {
      const lines = [];
      ctx.idOfKey = new Map();
      for (let i = 0; i < records(); i++) {
        const id = `r-${i}`;
        lines.push(JSON.stringify({ id, text: `Record ${i} is ${WORDS[i % WORDS.length]} and ${WORDS[(i * 5) % WORDS.length]}.` }));
        // The ledger's key for `--key id`: sha256 of the JSON list of the key values.
        ctx.idOfKey.set(createHash('sha256').update(JSON.stringify([id]), 'utf8').digest('hex'), id);
      }
      ctx.input = join(ctx.dir, 'records.jsonl');
      writeFileSync(ctx.input, `${lines.join('\n')}\n`);
      ctx.runs = 0;
      ctx.deliveries = new Map(); // id → [{ run, killed }]
    },
    total: () => records(),
    command: (ctx) => ['dedup', '--in', ctx.input, '--key', 'id', '--ledger', 'crash', ...(o.toFile ? ['--out', outFile(ctx)] : [])],
    // Claimed and done keys: claims come batch by batch, so kills spread over the run.
    progress: async (probe) => (await count(probe, `select count(*) from monitor_ledger where namespace = '${namespace}'`)) + (await count(probe, `select count(*) from work_claims where queue = '${queue}'`)),
    afterRun: async (ctx, { killed, stdout }) => {
      const run = ctx.runs++;
      const v = ctx.violations;
      let text = '';
      if (!o.toFile) text = stdout;
      else if (existsSync(outFile(ctx))) {
        text = readFileSync(outFile(ctx), 'utf8');
        renameSync(outFile(ctx), join(ctx.dir, `delivered-${run}.jsonl`));
        if (text !== '' && !text.endsWith('\n')) v.push(`run ${run}: the --out file ends in half a line`);
      }
      // A kill may cut a pipe's last line short: only whole lines were delivered.
      const whole = text.slice(0, text.lastIndexOf('\n') + 1);
      const inRun = new Set();
      for (const line of whole.split('\n')) {
        if (line === '') continue;
        let id;
        try {
          id = JSON.parse(line).id;
        } catch {
          v.push(`run ${run}: a whole output line that is not JSON: ${line.slice(0, 60)}`);
          continue;
        }
        if (!/^r-\d+$/.test(id ?? '')) v.push(`run ${run}: a record that is not in the input: ${line.slice(0, 60)}`);
        else if (inRun.has(id)) v.push(`run ${run}: ${id} written twice in one run`);
        inRun.add(id);
        const d = ctx.deliveries.get(id) ?? [];
        d.push({ run, killed });
        ctx.deliveries.set(id, d);
      }
      const probe = await openProbe(ctx.engine, ctx.url);
      try {
        const done = (await probe?.all(`select item_id from monitor_ledger where namespace = '${namespace}'`)) ?? [];
        const ahead = done.filter((r) => !ctx.deliveries.has(ctx.idOfKey.get(r.item_id))).length;
        if (ahead) v.push(`after run ${run}${killed ? ' (killed)' : ''}: ${ahead} key(s) done in the ledger whose record was not delivered`);
      } finally {
        await probe?.close();
      }
    },
    check: async (probe, ctx, v) => {
      const n = records();
      let missing = 0;
      let again = 0; // delivered once more after a kill: allowed (README: "may come twice")
      let afterCompleted = 0;
      for (const id of ctx.idOfKey.values()) {
        const d = ctx.deliveries.get(id) ?? [];
        if (d.length === 0) missing++;
        again += Math.max(0, d.length - 1);
        if (d.slice(0, -1).some((x) => !x.killed)) afterCompleted++;
      }
      if (missing) v.push(`${missing} of ${n} input record(s) never delivered`);
      if (afterCompleted) v.push(`${afterCompleted} record(s) delivered again after a run that completed had delivered them`);
      const done = await count(probe, `select count(*) from monitor_ledger where namespace = '${namespace}'`);
      const claimed = await count(probe, `select count(*) from work_claims where queue = '${queue}'`);
      if (done !== n) v.push(`${done} keys done in the ledger for ${n} input records`);
      if (claimed) v.push(`${claimed} claim(s) left in the ledger`);
      const temps = readdirSync(ctx.dir).filter((f) => f.includes('.tmp-'));
      if (temps.length) v.push(`temporary file(s) left: ${temps.join(', ')}`);
      const copies = [...ctx.deliveries.values()].reduce((s, d) => s + d.length, 0);
      ctx.notes.push(`${copies} records delivered over ${ctx.runs} runs; ${again} delivered twice (a kill between delivery and the ledger's commit)`);
      return n;
    },
  };
}

const SCENARIOS = [
  {
    name: 'ingest',
    setup: async (ctx) => {
      ctx.file = writeDocs(ctx, size.docs);
    },
    total: () => size.docs,
    command: (ctx) => ['ingest', ctx.file],
    progress: (probe) => count(probe, 'select count(*) from documents'),
    check: async (probe, ctx, v) => {
      const n = await count(probe, 'select count(*) from documents');
      const distinct = await count(probe, 'select count(distinct external_id) from documents');
      if (n !== size.docs) v.push(`${n} documents stored for ${size.docs} input records`);
      if (distinct !== size.docs) v.push(`${distinct} distinct input ids stored for ${size.docs}`);
      return size.docs;
    },
  },
  {
    name: 'split',
    setup: (ctx) => prepare(ctx, (file) => [['ingest', file]]),
    total: () => size.docs,
    command: () => ['split'],
    progress: (probe) => count(probe, 'select count(*) from document_splits'),
    check: async (probe, ctx, v) => {
      const docs = await count(probe, 'select count(*) from documents');
      const unsplit = await count(probe, 'select count(*) from documents d where not exists (select 1 from document_splits s where s.document_id = d.id)');
      // Exactly once: each document's sentences are numbered 0..n-1 with no gap, and their count is the one recorded.
      const wrong = await count(
        probe,
        'select count(*) from document_splits p where p.sentence_count <> (select count(*) from sentences s where s.document_id = p.document_id) or p.sentence_count <> (select coalesce(max(idx), -1) + 1 from sentences s where s.document_id = p.document_id)',
      );
      const orphans = await count(probe, 'select count(*) from sentences s where not exists (select 1 from document_splits p where p.document_id = s.document_id)');
      if (unsplit) v.push(`${unsplit} document(s) not split`);
      if (wrong) v.push(`${wrong} document(s) with missing or doubled sentences`);
      if (orphans) v.push(`${orphans} sentence(s) of a split that was never recorded`);
      return docs;
    },
  },
  {
    name: 'analyse (offline)',
    setup: (ctx) => prepare(ctx, (file) => [['ingest', file], ['split']]),
    total: () => size.docs * 4,
    command: () => ['analyse', '--concurrency', '8'],
    progress: (probe) => count(probe, 'select count(*) from results'),
    check: (probe, ctx, v) => analyseInvariants(probe, v),
  },
  analyseWithFakeProvider({ name: 'analyse (fake provider)', workers: 1, concurrency: 16 }),
  analyseWithFakeProvider({ name: 'analyse (3 workers, fake provider)', workers: 3, concurrency: 8 }),
  {
    name: 'featurize (hashing)',
    setup: async (ctx) => {
      await prepare(ctx, (file) => [['ingest', file]]);
      // With PostgreSQL as --db, vectors live in Qdrant: the fake one here.
      if (ctx.engine === 'postgres') ctx.qdrant = await startFake(['qdrant']);
    },
    total: () => size.docs,
    command: () => ['featurize', '--embedder', 'hashing', '--dimension', '64', '--batch-size', '8'],
    env: (ctx) => (ctx.qdrant ? { QDRANT_URL: ctx.qdrant.url } : {}),
    teardown: async (ctx) => {
      await ctx.qdrant?.stop().catch(() => {});
    },
    progress: (probe) => count(probe, 'select count(*) from featurized_documents'),
    check: async (probe, ctx, v) => {
      const docs = await count(probe, 'select count(*) from documents');
      const missing = await count(probe, 'select count(*) from documents d where not exists (select 1 from featurized_documents f where f.document_id = d.id)');
      const wrong = await count(probe, 'select count(*) from featurized_documents f where f.chunk_count <> (select count(*) from featurize_chunks c where c.document_id = f.document_id and c.embedder = f.embedder)');
      const orphans = await count(probe, 'select count(*) from featurize_chunks c where not exists (select 1 from featurized_documents f where f.document_id = c.document_id and f.embedder = c.embedder)');
      if (missing) v.push(`${missing} document(s) not featurized`);
      if (wrong) v.push(`${wrong} document(s) whose chunks are missing or doubled`);
      if (orphans) v.push(`${orphans} chunk(s) of a document never recorded as featurized`);
      if (ctx.engine === 'sqlite') {
        // Every chunk has exactly one vector in its embedded_ collection, and no vector lacks its chunk.
        const points = await count(probe, 'select count(*) from vector_points p join featurize_chunks c on c.collection = p.collection and c.id = p.id');
        const all = await count(probe, `select count(*) from vector_points where collection like 'embedded_%'`);
        const chunks = await count(probe, 'select count(*) from featurize_chunks');
        if (points !== chunks || all !== chunks) v.push(`${all} vectors (${points} with their chunk) for ${chunks} chunks`);
      } else {
        const chunks = await count(probe, 'select count(*) from featurize_chunks');
        const res = await fetch(`${ctx.qdrant.url}/collections/embedded_documents/points/count`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ exact: true }) });
        const points = (await res.json()).result?.count;
        if (points !== chunks) v.push(`${points} vectors in Qdrant for ${chunks} chunks`);
      }
      return docs;
    },
  },
  monitorWithSql({ name: 'monitor (sql publish)', badEvery: 0 }),
  monitorWithSql({ name: 'monitor (bad lines)', badEvery: 7 }),
  dedupWithLedger({ name: 'dedup --ledger (--out file)', toFile: true }),
  dedupWithLedger({ name: 'dedup --ledger (stdout)', toFile: false }),
  dedupNearApply({ size, BIN, openProbe, count, runToEnd, startFake, copyDatabase }),
];

// ── the harness ──────────────────────────────────────────────────────────────────────────────

async function runScenario(scenario, engine) {
  const dir = mkdtempSync(join(tmpdir(), 'llmops-crash-'));
  const db = await freshDatabase(engine, dir);
  const violations = [];
  const ctx = { engine, url: db.url, dir, killsLanded: 0, notes: [], violations };
  let items = 0;
  try {
    await scenario.setup(ctx);
    for (let i = 0; i < KILLS; i++) if (await killAtRandomPoint(ctx, scenario, scenario.total(ctx))) ctx.killsLanded++;
    const last = await runToEnd(ctx, scenario.command(ctx), scenario.env?.(ctx), scenario.workers, Boolean(scenario.afterRun));
    if (!(scenario.exitCodes ?? [0]).includes(last.code)) violations.push(`the rerun exited ${last.code}: ${last.stderr.trim().split('\n').at(-1)}`);
    await scenario.afterRun?.(ctx, { killed: false, stdout: last.stdout });
    const probe = await openProbe(engine, db.url);
    try {
      items = await scenario.check(probe, ctx, violations);
      if (engine === 'sqlite') {
        const rows = await probe.all('pragma integrity_check');
        const verdict = rows.map((r) => Object.values(r)[0]).join('; ');
        if (verdict !== 'ok') violations.push(`integrity_check: ${verdict}`);
      }
    } finally {
      await probe.close();
    }
  } catch (err) {
    violations.push(`harness: ${err.message}`);
  } finally {
    await scenario.teardown?.(ctx);
    await db.drop().catch((err) => violations.push(`drop: ${err.message}`));
    rmSync(dir, { recursive: true, force: true });
  }
  return { scenario: scenario.name, engine, kills: ctx.killsLanded, items, violations, notes: ctx.notes };
}

async function postgresAvailable() {
  const c = new pg.Client({ connectionString: flags['pg-url'], connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

const wanted = flags.scenarios?.split(',').map((s) => s.trim());
const scenarios = wanted ? SCENARIOS.filter((s) => wanted.some((w) => s.name.startsWith(w))) : SCENARIOS;
let engines = flags.engines.split(',').map((e) => e.trim());
if (engines.includes('postgres') && !(await postgresAvailable())) {
  if (process.env.CI === 'true' || process.env.LLMOPS_REQUIRE_SERVICES === '1') throw new Error(`PostgreSQL is required but not reachable at ${flags['pg-url']}`);
  process.stderr.write(`crash: PostgreSQL not reachable at ${flags['pg-url']}: SKIPPED\n`);
  engines = engines.filter((e) => e !== 'postgres');
}

const rows = [];
for (const scenario of scenarios) {
  for (const engine of engines) {
    const r = await runScenario(scenario, engine);
    rows.push(r);
    if (!flags.json) process.stderr.write(`  ${r.scenario} on ${r.engine}: ${r.violations.length === 0 ? 'ok' : r.violations.join('; ')}\n`);
  }
}

if (flags.json) process.stdout.write(`${JSON.stringify({ size: flags.size, kills: KILLS, seed: Number(flags.seed), rows })}\n`);
else {
  const header = ['scenario', 'engine', 'kills', 'items', 'violations', 'notes'];
  const table = rows.map((r) => [r.scenario, r.engine, String(r.kills), String(r.items), String(r.violations.length), r.notes.join('; ')]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells) => cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  process.stdout.write(`crash: --kills ${KILLS} --size ${flags.size} --seed ${flags.seed}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const t of table) process.stdout.write(`${line(t)}\n`);
}
process.exitCode = rows.some((r) => r.violations.length > 0) ? 1 : 0;
