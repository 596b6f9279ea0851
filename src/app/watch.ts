import { setTimeout as sleep } from 'node:timers/promises';

/** Runs `once` every `intervalMs` until the signal fires (`--watch`). */
export async function watchLoop(intervalMs: number, signal: AbortSignal, once: () => Promise<void>): Promise<void> {
  while (!signal.aborted) {
    await once();
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      return; // aborted while waiting
    }
  }
}
