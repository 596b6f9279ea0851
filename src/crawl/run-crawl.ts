import { documentId, sha256Hex } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { DocumentStore } from '../store/document-store.js';
import type { NewDocument } from '../store/types.js';
import { crawlArticle } from './article-crawler.js';
import type { BrowserPool } from './browser-crawler.js';
import { CrawlError, type CrawledPage, type CrawlTarget } from './crawl-types.js';
import { createDispatcher, type DispatchRule } from './dispatcher.js';
import { createExtractPool, inlineExtractor } from './extract-pool.js';
import { createHostLimiter } from './host-limiter.js';
import { closeCrawlDispatchers, type FetchOptions } from './http-fetch.js';
import { crawlRepository, isGitDir, type RepositoryOptions } from './repository-crawler.js';
import { RobotsCache } from './robots.js';

export type CrawlOptions = {
  concurrency: number;
  perHost: number;
  timeoutMs: number;
  maxBytes: number;
  retries: number;
  backoffMs: number;
  respectRobots: boolean;
  /** Connect to loopback, private, link-local and metadata addresses (refused by default). */
  allowLocal: boolean;
  /** Local hosts (`host` or `host:port`) allowed by name while the rest stays refused. */
  allowHosts: string[];
  userAgent: string;
  refresh: boolean;
  rules: DispatchRule[];
  chromium: string;
  maxScrolls: number;
  repository: Omit<RepositoryOptions, 'signal' | 'timeoutMs' | 'allowLocal' | 'allowHosts'>;
  signal?: AbortSignal;
  logger?: Logger;
};

export type DomainCounts = { attempted: number; succeeded: number; failed: number; skipped: number; reasons: string[] };

export type CrawlSummary = {
  links: number;
  duplicates: number;
  skipped_existing: number;
  attempted: number;
  succeeded: number;
  failed: number;
  inserted: number;
  updated: number;
  unchanged: number;
  interrupted: boolean;
  domains: Record<string, DomainCounts>;
};

/**
 * Crawls every target once (repeats in the list are fetched once, links already in the
 * warehouse are skipped unless `refresh`), each by the crawler the dispatcher picks, within
 * the overall and per-host limits. A failing link is counted with its reason and never
 * stops the others. Each document is stored as soon as it is crawled, so an interrupted
 * run keeps what it finished.
 */
export async function runCrawl(
  targets: CrawlTarget[],
  store: DocumentStore | null,
  opts: CrawlOptions,
  onDocument?: (doc: NewDocument) => Promise<void>,
): Promise<CrawlSummary> {
  const summary: CrawlSummary = {
    links: targets.length, duplicates: 0, skipped_existing: 0, attempted: 0, succeeded: 0, failed: 0,
    inserted: 0, updated: 0, unchanged: 0, interrupted: false, domains: {},
  };
  const domain = (name: string) => (summary.domains[name] ??= { attempted: 0, succeeded: 0, failed: 0, skipped: 0, reasons: [] });

  const unique = new Map<string, CrawlTarget>();
  for (const t of targets) {
    if (unique.has(t.link)) summary.duplicates++;
    else unique.set(t.link, t);
  }
  const crawlers = openCrawlers(opts, unique.size);
  const limit = createHostLimiter(opts.concurrency, opts.perHost);

  // Documents are written in small batches: one statement per page costs more than the
  // extraction on a fast site. A batch waits at most a second, so little is lost to a kill.
  const writer = createBatchWriter(async (docs) => {
    if (store) {
      const c = await store.upsert(docs);
      summary.inserted += c.inserted;
      summary.updated += c.updated;
      summary.unchanged += c.unchanged;
    }
    if (onDocument) for (const d of docs) await onDocument(d);
  });

  const crawlOne = async (target: CrawlTarget) => {
    if (opts.signal?.aborted) {
      summary.interrupted = true;
      return;
    }
    const counts = domain(target.domain);
    const existing = store ? await store.getByLink(target.link) : undefined;
    if (existing && !opts.refresh) {
      summary.skipped_existing++;
      counts.skipped++;
      opts.logger?.debug(`crawl: ${target.link}: already stored, skipped (--refresh to fetch again)`);
      return;
    }
    summary.attempted++;
    counts.attempted++;
    const started = performance.now();
    try {
      const { crawler, page } = await crawlers.crawl(target);
      if (opts.signal?.aborted) throw new CrawlError('interrupted');
      const doc = toDocument(target, page, existing?.id);
      await writer.add(doc);
      summary.succeeded++;
      counts.succeeded++;
      opts.logger?.debug(`crawl: ${target.link}: ${crawler}, ${doc.content.length} characters in ${Math.round(performance.now() - started)} ms`);
    } catch (err) {
      if (opts.signal?.aborted) {
        // Cut short by Ctrl-C, not a failure of the link: the next run fetches it.
        summary.interrupted = true;
        summary.attempted--;
        counts.attempted--;
        return;
      }
      const reason = err instanceof CrawlError ? err.message : `error: ${(err as Error)?.message ?? String(err)}`;
      summary.failed++;
      counts.failed++;
      counts.reasons.push(`${target.link}: ${reason}`);
      opts.logger?.warn(`crawl: ${target.link}: ${reason}`);
    }
  };

  try {
    await Promise.all([...unique.values()].map((t) => limit(t.domain, () => crawlOne(t))));
    await writer.flush();
  } finally {
    await crawlers.close();
  }
  if (opts.signal?.aborted) summary.interrupted = true;
  return summary;
}

