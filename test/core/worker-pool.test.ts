import { describe, expect, it } from 'vitest';
import { createWorkerPool } from '../../src/core/worker-pool.js';

/** A worker script of test/fixtures/workers (TypeScript, run through tsx as the stages' own are under test). */
const script = (name: string) => new URL(`../fixtures/workers/${name}.ts`, import.meta.url);

describe('worker pool', () => {
  it('hands jobs only to started workers, `prefetch` at a time each, and answers each job with its own result', async () => {
    // Each job answers after its `ms`: a worker holding two runs them one after the other.
    const url = script('echo-worker');
    let frees = 0;
    const pool = createWorkerPool<{ v: number; ms: number }, number>(url, 2, null, { prefetch: 2, onFree: () => frees++ });
    try {
      // Nothing has loaded yet: no place to hand a job to (a caller could do it itself).
      expect(pool.free).toBe(0);
      await pool.started;
      expect(pool.free).toBe(4);
      const jobs = [0, 1, 2, 3, 4].map((v) => pool.run({ v, ms: 30 }));
      // Four posted (two per worker), the fifth waits here.
      expect(pool.free).toBe(0);
      expect(await Promise.all(jobs)).toEqual([0, 2, 4, 6, 8]);
      expect(pool.free).toBe(4);
      expect(frees).toBeGreaterThanOrEqual(2 + 5); // two starts, five answers
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('a worker whose script fails to load: `started` and every job reject with its error, and `free` lets a caller learn it', async () => {
    const url = script('broken-worker');
    let failed = false;
    const pool = createWorkerPool<number, number>(url, 1, null, { onFree: () => (failed = true) });
    try {
      await expect(pool.started).rejects.toThrow('no such model: x');
      expect(failed).toBe(true);
      expect(pool.free).toBe(Infinity);
      await expect(pool.run(1)).rejects.toThrow('no such model: x');
    } finally {
      await pool.close();
    }
  }, 60_000);
});
