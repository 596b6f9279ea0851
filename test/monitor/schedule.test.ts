import { describe, expect, it } from 'vitest';
import { Logger } from '../../src/core/logger.js';
import { runScheduled } from '../../src/monitor/schedule.js';

describe('runScheduled', () => {
  it('never overlaps two runs of one monitor; runs monitors independently; stops on abort', async () => {
    // The slow job holds until the test releases it, so what is asserted is order and counts,
    // not how many ticks fit into some number of milliseconds.
    const ctrl = new AbortController();
    const active: Record<string, number> = { slow: 0, fast: 0 };
    const maxActive: Record<string, number> = { slow: 0, fast: 0 };
    const runs: Record<string, number> = { slow: 0, fast: 0 };
    let releaseSlow!: () => void;
    const slowGate = new Promise<void>((r) => (releaseSlow = r));
    let fastRanThrice!: () => void;
    const fastThrice = new Promise<void>((r) => (fastRanThrice = r));
    const job = (name: string, body: () => Promise<void>) => ({
      name,
      run: async () => {
        runs[name]!++;
        active[name]!++;
        maxActive[name] = Math.max(maxActive[name]!, active[name]!);
        await body();
        active[name]!--;
      },
    });
    const done = runScheduled(
      [
        job('slow', () => slowGate),
        job('fast', async () => {
          if (runs.fast === 3) fastRanThrice();
        }),
      ],
      { every: '5ms', signal: ctrl.signal, logger: new Logger('quiet') },
    );
    await fastThrice; // three turns of fast while slow's first run is still going
    expect(runs.slow).toBe(1); // slow skipped every turn that came while it ran
    ctrl.abort();
    let finished = false;
    const end = done.then(() => (finished = true));
    await Promise.resolve();
    expect(finished).toBe(false); // waits for the running job
    releaseSlow();
    await end;
    expect(maxActive).toEqual({ slow: 1, fast: 1 });
    expect(active).toEqual({ slow: 0, fast: 0 }); // the running job finished before returning
  });

  it('rejects a bad cron expression as a usage error', async () => {
    const ctrl = new AbortController();
    await expect(runScheduled([{ name: 'x', run: async () => {} }], { cron: 'every tuesday', signal: ctrl.signal, logger: new Logger('quiet') })).rejects.toThrow(/--cron: "every tuesday" is not a cron expression/);
  });
});
