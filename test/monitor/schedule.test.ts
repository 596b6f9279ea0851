import { describe, expect, it, vi } from 'vitest';
import { Logger } from '../../src/core/logger.js';
import { parseSchedule, runScheduled } from '../../src/monitor/schedule.js';

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
      { schedule: { everyMs: 5 }, signal: ctrl.signal, logger: new Logger('quiet') },
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

  it('an interval past Node\'s timer limit (30d) waits its whole length, not a millisecond', async () => {
    // Node replaces a delay above 2^31-1 ms by 1 ms: `--every 30d` ran 719 times in 3 s.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    try {
      const ctrl = new AbortController();
      let runs = 0;
      const day = 24 * 3600 * 1000;
      const done = runScheduled([{ name: 'm', run: async () => void runs++ }], { schedule: { everyMs: 30 * day }, signal: ctrl.signal, logger: new Logger('quiet') });
      await vi.advanceTimersByTimeAsync(1000);
      expect(runs).toBe(1); // the run at start only
      await vi.advanceTimersByTimeAsync(30 * day - 2000);
      expect(runs).toBe(1);
      await vi.advanceTimersByTimeAsync(1000);
      expect(runs).toBe(2);
      await vi.advanceTimersByTimeAsync(30 * day);
      expect(runs).toBe(3);
      ctrl.abort();
      await done;
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('parseSchedule', () => {
  it('reads --every with a unit, at least a second; --cron that can fire', async () => {
    expect(await parseSchedule({})).toBeUndefined();
    expect(await parseSchedule({ every: '15m' })).toEqual({ everyMs: 900_000 });
    expect(await parseSchedule({ every: '30d' })).toEqual({ everyMs: 30 * 24 * 3600 * 1000 });
    expect(await parseSchedule({ cron: '5 * * * *' })).toEqual({ cron: '5 * * * *' });
  });

  it('refuses what would run every millisecond, never, or not at all', async () => {
    await expect(parseSchedule({ every: '1' })).rejects.toThrow('--every: "1" has no unit');
    await expect(parseSchedule({ every: '10ms' })).rejects.toThrow('--every: 10ms is too short: at least 1s');
    await expect(parseSchedule({ every: 'soon' })).rejects.toThrow('--every: "soon" is not a duration');
    await expect(parseSchedule({ cron: 'every tuesday' })).rejects.toThrow(/--cron: "every tuesday" is not a cron expression/);
    await expect(parseSchedule({ cron: '0 0 30 2 *' })).rejects.toThrow('--cron: "0 0 30 2 *" never fires (no date matches it)');
  });
});
