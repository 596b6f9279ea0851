import pThrottle from 'p-throttle';

/**
 * `--rpm N`: calls start at most N per minute, evenly spaced (one every 60/N s) rather than in
 * a burst at the top of each minute, which is what providers' limits punish.
 */
export function rateLimited<A extends unknown[], R>(fn: (...args: A) => Promise<R>, rpm?: number): (...args: A) => Promise<R> {
  if (!rpm) return fn;
  const throttle = pThrottle({ limit: 1, interval: Math.max(1, Math.floor(60_000 / rpm)), strict: true });
  return throttle(fn) as (...args: A) => Promise<R>;
}
