import { setTimeout as sleep } from 'node:timers/promises';
import robotsParserModule from 'robots-parser';
import { CrawlError } from './crawl-types.js';
import { fetchWithRetries, type FetchOptions } from './http-fetch.js';

type Robot = {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getMatchingLineNumber(url: string, ua?: string): number;
  getCrawlDelay(ua?: string): number | undefined;
};

// A Crawl-delay above this is treated as this: a day-long delay would stall the run for nothing.
const MAX_CRAWL_DELAY_S = 30;
// The package is CommonJS whose typings claim an ES default export.
const robotsParser = ((robotsParserModule as unknown as { default?: unknown }).default ?? robotsParserModule) as (url: string, txt: string) => Robot;

/** The product token matched against robots.txt groups. */
const ROBOTS_AGENT = 'llmops';

/**
 * robots.txt, fetched once per origin per run. Following RFC 9309: a missing file (4xx)
 * allows everything, a server error disallows everything; a network failure allows, so
 * that the page's own fetch reports the real problem.
 */
export class RobotsCache {
  private readonly byOrigin = new Map<string, Promise<{ robot: Robot | null; denyAll?: string }>>();
  /** When the next request to an origin with a Crawl-delay may start. */
  private readonly nextSlot = new Map<string, number>();
  constructor(private readonly fetchOpts: Omit<FetchOptions, 'beforeRequest'>) {}

  /** Throws when robots.txt disallows the URL; waits out the origin's Crawl-delay otherwise. */
  async check(url: URL): Promise<void> {
    const entry = await this.load(url.origin);
    if (entry.denyAll) throw new CrawlError(`blocked: ${entry.denyAll}`);
    if (!entry.robot) return;
    if (entry.robot.isAllowed(url.href, ROBOTS_AGENT) === false) {
      throw new CrawlError(`blocked by robots.txt (line ${entry.robot.getMatchingLineNumber(url.href, ROBOTS_AGENT)})`);
    }
    const delay = entry.robot.getCrawlDelay(ROBOTS_AGENT);
    if (delay && delay > 0) {
      const now = Date.now();
      const start = Math.max(now, this.nextSlot.get(url.origin) ?? 0);
      this.nextSlot.set(url.origin, start + Math.min(delay, MAX_CRAWL_DELAY_S) * 1000);
      if (start > now) await sleep(start - now, undefined, { signal: this.fetchOpts.signal }).catch(() => {});
    }
  }

  /** Whether robots.txt lets us fetch the URL (no Crawl-delay wait): for a page's own requests. */
  async allows(url: URL): Promise<boolean> {
    const entry = await this.load(url.origin);
    if (entry.denyAll) return false;
    return entry.robot?.isAllowed(url.href, ROBOTS_AGENT) !== false;
  }

  private load(origin: string) {
    let p = this.byOrigin.get(origin);
    if (!p) {
      p = this.fetchRobots(origin);
      this.byOrigin.set(origin, p);
    }
    return p;
  }

  private async fetchRobots(origin: string): Promise<{ robot: Robot | null; denyAll?: string }> {
    const robotsUrl = `${origin}/robots.txt`;
    try {
      const res = await fetchWithRetries(robotsUrl, { ...this.fetchOpts, maxBytes: Math.min(this.fetchOpts.maxBytes, 512 * 1024) });
      return { robot: robotsParser(robotsUrl, res.body) };
    } catch (err) {
      const msg = (err as Error).message;
      const status = /^HTTP (\d+)/.exec(msg)?.[1];
      if (status && Number(status) >= 500) return { robot: null, denyAll: `robots.txt answered HTTP ${status} (treated as disallow)` };
      return { robot: null };
    }
  }
}
