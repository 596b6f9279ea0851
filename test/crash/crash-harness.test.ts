import { describe, expect, it } from 'vitest';
import { runCrashHarness } from '../helpers/crash-harness.js';
import { SERVICES_REQUIRED, postgresAvailable } from '../helpers/databases.js';

/** bench/crash.mjs at its tiny size: the kill -9 invariants, checked by CI on every change. */
describe('kill -9 at random points, then a rerun (bench/crash.mjs, tiny)', () => {
  const engines = postgresAvailable || SERVICES_REQUIRED ? 'sqlite,postgres' : 'sqlite';

  it('loses nothing, doubles nothing, leaves no result or cache entry without its call row, no ledger key ahead of its output or report', { timeout: 600_000 }, async () => {
    const expected = ['ingest', 'split', 'analyse (offline)', 'analyse (fake provider)', 'featurize (hashing)', 'monitor (sql publish)', 'monitor (bad lines)', 'dedup --ledger (--out file)', 'dedup --ledger (stdout)'];
    // The 3-worker analyse scenario is left to the bench run (it triples the processes).
    const r = await runCrashHarness(['--size', 'tiny', '--kills', '2', '--engines', engines, '--seed', '7', '--scenarios', expected.join(',')]);
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
