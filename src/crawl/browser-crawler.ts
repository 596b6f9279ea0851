import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { pageFromHtml } from './article-crawler.js';
import { CrawlError, type CrawledPage, type CrawlTarget } from './crawl-types.js';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export type BrowserOptions = {
  executablePath: string;
  userAgent: string;
  timeoutMs: number;
  /** Scroll to the bottom at most this many times, stopping early once the page stops growing. */
  maxScrolls: number;
  /** Before each page is opened: robots.txt. */
  beforeRequest?: (url: URL) => Promise<void>;
};

/**
 * One Chromium for the whole run, launched on the first page that needs it; each page gets
 * its own context. `close()` is called when the run ends and when it is interrupted.
 */
export class BrowserPool {
  private browser: Promise<Browser> | null = null;
  private closed = false;
  constructor(private readonly opts: BrowserOptions) {}

  private launch(): Promise<Browser> {
    if (this.closed) return Promise.reject(new CrawlError('interrupted'));
    this.browser ??= (async () => {
      if (!existsSync(this.opts.executablePath)) {
        throw new CrawlError(`no browser at ${this.opts.executablePath} (install Debian's chromium, or set --chromium <path>)`);
      }
      const { chromium } = await import('playwright-core');
      // Our own interrupt handling closes the browser; Playwright's would exit the process.
      return chromium.launch({ executablePath: this.opts.executablePath, args: CHROMIUM_ARGS, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false, timeout: 30_000 });
    })();
    return this.browser;
  }

  async crawl(target: CrawlTarget, platform: string): Promise<CrawledPage> {
    const url = new URL(target.link);
    await this.opts.beforeRequest?.(url);
    const browser = await this.launch();
    const context = await browser.newContext({ userAgent: this.opts.userAgent, javaScriptEnabled: true, serviceWorkers: 'block', acceptDownloads: false });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(this.opts.timeoutMs);
      let response;
      try {
        response = await page.goto(url.href, { waitUntil: 'domcontentloaded', timeout: this.opts.timeoutMs });
      } catch (err) {
        const msg = (err as Error).message.split('\n')[0] ?? '';
        throw new CrawlError(/Timeout/i.test(msg) ? `timed out after ${this.opts.timeoutMs} ms` : `browser: ${msg}`, /Timeout/i.test(msg));
      }
      const status = response?.status() ?? 0;
      if (status >= 400) throw new CrawlError(`HTTP ${status}`, status >= 500 || status === 429);
      await page.waitForLoadState('load', { timeout: this.opts.timeoutMs }).catch(() => {});
      const scrolls = await scrollToEnd(page, this.opts.maxScrolls);
      const html = await page.content();
      return pageFromHtml(html, target, platform, { crawler: 'browser', status, final_url: page.url(), scrolls });
    } finally {
      await context.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const b = this.browser;
    this.browser = null;
    if (b) await (await b.catch(() => null))?.close().catch(() => {});
  }
}

type ScrollPage = {
  evaluate<R>(fn: () => R): Promise<R>;
  waitForTimeout(ms: number): Promise<void>;
  waitForLoadState(state: 'networkidle', opts: { timeout: number }): Promise<void>;
};

/** Scrolls until the page height stops growing (lazy content loaded) or the limit is reached. */
async function scrollToEnd(page: ScrollPage, maxScrolls: number): Promise<number> {
  const height = () => page.evaluate(() => (globalThis as unknown as { document: { body: { scrollHeight: number } } }).document.body.scrollHeight);
  let last = await height();
  let scrolls = 0;
  let still = 0;
  while (scrolls < maxScrolls) {
    await page.evaluate(() => {
      const w = globalThis as unknown as { scrollTo(x: number, y: number): void; document: { body: { scrollHeight: number } } };
      w.scrollTo(0, w.document.body.scrollHeight);
    });
    scrolls++;
    await page.waitForLoadState('networkidle', { timeout: 1500 }).catch(() => {});
    await page.waitForTimeout(150);
    const now = await height();
    if (now <= last) {
      // Twice without growth: lazy loaders sometimes need a second nudge.
      if (++still >= 2) break;
    } else still = 0;
    last = now;
  }
  return scrolls;
}
