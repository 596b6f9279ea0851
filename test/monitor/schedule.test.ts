import { describe, expect, it } from 'vitest';
import { Logger } from '../../src/core/logger.js';
import { runScheduled } from '../../src/monitor/schedule.js';

describe('runScheduled', () => {
  it('never overlaps two runs of one monitor; runs monitors independently; stops on abort', async () => {
    const ctrl = new AbortController();
    const active: Record<string, number> = { slow: 0, fast: 0 };
    const maxActive: Record<string, number> = { slow: 0, fast: 0 };
    const runs: Record<string, number> = { slow: 0, fast: 0 };
    const job = (name: string, ms: number) => ({
      name,
      run: async () => {
        runs[name]!++;
        active[name]!++;
        maxActive[name] = Math.max(maxActive[name]!, active[name]!);
        await new Promise((r) => setTimeout(r, ms));
        active[name]!--;
      },
    });
    const done = runScheduled([job('slow', 300), job('fast', 1)], { every: '20ms', signal: ctrl.signal, logger: new Logger('quiet') });
    await new Promise((r) => setTimeout(r, 400));
    ctrl.abort();
    await done;
    expect(maxActive).toEqual({ slow: 1, fast: 1 });
    expect(runs.fast).toBeGreaterThan(runs.slow!);
    expect(active).toEqual({ slow: 0, fast: 0 }); // the running job finished before returning
  });

  it('rejects a bad cron expression as a usage error', async () => {
    const ctrl = new AbortController();
    await expect(runScheduled([{ name: 'x', run: async () => {} }], { cron: 'every tuesday', signal: ctrl.signal, logger: new Logger('quiet') })).rejects.toThrow(/--cron: "every tuesday" is not a cron expression/);
  });
});
