import { describe, expect, it } from 'vitest';
import { createWorkerPool } from '../../src/core/worker-pool.js';

describe('worker pool', () => {
  it('sends no job to a worker still busy after its answer, and uses it again once it is free', async () => {
    const gate = new SharedArrayBuffer(4);
    const open = () => {
      Atomics.store(new Int32Array(gate), 0, 1);
      Atomics.notify(new Int32Array(gate), 0);
    };
    const pool = createWorkerPool<{ hold?: boolean }, number>(new URL('../fixtures/workers/held-worker.ts', import.meta.url), 2, { gate });
    try {
      const held = await pool.run({ hold: true });
      // Queued behind the held worker's afterwards, these would never be answered.
      const others = await Promise.all(Array.from({ length: 6 }, () => pool.run({})));
      expect(new Set(others).size).toBe(1);
      expect(others[0]).not.toBe(held);
      open();
      // Free again: two jobs at once go to both workers (the loop ends when its free reached the pool).
      let pair = await Promise.all([pool.run({}), pool.run({})]);
      while (!pair.includes(held)) pair = await Promise.all([pool.run({}), pool.run({})]);
      expect(new Set(pair)).toEqual(new Set([held, others[0]]));
    } finally {
      open();
      await pool.close();
    }
  }, 30_000);
});
