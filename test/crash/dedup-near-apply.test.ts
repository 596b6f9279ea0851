import { describe, expect, it } from 'vitest';
import { runCrashHarness } from '../helpers/crash-harness.js';
import { ENGINES, engineMissing } from '../helpers/databases.js';

// bench/crash.mjs's `dedup --near --apply` scenario (crash-dedup-near.mjs): ~150 featurized
// documents in 60 near-duplicate groups, the command killed at random steps of its deletions
// (each seed: 3 kills, each after a random number of the commits it still had to make), then
// run to the end. The invariants are the harness's: the documents an uninterrupted run on a
// copy keeps, one per group; no search hit or stats count of a deleted document; no chunk row,
// vector point, lexical index entry or featurize mark left of one; nothing for a later
// featurize or dedup to do.
const SEEDS = [1, 2];

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`dedup --near --apply killed with SIGKILL at random points, then rerun (${engine})`, () => {
    for (const seed of SEEDS) {
      it(`seed ${seed}: keeps what an uninterrupted run keeps and leaves nothing of the deleted documents`, async () => {
        const r = await runCrashHarness(['--size', 'tiny', '--kills', '3', '--engines', engine, '--seed', String(seed), '--scenarios', 'dedup --near --apply']);
        expect(r.rows.map((x) => [x.scenario, x.engine])).toEqual([['dedup --near --apply', engine]]);
        const [row] = r.rows;
        expect(row!.violations, row!.notes.join('; ')).toEqual([]);
        expect(row!.items).toBeGreaterThan(0);
        expect(row!.kills, 'no kill landed before the command had finished').toBeGreaterThan(0);
        expect(r.code).toBe(0);
      });
    }
  });
}
