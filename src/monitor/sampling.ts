import { createHash } from 'node:crypto';
import type { SamplingConfig } from './monitor-config.js';
import type { EvalItem } from './types.js';

/**
 * Picks the items of this run from those not scored yet. `random` ranks items by a hash of
 * (seed, item id), so the same seed picks the same items whatever order the source returns
 * them in, and a rerun over a grown source keeps its earlier picks.
 */
export function sampleItems(items: EvalItem[], cfg: SamplingConfig): EvalItem[] {
  const cap = Math.min(cfg.n ?? Infinity, cfg.max_items ?? Infinity);
  const time = (it: EvalItem) => {
    const t = it.timestamp ? Date.parse(it.timestamp) : NaN;
    return Number.isNaN(t) ? -Infinity : t;
  };
  let ordered: EvalItem[];
  switch (cfg.strategy) {
    case 'all':
      ordered = items;
      break;
    case 'random': {
      const seed = String(cfg.seed);
      const keyed = items.map((it) => ({ it, k: createHash('sha256').update(`${seed}\u0000${it.id}`).digest('hex') }));
      keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
      ordered = keyed.map((x) => x.it);
      break;
    }
    case 'most_recent':
      ordered = stableSort(items, (a, b) => time(b) - time(a));
      break;
    case 'oldest':
      ordered = stableSort(items, (a, b) => time(a) - time(b));
      break;
  }
  return Number.isFinite(cap) ? ordered.slice(0, cap) : ordered;
}

function stableSort<T>(xs: T[], cmp: (a: T, b: T) => number): T[] {
  return xs
    .map((x, i) => ({ x, i }))
    .sort((a, b) => {
      const c = cmp(a.x, b.x);
      return Number.isNaN(c) || c === 0 ? a.i - b.i : c;
    })
    .map((e) => e.x);
}
