import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ndjson, runCli, startProcess } from '../helpers/cli.js';

// Commands whose every step settles at once (SQLite, the offline model, heuristic metrics, MinHash)
// never gave the event loop a turn: a Ctrl-C was only seen after the whole run, which exited 0,
// and `dedup --near --apply` deleted its duplicates after two of them. Each is interrupted here
// once its work has visibly begun, and must stop short of the end with exit 130.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function workDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'llmops-busy-'));
  dirs.push(d);
  return d;
}

/** Polls `rows()` (a count in the database) until it is above zero: the command's work has begun. */
async function whenStarted(db: string, query: string): Promise<void> {
  for (;;) {
    try {
      const c = new Database(db, { readonly: true, fileMustExist: true });
      try {
        if ((c.prepare(query).pluck().get() as number) > 0) return;
      } finally {
        c.close();
      }
    } catch {
      // not created yet, or its tables not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves once process `pid` has `file` open (Linux /proc): its command has begun, past setting its signal handlers. */
async function whenOpened(pid: number, file: string): Promise<void> {
  for (;;) {
    try {
      const fds = readdirSync(`/proc/${pid}/fd`);
      if (fds.some((fd) => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`) === file; } catch { return false; } })) return;
    } catch {
      return; // gone already
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts the CLI, interrupts it (SIGINT) once `started` resolves, and returns how it ended. */
async function interrupted(args: string[], started: () => Promise<void>) {
  const run = startProcess(process.execPath, [BIN, ...args], { timeoutMs: 300_000 });
  await Promise.race([started(), run.ended]);
  run.child.kill('SIGINT');
  return run.ended;
}

describe('Ctrl-C in a loop of synchronous work', () => {
  it('analyse (offline model, stored sentences) stops after the batch at hand: exit 130, the rest left for the next run', { timeout: 300_000 }, async () => {
    const dir = workDir();
    const db = join(dir, 'a.db');
    const docs = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: `d${i}`, text: Array.from({ length: 15 }, (_, k) => `Sentence ${k} of document ${i} is rather good, or bad.`).join(' ') }));
    writeFileSync(join(dir, 'docs.jsonl'), `${docs.join('\n')}\n`);
    expect((await runCli(['--db', db, 'ingest', join(dir, 'docs.jsonl')])).code).toBe(0);
    expect((await runCli(['--db', db, 'split'])).code).toBe(0);
    const r = await interrupted(['--db', db, 'analyse'], () => whenStarted(db, 'select count(*) from results'));
    expect(r.code, r.stderr).toBe(130);
    const summary = ndjson(r.stdout).at(-1);
    expect(summary).toMatchObject({ command: 'analyse', note: 'interrupted: the next run carries on' });
    expect(summary.done).toBeLessThan(45_000);
  });

  it('monitor (heuristic metrics over a JSONL source) stops between batches: exit 130, not every item scored', { timeout: 300_000 }, async () => {
    const dir = workDir();
    const db = join(dir, 'm.db');
    const lines = Array.from({ length: 60_000 }, (_, i) => JSON.stringify({ id: `t-${i}`, input: `Question ${i}: can I get a refund?`, output: `Answer ${i}: yes, within 30 days.`, latency_ms: 100 + (i % 300) }));
    writeFileSync(join(dir, 'traces.jsonl'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(dir, 'mon.yaml'),
      'name: big\nsource: { type: jsonl, path: traces.jsonl }\nsampling: { strategy: oldest, max_items: 100000 }\nmetrics:\n  - name: length\n    params: { unit: words, min: 3, max: 100 }\n  - name: latency\n    params: { max_ms: 400 }\npublish: [{ type: sql }]\n',
    );
    const r = await interrupted(['--db', db, 'monitor', join(dir, 'mon.yaml')], () => whenStarted(db, 'select count(*) from monitor_scores'));
    expect(r.code, r.stderr).toBe(130);
    const summary = ndjson(r.stdout).at(-1);
    expect(summary).toMatchObject({ command: 'monitor', note: 'interrupted: the next run carries on' });
    expect(summary.scored_items).toBeLessThan(60_000);
  });

  it('dedup --near --apply interrupted while it scans deletes nothing', { timeout: 300_000 }, async () => {
    const dir = workDir();
    const db = join(dir, 'd.db');
    // Pairs of near twins, all alike: a scan of many seconds, so the interrupt lands inside it.
    const docs = Array.from({ length: 30_000 }, (_, i) => {
      const base = Math.floor(i / 2);
      return JSON.stringify({ id: `n${i}`, text: `Base text number ${base} talks about topic ${base % 97} and the weather in city ${base % 13}. ${i % 2 ? 'Indeed.' : ''}` });
    });
    writeFileSync(join(dir, 'near.jsonl'), `${docs.join('\n')}\n`);
    expect((await runCli(['--db', db, 'ingest', join(dir, 'near.jsonl')])).code).toBe(0);
    const run = startProcess(process.execPath, [BIN, '--db', db, 'dedup', '--near', '--field', 'content', '--apply'], { timeoutMs: 300_000 });
    // Nothing shows before the scan ends (the report follows it): interrupt once it has the database open.
    await Promise.race([whenOpened(run.child.pid!, db), run.ended]);
    run.child.kill('SIGINT');
    const r = await run.ended;
    expect(r.code, r.stderr).toBe(130);
    // The report (clusters so far) is on stdout, so the summary is on stderr.
    expect(r.stderr).toMatch(/interrupted after [\d,]+ documents: nothing deleted/);
    const c = new Database(db, { readonly: true });
    try {
      expect(c.prepare('select count(*) from documents').pluck().get()).toBe(30_000);
    } finally {
      c.close();
    }
  });
});
