import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../src/core/ids.js';
import { BIN, ndjson, runCli } from '../helpers/cli.js';
import { ENGINES, engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';

/**
 * `dedup --ledger`: the ledger is never ahead of the output. A key is recorded only once its
 * record reached the output (flushed to stdout or a pipe, or renamed into place with the file).
 */

const records = (n: number, pad = 0) => Array.from({ length: n }, (_, i) => ({ id: i, text: `record ${i} ${'x'.repeat(pad)}` }));
const lines = (xs: object[]) => xs.map((x) => JSON.stringify(x)).join('\n') + '\n';
const keyOf = (r: { text: string }) => sha256Hex(r.text);

async function doneKeys(db: string[], ledger: string): Promise<Set<string>> {
  const r = await runCli(['dedup', 'ledger', 'export', '--ledger', ledger, ...db]);
  expect(r.code).toBe(0);
  return new Set(ndjson(r.stdout).filter((x) => x.status === 'done').map((x) => x.item_id as string));
}

async function ledgerCount(db: string[], ledger: string): Promise<number> {
  const r = await runCli(['dedup', 'ledger', 'count', '--ledger', ledger, '--json', ...db]);
  return ndjson(r.stdout)[0].keys;
}

/** Runs a shell line (for pipes like `| head -1`); the CLI's own exit status comes back on fd 3. */
function sh(line: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn('bash', ['-c', line], { cwd });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const cli = `"${process.execPath}" "${BIN}"`;

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`dedup --ledger never runs ahead of the output (${engine})`, () => {
    it('a bad record with --out file: exit 2, no file, no key; the fixed rerun passes every record', async () => {
      const target = await freshDatabase(engine);
      const dir = tempDir();
      try {
        const db = ['--db', target.url];
        const good = records(1000);
        const input = join(dir.path, 'in.jsonl');
        writeFileSync(input, lines(good) + '{"text": oops}\n');
        const out = join(dir.path, 'out.jsonl');
        const bad = await runCli(['dedup', '--in', input, '--field', 'text', '--ledger', 'feed', '--out', out, ...db]);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain(`${input}:1001:`);
        expect(existsSync(out)).toBe(false);
        expect(readdirSync(dir.path)).toEqual(['in.jsonl']);
        expect(await ledgerCount(db, 'feed')).toBe(0);
        writeFileSync(input, lines(good));
        const fixed = await runCli(['dedup', '--in', input, '--field', 'text', '--ledger', 'feed', '--out', out, ...db]);
        expect(fixed.code).toBe(0);
        expect(ndjson(readFileSync(out, 'utf8')).length).toBe(1000);
        expect(await ledgerCount(db, 'feed')).toBe(1000);
      } finally {
        dir.remove();
        await target.cleanup();
      }
    }, 60_000);

    // On PostgreSQL the same invariant is checked after random kills by bench/crash.mjs's dedup
    // scenarios (test/crash/crash-harness.test.ts); here SQLite only, to keep the suite quick.
    it.runIf(engine === 'sqlite')('kill -9 at random points, to stdout and to a file: the ledger holds only keys whose records got out; the last run completes the set', async () => {
      const target = await freshDatabase(engine);
      const dir = tempDir();
      try {
        const db = ['--db', target.url];
        const all = records(4_000, 200);
        const input = join(dir.path, 'in.jsonl');
        writeFileSync(input, lines(all));
        const out = join(dir.path, 'out.jsonl');
        const delivered = new Set<string>();
        let seed = 12345;
        const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        const KILLS = 4;
        for (let k = 0; k < KILLS; k++) {
          const toStdout = k % 2 === 0;
          const args = [BIN, 'dedup', '--in', input, '--field', 'text', '--ledger', 'feed', ...(toStdout ? ['--out', '-'] : ['--out', out]), ...db];
          const child = spawn(process.execPath, args, { cwd: dir.path });
          let stdout = '';
          // Killed mid-run for sure: once some output arrived on stdout, or once the file's
          // temporary copy has grown that far (a timer in case the run ends first).
          const killAtBytes = Math.floor(random() * 600_000) + 1;
          const kill = () => child.kill('SIGKILL');
          const timer = setTimeout(kill, 60_000);
          child.stdout.setEncoding('utf8').on('data', (d: string) => {
            stdout += d;
            if (stdout.length >= killAtBytes) kill();
          });
          const poll = toStdout
            ? undefined
            : setInterval(() => {
                try {
                  if (statSync(`${out}.tmp-${child.pid}`).size >= killAtBytes) kill();
                } catch {
                  // not created yet
                }
              }, 20);
          child.stderr.resume();
          await new Promise((r) => child.on('close', r));
          clearTimeout(timer);
          clearInterval(poll);
          // What the reader got: whole lines on stdout, or the file if its rename happened.
          const got = toStdout ? stdout.slice(0, stdout.lastIndexOf('\n') + 1) : existsSync(out) ? readFileSync(out, 'utf8') : '';
          for (const r of ndjson(got)) delivered.add(keyOf(r));
          const done = await doneKeys(db, 'feed');
          const ahead = [...done].filter((key) => !delivered.has(key));
          expect(ahead, `after kill ${k + 1}: keys in the ledger whose records never got out`).toEqual([]);
          expect(await ledgerCount(db, 'feed')).toBe(done.size);
        }
        // A run to the end: every record is out exactly once across runs or still here, and no temp file is left.
        const last = await runCli(['dedup', '--in', input, '--field', 'text', '--ledger', 'feed', '--out', out, ...db], { cwd: dir.path, timeoutMs: 120_000 });
        expect(last.code).toBe(0);
        for (const r of ndjson(readFileSync(out, 'utf8'))) delivered.add(keyOf(r));
        expect(delivered.size).toBe(all.length);
        const done = await doneKeys(db, 'feed');
        expect(done.size).toBe(all.length);
        expect(readdirSync(dir.path).filter((f) => f.includes('.tmp-'))).toEqual([]);
        const list = ndjson((await runCli(['dedup', 'ledger', 'list', '--json', ...db])).stdout);
        expect(list[0]).toMatchObject({ namespace: 'dedup:feed', claimed: 0 });
      } finally {
        dir.remove();
        await target.cleanup();
      }
    }, 240_000);
  });
}

