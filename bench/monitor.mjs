// bench/monitor: `llmops monitor` over a generated 100k-item JSONL source with heuristic
// metrics (the real CLI: ledger claims, scoring, SQL publish, SQLite), next to a baseline
// measured in the same run: a bare loop that parses the same file and applies the same checks
// with no ledger and no publishing — the floor any monitor pays.
//
//   node bench/monitor.mjs [--items 100000] [--keep]
//
// Target: 100k heuristic-scored items in under 10 s.
import { createReadStream, createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rng, runLlmops } from './lib.mjs';

const { values } = parseArgs({ options: { items: { type: 'string', default: '100000' }, keep: { type: 'boolean' } } });
const n = Number(values.items);
const out = new URL('./out/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const data = join(out, `monitor-${n}.jsonl`);
const cfg = join(out, 'monitor-bench.yaml');
const db = join(out, 'monitor-bench.db');

const ANSWERS = [
  'To reset your password, click Forgot password on the sign-in page and follow the link we email you.',
  '{"answer": "Refunds are prorated after 30 days", "confidence": 0.82}',
  "I'm sorry, but I can't help with that request.",
  'Annual plans are refunded in full within 30 days of purchase; please contact support for anything else.',
  'We accept Visa, Mastercard, American Express and PayPal.',
];

async function generate() {
  const rand = rng(7);
  const w = createWriteStream(data);
  for (let i = 0; i < n; i++) {
    const rec = { id: `t${i}`, timestamp: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(), input: `Question number ${i} about billing?`, output: ANSWERS[Math.floor(rand() * ANSWERS.length)], latency_ms: Math.round(200 + rand() * 3000) };
    if (!w.write(`${JSON.stringify(rec)}\n`)) await once(w, 'drain');
  }
  w.end();
  await once(w, 'finish');
}

const REFUSAL = /\bI(?:'m| am) (?:sorry|afraid)[,.]? (?:but )?I (?:can(?:'|no)t|cannot)\b/i;

async function baseline() {
  const started = performance.now();
  let scored = 0;
  const rl = createInterface({ input: createReadStream(data), crlfDelay: Infinity });
  for await (const line of rl) {
    const r = JSON.parse(line);
    let json = true;
    try {
      JSON.parse(r.output);
    } catch {
      json = false;
    }
    const checks = [json, /refund/i.test(r.output), !r.output.toLowerCase().includes('contact support'), r.output.split(/\s+/).length <= 60, r.latency_ms <= 2000, !REFUSAL.test(r.output)];
    scored += checks.length;
  }
  return { seconds: (performance.now() - started) / 1000, scores: scored };
}

await generate();
writeFileSync(
  cfg,
  `name: bench
source: { type: jsonl, path: ${JSON.stringify(data)} }
metrics:
  - name: json_valid
  - name: regex
    params: { pattern: refund, flags: i }
  - name: not_contains
    params: { values: [contact support] }
  - name: length
    params: { unit: words, max: 60 }
  - name: latency
    params: { max_ms: 2000 }
  - name: refusal
publish: [{ type: sql }]
concurrency: 64
`,
);
rmSync(db, { force: true });
rmSync(`${db}-wal`, { force: true });
rmSync(`${db}-shm`, { force: true });

const base = await baseline();
const first = await runLlmops(['monitor', cfg, '--db', db]);
const rerun = await runLlmops(['monitor', cfg, '--db', db]);
const s = first.summary;
const rate = (items, sec) => Math.round(items / sec).toLocaleString('en-US');
console.log(`monitor bench: ${n.toLocaleString('en-US')} JSONL items × 6 heuristic metrics (SQLite ledger + sql publish)`);
console.log(`  baseline (parse + same checks, no ledger, no publish)  ${base.seconds.toFixed(2)} s   ${rate(n, base.seconds)} items/s`);
console.log(`  llmops monitor, first run                              ${first.seconds.toFixed(2)} s   ${rate(s.scored_items, first.seconds)} items/s   ${s.scores.toLocaleString('en-US')} scores   peak RSS ${Math.round(first.peakMb)} MB`);
console.log(`  llmops monitor, rerun (everything in the ledger)       ${rerun.seconds.toFixed(2)} s   scored ${rerun.summary.scored_items}`);
console.log(`  target: ${n.toLocaleString('en-US')} items < 10 s → ${first.seconds < 10 ? 'met' : 'NOT met'}`);
if (!values.keep) for (const f of [data, cfg, db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
