import { resolve } from 'node:path';
import { parseDuration } from '../core/duration.js';
import { UsageError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { VERSION } from '../core/version.js';
import { DEFAULT_CHROMIUM } from './browser-crawler.js';
import { loadCrawlConfig, type CrawlConfig } from './crawl-config.js';
import type { CrawlTarget } from './crawl-types.js';
import { browserDomainRule, DEFAULT_RULES, type DispatchRule } from './dispatcher.js';
import { parseLink } from './parse-link.js';
import { DEFAULT_IGNORE } from './repository-crawler.js';
import type { CrawlOptions } from './run-crawl.js';

export type CrawlPlanFlags = {
  config?: string;
  author?: string;
  category?: string;
  refresh?: boolean;
  concurrency?: number;
  perHost?: number;
  timeout?: string;
  maxMb?: number;
  retries?: number;
  ignoreRobots?: boolean;
  allowLocal?: boolean;
  allowHost?: string[];
  chromium?: string;
  browserDomain?: string[];
  maxScrolls?: number;
  userAgent?: string;
};

const DEFAULT_USER_AGENT = `llmops/${VERSION} (+https://github.com/llmops/llmops; document crawler)`;

/**
 * Links and settings for a run, from the arguments and the crawl config (flags win).
 * Every bad link is reported at once, and nothing is fetched when one is bad.
 */
export async function planCrawl(
  urls: string[],
  flags: CrawlPlanFlags,
  signal: AbortSignal | undefined,
  logger: Logger | undefined,
): Promise<{ targets: CrawlTarget[]; options: CrawlOptions }> {
  const configPath = flags.config ? resolve(flags.config) : undefined;
  const config: CrawlConfig | undefined = configPath ? await loadCrawlConfig(flags.config!) : undefined;
  if (urls.length === 0 && !config) throw new UsageError('crawl: give links to crawl, or --config <file> with an author and her links');
  // Not a crawl-config setting: a links file from someone else must not open the local network.
  const allowLocal = Boolean(flags.allowLocal) || /^(1|true|yes)$/i.test(process.env.LLMOPS_ALLOW_LOCAL ?? '');
  const problems: string[] = [];
  const targets: CrawlTarget[] = [];
  const add = (input: string, where: string | undefined, extra: { author?: string; category?: string }) => {
    try {
      const t = parseLink(input, { allowLocal, where });
      const author = flags.author ?? extra.author ?? config?.author;
      const category = extra.category ?? flags.category ?? config?.category;
      targets.push({ ...t, ...(author ? { author } : {}), ...(category ? { category } : {}) });
    } catch (err) {
      problems.push((err as Error).message);
    }
  };
  for (const u of urls) add(u, undefined, {});
  config?.links.forEach((l, i) => {
    const where = `${flags.config}: links.${i}${typeof l === 'string' ? '' : '.url'}`;
    if (typeof l === 'string') add(l, where, {});
    else add(l.url, where, { author: l.author, category: l.category });
  });
  if (problems.length > 0) throw new UsageError(problems.join('\n'));

  const s = config?.settings ?? {};
  // A links file names pages, not programs: one from someone else ran the program it named
  // (Playwright starts whatever is there), as --allow-local is kept out of it for the same reason.
  if (s.browser?.executable !== undefined) {
    throw new UsageError(`${flags.config}: settings.browser.executable: a links file cannot name a program to run; use --chromium <path> or LLMOPS_CHROMIUM`);
  }
  // `--timeout 30` was 30 ms (every request timed out) where `timeout: 30` in the config is 30 s: a unit is asked for.
  const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout, '--timeout', { unitRequired: true, units: 'wait' }) : s.timeout !== undefined ? toMs(s.timeout) : 30_000;
  const rules: DispatchRule[] = [
    ...(s.dispatch ?? []).map((r) => ({ pattern: new RegExp(r.pattern, 'i'), crawler: r.crawler, platform: r.platform })),
    ...[...(flags.browserDomain ?? []), ...(s.browser?.domains ?? [])].map(browserDomainRule),
    ...DEFAULT_RULES,
  ];
  const repo = s.repositories ?? {};
  const options: CrawlOptions = {
    concurrency: flags.concurrency ?? s.concurrency ?? 8,
    perHost: flags.perHost ?? s.per_host ?? 2,
    timeoutMs,
    maxBytes: Math.round((flags.maxMb ?? s.max_mb ?? 10) * 1024 * 1024),
    retries: flags.retries ?? s.retries ?? 2,
    backoffMs: 500,
    respectRobots: flags.ignoreRobots ? false : (s.respect_robots ?? true),
    allowLocal,
    allowHosts: flags.allowHost ?? [],
    userAgent: flags.userAgent ?? s.user_agent ?? DEFAULT_USER_AGENT,
    refresh: Boolean(flags.refresh),
    rules,
    chromium: flags.chromium ?? process.env.LLMOPS_CHROMIUM ?? DEFAULT_CHROMIUM,
    maxScrolls: flags.maxScrolls ?? s.browser?.max_scrolls ?? 20,
    repository: {
      ignore: [...(repo.replace_default_ignore ? [] : DEFAULT_IGNORE), ...(repo.ignore ?? [])],
      maxFileBytes: Math.round((repo.max_file_kb ?? 256) * 1024),
      maxRepoBytes: Math.round((repo.max_repo_mb ?? 200) * 1024 * 1024),
      maxTotalBytes: Math.round((repo.max_total_mb ?? 20) * 1024 * 1024),
    },
    signal,
    logger,
  };
  if (!options.respectRobots) logger?.debug('crawl: robots.txt is not consulted (--ignore-robots)');
  return { targets, options };
}

function toMs(v: string | number): number {
  return typeof v === 'number' ? v * 1000 : parseDuration(v.replace(/\s+/g, ''), 'settings.timeout');
}