describe('dedup --ledger on stdout', () => {
  it('two runs at once sharing a ledger never both pass a key, and together pass every one', async () => {
    const dir = tempDir();
    try {
      const db = ['--db', join(dir.path, 'l.db')];
      const all = records(6000);
      const input = join(dir.path, 'in.jsonl');
      writeFileSync(input, lines(all));
      // No database yet: both runs create it at once (migrations take a lock).
      const [a, b] = await Promise.all([0, 1].map(() => runCli(['dedup', '--in', input, '--field', 'text', '--ledger', 'feed', '--out', '-', ...db])));
      expect(a!.code).toBe(0);
      expect(b!.code).toBe(0);
      const ids = [...ndjson(a!.stdout), ...ndjson(b!.stdout)].map((x) => x.id);
      expect(ids.length).toBe(all.length);
      expect(new Set(ids).size).toBe(all.length);
      expect(await ledgerCount(db, 'feed')).toBe(all.length);
    } finally {
      dir.remove();
    }
  }, 60_000);

  it('| head -1: exits quietly, records only keys of records flushed before the reader left', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'l.db');
      const all = records(3000, 1000); // ~1 KB each: the pipe holds ~64 of them
      writeFileSync(join(dir.path, 'in.jsonl'), lines(all));
      const r = await sh(`${cli} --db l.db dedup --in in.jsonl --field text --ledger feed | head -1; echo "rc=\${PIPESTATUS[0]}" >&2`, dir.path);
      expect(r.stdout.trimEnd().split('\n').length).toBe(1);
      expect(r.stderr).toContain('rc=0');
      expect(r.stderr).not.toMatch(/EPIPE|Error|Warning/);
      const done = await doneKeys(['--db', db], 'feed');
      // The first record reached head; at most what fits in the pipe and head's buffer after it.
      expect(done.has(keyOf(all[0]!))).toBe(true);
      expect(done.size).toBeLessThan(500);
      // Exactly a prefix of the input: nothing recorded that was not written before it.
      expect([...done].sort()).toEqual(all.slice(0, done.size).map(keyOf).sort());
      const rerun = await runCli(['--db', db, 'dedup', '--in', join(dir.path, 'in.jsonl'), '--field', 'text', '--ledger', 'feed', '--out', '-']);
      expect(ndjson(rerun.stdout).length).toBe(all.length - done.size);
    } finally {
      dir.remove();
    }
  }, 60_000);

  it('a bad record (invalid JSON or a missing key): the records before it go out, exit 2 records no key; the fixed rerun passes all', async () => {
    const dir = tempDir();
    try {
      const db = ['--db', join(dir.path, 'l.db')];
      const all = records(1200);
      const run = (input: string) => runCli(['dedup', '--in', '-', '--field', 'text', '--ledger', 'feed', '--out', '-', ...db], { input });
      const broken = lines(all.slice(0, 700)) + '{oops\n' + lines(all.slice(700));
      const r = await run(broken);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/<stdin>:701: /);
      expect(ndjson(r.stdout).map((x) => x.id)).toEqual(all.slice(0, 700).map((x) => x.id));
      expect(await ledgerCount(db, 'feed')).toBe(0);
      const noKey = lines(all.slice(0, 700)) + '{"id":-1}\n' + lines(all.slice(700));
      const m = await run(noKey);
      expect(m.code).toBe(2);
      expect(m.stderr).toMatch(/line 701/);
      expect(ndjson(m.stdout).length).toBe(700);
      expect(await ledgerCount(db, 'feed')).toBe(0);
      // The rerun (say `> out.jsonl` again, truncated by the shell) must get every record.
      const fixed = await run(lines(all));
      expect(fixed.code).toBe(0);
      expect(ndjson(fixed.stdout).map((x) => x.id)).toEqual(all.map((x) => x.id));
      expect(await ledgerCount(db, 'feed')).toBe(1200);
    } finally {
      dir.remove();
    }
  }, 60_000);
});

