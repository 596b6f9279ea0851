let last = performance.now();

/**
 * Lets the event loop turn (signal handlers, timers, I/O) when this thread has gone `everyMs`
 * without it. A loop whose steps are synchronous underneath (SQLite through better-sqlite3, the
 * offline model, heuristic metrics) chains promises that are already settled: it never leaves
 * the microtask queue, so a Ctrl-C was only seen once the whole run had ended. Call it once per
 * item or batch of such a loop; it costs a turn of the loop at most every `everyMs`.
 */
export async function yieldToEvents(everyMs = 50): Promise<void> {
  const now = performance.now();
  if (now - last < everyMs) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  last = performance.now();
}
