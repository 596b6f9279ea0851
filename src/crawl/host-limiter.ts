import pLimit, { type LimitFunction } from 'p-limit';

/**
 * Overall and per-host concurrency. A task waits for its host's slot before it takes an
 * overall one, so a queue of links to one slow host never holds slots other hosts could use.
 */
export function createHostLimiter(overall: number, perHost: number) {
  const global = pLimit(overall);
  const hosts = new Map<string, LimitFunction>();
  return <T>(host: string, task: () => Promise<T>): Promise<T> => {
    let limit = hosts.get(host);
    if (!limit) {
      limit = pLimit(perHost);
      hosts.set(host, limit);
    }
    return limit(() => global(task));
  };
}