describe('no MaxListenersExceededWarning with --out', () => {
  it('dedup --out file and --out - with many back-pressure waits', async () => {
    const dir = tempDir();
    try {
      const input = lines(records(20_000, 300)); // ~6 MB: hundreds of drain waits
      const toFile = await runCli(['dedup', '--in', '-', '--field', 'text', '--out', join(dir.path, 'o.jsonl')], { input });
      expect(toFile.code).toBe(0);
      expect(toFile.stderr).not.toMatch(/MaxListenersExceededWarning|Warning/);
      const toStdout = await runCli(['dedup', '--in', '-', '--field', 'text', '--out', '-', '--ledger', 'w', '--db', join(dir.path, 'w.db')], { input });
      expect(toStdout.code).toBe(0);
      expect(ndjson(toStdout.stdout).length).toBe(20_000);
      expect(toStdout.stderr).not.toMatch(/MaxListenersExceededWarning|Warning/);
    } finally {
      dir.remove();
    }
  }, 60_000);

  it('monitor --out file', async () => {
    const dir = tempDir();
    try {
      const traces = Array.from({ length: 3000 }, (_, i) => ({ id: `t-${i}`, input: `question ${i} about refunds`, output: `Refunds are processed within five days for order ${i}. ${'detail '.repeat(20)}`, latency_ms: 100 + i }));
      writeFileSync(join(dir.path, 'traces.jsonl'), lines(traces));
      writeFileSync(
        join(dir.path, 'm.yaml'),
        'name: many\nsource: { type: jsonl, path: traces.jsonl }\nsampling: { strategy: all }\nmetrics:\n  - name: refusal\n  - name: length\n    params: { unit: words, min: 5, max: 500 }\n  - name: latency\n    params: { max_ms: 2000 }\npublish:\n  - type: sql\n',
      );
      const out = join(dir.path, 'scores.jsonl');
      const r = await runCli(['monitor', join(dir.path, 'm.yaml'), '--out', out, '--db', join(dir.path, 'm.db')], { timeoutMs: 120_000 });
      expect(r.code).toBe(0);
      expect(ndjson(readFileSync(out, 'utf8')).length).toBe(9000);
      expect(r.stderr).not.toMatch(/MaxListenersExceededWarning|Warning/);
    } finally {
      dir.remove();
    }
  }, 120_000);
});
