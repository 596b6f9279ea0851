import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SERVICES_REQUIRED, postgresAvailable } from '../helpers/databases.js';

const HARNESS = fileURLToPath(new URL('../../bench/crash.mjs', import.meta.url));

type Row = { scenario: string; engine: string; kills: number; items: number; violations: string[] };

/** bench/crash.mjs at its tiny size: the kill -9 invariants, checked by CI on every change. */
function runHarness(args: string[]): Promise<{ code: number | null; rows: Row[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARNESS, '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve({ code, rows: (JSON.parse(stdout.trim().split('\n').at(-1)!) as { rows: Row[] }).rows, stderr });
      } catch (err) {
        reject(new Error(`crash harness printed no summary (exit ${code}): ${stderr.slice(-2000)}`, { cause: err }));
      }
    });
  });
}

describe('kill -9 at random points, then a rerun (bench/crash.mjs, tiny)', () => {
  const engines = postgresAvailable || SERVICES_REQUIRED ? 'sqlite,postgres' : 'sqlite';

  it('loses nothing, doubles nothing, leaves no result or cache entry without its call row, no ledger key ahead of its output or report', { timeout: 600_000 }, async () => {
    const expected = ['ingest', 'split', 'analyse (offline)', 'analyse (fake provider)', 'featurize (hashing)', 'monitor (sql publish)', 'monitor (bad lines)', 'dedup --ledger (--out file)', 'dedup --ledger (stdout)'];
    // The 3-worker analyse scenario is left to the bench run (it triples the processes).
    const r = await runHarness(['--size', 'tiny', '--kills', '2', '--engines', engines, '--seed', '7', '--scenarios', expected.join(',')]);
    for (const engine of engines.split(',')) expect(r.rows.filter((x) => x.engine === engine).map((x) => x.scenario)).toEqual(expected);
    for (const row of r.rows) {
      expect(row.violations, `${row.scenario} on ${row.engine}`).toEqual([]);
      expect(row.items, `${row.scenario} on ${row.engine}`).toBeGreaterThan(0);
    }
    // The kills did land (a run that always finished before its kill would check nothing).
    expect(r.rows.reduce((n, x) => n + x.kills, 0)).toBeGreaterThanOrEqual(r.rows.length);
    expect(r.code).toBe(0);
  });
});