/**
 * The crawlers of one run, sharing robots.txt, the browser (started on first use) and the
 * extraction pool; `crawl` fetches a target with the one the dispatcher picks.
 */
function openCrawlers(opts: CrawlOptions, pages: number) {
  const robots = opts.respectRobots ? new RobotsCache(baseFetch(opts)) : null;
  const beforeRequest = robots ? (url: URL) => robots.check(url) : undefined;
  // For the requests a browser page makes by itself: no Crawl-delay wait per image or script.
  const robotsAllow = robots ? (url: URL) => robots.allows(url) : undefined;
  const fetchOpts: FetchOptions = { ...baseFetch(opts), beforeRequest };
  const dispatch = createDispatcher(opts.rules);
  // One pool for the run, made by the first page that needs it. The promise is kept, not the
  // pool: pages starting together each awaited the import and made a pool of their own, each
  // launching a Chromium, and only the last was closed (the run never exited after Ctrl-C).
  let browser: Promise<BrowserPool> | null = null;
  const getBrowser = () =>
    (browser ??= import('./browser-crawler.js').then(
      ({ BrowserPool }) => new BrowserPool({ executablePath: opts.chromium, userAgent: opts.userAgent, timeoutMs: opts.timeoutMs, maxScrolls: opts.maxScrolls, allowLocal: opts.allowLocal, allowHosts: opts.allowHosts, beforeRequest, robotsAllow }),
    ));
  // Worker threads pay off from a few dozen pages; a handful is extracted in this thread.
  const extractor = pages >= 24 ? createExtractPool() : inlineExtractor;
  const closeBrowser = async () => (await (browser as Promise<BrowserPool> | null))?.close();
  const onAbort = () => void closeBrowser();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    async crawl(target: CrawlTarget): Promise<{ crawler: string; page: CrawledPage }> {
      const { crawler, platform } = dispatch(target, isGitDir);
      if (crawler === 'repository') {
        const repoOpts = { ...opts.repository, allowLocal: opts.allowLocal, allowHosts: opts.allowHosts, timeoutMs: opts.timeoutMs * 4, signal: opts.signal };
        return { crawler, page: await crawlRepository(target, platform, repoOpts) };
      }
      if (crawler === 'browser') return { crawler, page: await (await getBrowser()).crawl(target, platform) };
      return { crawler, page: await crawlArticle(target, platform, fetchOpts, extractor) };
    },
    async close(): Promise<void> {
      opts.signal?.removeEventListener('abort', onAbort);
      await closeBrowser();
      await extractor.close();
      await closeCrawlDispatchers();
    },
  };
}

function baseFetch(opts: CrawlOptions): FetchOptions {
  return {
    userAgent: opts.userAgent,
    timeoutMs: opts.timeoutMs,
    maxBytes: opts.maxBytes,
    maxRedirects: 10,
    retries: opts.retries,
    backoffMs: opts.backoffMs,
    signal: opts.signal,
    allowLocal: opts.allowLocal,
    allowHosts: opts.allowHosts,
  };
}

function toDocument(target: CrawlTarget, page: CrawledPage, existingId: string | undefined): NewDocument {
  const content_hash = sha256Hex(page.content);
  return {
    // A link refetched with --refresh keeps its document, even if the platform name changed.
    id: existingId ?? documentId(page.platform, { link: target.link, contentHash: content_hash }),
    source: page.platform,
    external_id: null,
    category: page.category,
    link: target.link,
    author: page.author,
    title: page.title,
    content: page.content,
    metadata: { ...page.metadata, platform: page.platform, crawled_at: new Date().toISOString() },
    content_hash,
    created_at: new Date().toISOString(),
  };
}

const BATCH_DOCS = 50;
const BATCH_WAIT_MS = 1000;

/** Collects documents and hands them to `write` in batches, one write at a time. */
function createBatchWriter(write: (docs: NewDocument[]) => Promise<void>) {
  let buffer: NewDocument[] = [];
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (buffer.length > 0) {
      const docs = buffer;
      buffer = [];
      chain = chain.then(() => write(docs));
    }
    return chain;
  };
  return {
    async add(doc: NewDocument): Promise<void> {
      buffer.push(doc);
      if (buffer.length >= BATCH_DOCS) await flush();
      else timer ??= setTimeout(() => void flush().catch(() => {}), BATCH_WAIT_MS);
    },
    flush,
  };
}
