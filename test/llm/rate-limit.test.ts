import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rateLimited } from '../../src/llm/rate-limit.js';

// The --rpm limiter's scheduling decisions, on a fake clock: which calls have started after
// each step of simulated time. No wall-clock measurement, so a loaded machine cannot flake it.
describe('rateLimited (--rpm)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts one call per 60/rpm s, in order, however many are waiting', async () => {
    const started: number[] = [];
    const call = rateLimited(async (i: number) => {
      started.push(i);
      return i * 10;
    }, 600); // one start every 100 ms
    const all = Promise.all(Array.from({ length: 8 }, (_, i) => call(i)));
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual([0]); // a burst of 8 is not let through at once
    for (let k = 1; k < 8; k++) {
      await vi.advanceTimersByTimeAsync(99);
      expect(started).toHaveLength(k); // not before its slot...
      await vi.advanceTimersByTimeAsync(1);
      expect(started).toHaveLength(k + 1); // ...and exactly at it
    }
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await all).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
  });

  it('spaces calls evenly rather than in a burst at the top of each minute', async () => {
    const started: number[] = [];
    const call = rateLimited(async () => void started.push(Date.now()), 2);
    const t0 = Date.now();
    const all = Promise.all([call(), call(), call()]);
    await vi.advanceTimersByTimeAsync(60_000);
    await all;
    expect(started.map((t) => t - t0)).toEqual([0, 30_000, 60_000]);
  });

  it('without --rpm calls are not held at all', async () => {
    const started: number[] = [];
    const call = rateLimited(async (i: number) => void started.push(i));
    await Promise.all([0, 1, 2, 3].map((i) => call(i)));
    expect(started).toEqual([0, 1, 2, 3]);
  });
});
