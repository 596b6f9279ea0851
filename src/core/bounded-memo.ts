/**
 * A memo for a long-lived process (serve, chat, `ask --in`) whose working set usually fits:
 * values kept by key until their total weight would pass `maxWeight`, then all forgotten at
 * once. Starting over costs one refill and keeps no per-entry bookkeeping, which an LRU would
 * add to every hit.
 */
export function boundedMemo<K, V>(maxWeight: number, weigh: (key: K, value: V) => number): (key: K, make: () => V) => V {
  const kept = new Map<K, V>();
  let held = 0;
  return (key, make) => {
    let value = kept.get(key);
    if (value === undefined) {
      value = make();
      const weight = weigh(key, value);
      if (held + weight > maxWeight) {
        kept.clear();
        held = 0;
      }
      kept.set(key, value);
      held += weight;
    }
    return value;
  };
}
