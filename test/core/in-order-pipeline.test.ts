import { describe, expect, it } from 'vitest';
import { inOrderPipeline } from '../../src/core/in-order-pipeline.js';

/** A batch whose work ends when the test says, in whatever order. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('inOrderPipeline', () => {
  it('finishes batches in the order claimed though their work ends in another order, with at most `depth` in flight, asking again after a batch not won', async () => {
    const claims: (number | null)[] = [0, null, 1, 2, 3, 4];
    const gates = new Map<number, ReturnType<typeof gate>>();
    let inflight = 0;
    let most = 0;
    const finished: number[] = [];
    const done = inOrderPipeline<number, string>({
      depth: 3,
      next: async () => claims.shift(),
      start: async (n) => {
        inflight++;
        most = Math.max(most, inflight);
        const g = gate();
        gates.set(n, g);
        await g.opened;
        return `work ${n}`;
      },
      finish: async (n, work) => {
        inflight--;
        expect(work).toBe(`work ${n}`);
        finished.push(n);
      },
    });
    // Let the first three start, then end their work last to first.
    await new Promise((r) => setTimeout(r, 10));
    expect([...gates.keys()]).toEqual([0, 1, 2]);
    for (const n of [2, 1, 0]) gates.get(n)!.open();
    for (let i = 0; i < 20 && gates.size < 5; i++) await new Promise((r) => setTimeout(r, 5));
    for (const n of [4, 3]) gates.get(n)!.open();
    expect(await done).toBe(false);
    expect(finished).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(3);
  });

  it('once aborted claims and finishes nothing more, and says it was interrupted', async () => {
    const abort = new AbortController();
    const finished: number[] = [];
    let claimed = 0;
    const interrupted = await inOrderPipeline<number, number>({
      depth: 2,
      signal: abort.signal,
      next: async () => claimed++,
      start: async (n) => n,
      wait: async (work) => {
        const n = await work;
        if (n === 1) abort.abort();
        return n;
      },
      finish: async (n) => void finished.push(n),
    });
    expect(interrupted).toBe(true);
    // Batch 1 finishes (its wait had begun); nothing claimed after the abort is.
    expect(finished).toEqual([0, 1]);
    expect(claimed).toBe(3);
  });
});
