import type { CrawlerKind, CrawlTarget } from './crawl-types.js';

export type DispatchRule = { pattern: RegExp; crawler: CrawlerKind; platform?: string };
export type Dispatch = { crawler: CrawlerKind; platform: string };

/**
 * Built-in rules, tried in order after the ones from the config. A GitHub link is a
 * repository only at its root (`github.com/owner/repo`); deeper links are pages.
 */
export const DEFAULT_RULES: DispatchRule[] = [
  { pattern: /^https?:\/\/(www\.)?github\.com\/[^/?#]+\/[^/?#]+?(\.git)?\/?$/i, crawler: 'repository', platform: 'github' },
  { pattern: /^https?:\/\/(www\.)?gitlab\.com\/[^/?#]+\/[^/?#]+?(\.git)?\/?$/i, crawler: 'repository', platform: 'gitlab' },
  { pattern: /^https?:\/\/[^?#]+\.git\/?$/i, crawler: 'repository', platform: 'git' },
  { pattern: /^https?:\/\/([a-z0-9-]+\.)*medium\.com\//i, crawler: 'browser', platform: 'medium' },
];

/** A rule that sends every page of a domain (and its subdomains) to the browser. */
export function browserDomainRule(domain: string): DispatchRule {
  const escaped = domain.toLowerCase().replace(/^\*\./, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { pattern: new RegExp(`^https?://([^/?#@]+\\.)?${escaped}(:\\d+)?([/?#]|$)`, 'i'), crawler: 'browser' };
}

export function createDispatcher(rules: DispatchRule[]): (target: CrawlTarget, isGitDir: (path: string) => boolean) => Dispatch {
  return (target, isGitDir) => {
    if (target.localPath) {
      return isGitDir(target.localPath) ? { crawler: 'repository', platform: 'local' } : { crawler: 'article', platform: 'local' };
    }
    for (const rule of rules) {
      if (rule.pattern.test(target.link)) return { crawler: rule.crawler, platform: rule.platform ?? platformOf(target.link) };
    }
    return { crawler: 'article', platform: platformOf(target.link) };
  };
}

/** The site a page belongs to, as a short name: `www.example.com` → `example.com`. */
function platformOf(link: string): string {
  try {
    return new URL(link).hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return 'unknown';
  }
}
