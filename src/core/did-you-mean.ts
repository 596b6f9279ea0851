import { closest, distance } from 'fastest-levenshtein';

/** `; did you mean batch-size?` when one candidate is close to `key` (a typo), else ''. */
export function didYouMean(key: string, candidates: string[]): string {
  if (candidates.length === 0) return '';
  const best = closest(key, candidates);
  return distance(key, best) <= Math.max(2, Math.floor(key.length / 3)) ? `; did you mean ${best}?` : '';
}
