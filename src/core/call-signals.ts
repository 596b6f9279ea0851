/**
 * One abort signal per model call, all aborted when the run's signal is. The SDKs add an
 * `abort` listener to the signal of every request in flight: handing them the run's one signal
 * put `concurrency` listeners on it at once, and from 11 on Node printed a
 * MaxListenersExceededWarning. Here the run's signal has a single listener, whatever the
 * concurrency, and each call's own signal has the SDK's one.
 */
export function createCallSignals(parent: AbortSignal | undefined) {
  const live = new Set<AbortController>();
  const abortAll = () => {
    for (const c of live) c.abort(parent?.reason);
  };
  parent?.addEventListener('abort', abortAll, { once: true });
  return {
    /** Runs `fn` with a signal of its own that follows the run's. */
    async with<T>(fn: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
      if (!parent) return fn(undefined);
      const c = new AbortController();
      if (parent.aborted) c.abort(parent.reason);
      live.add(c);
      try {
        return await fn(c.signal);
      } finally {
        live.delete(c);
      }
    },
    dispose() {
      parent?.removeEventListener('abort', abortAll);
      live.clear();
    },
  };
}
