/** What the crawl stage passes between its parts. */

export type CrawlerKind = 'repository' | 'browser' | 'article';

/** One link to crawl, after parsing and normalisation. */
export type CrawlTarget = {
  /** The link as stored and deduplicated (fragment dropped, host lower-cased). */
  link: string;
  /** What the user wrote, for messages. */
  input: string;
  /** Host for http(s)/git links, `local` for paths and file URLs. */
  domain: string;
  /** For local targets: the absolute path. */
  localPath?: string;
  author?: string;
  category?: string;
};

/** What a crawler returns for one link; the runner turns it into a stored document. */
export type CrawledPage = {
  kind: CrawlerKind;
  /** The platform the document came from (`github`, `medium`, the host, …): the document's source. */
  platform: string;
  category: string;
  title: string | null;
  author: string | null;
  content: string;
  metadata: Record<string, unknown>;
};

/** A failure worth reporting: the reason is one line a user can act on. */
export class CrawlError extends Error {
  constructor(
    message: string,
    /** Worth another attempt (connection reset, 5xx, 429, timeout). */
    readonly transient = false,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'CrawlError';
  }
}
