import { existsSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { pageFromHtml } from './article-crawler.js';
import { CrawlError, type CrawledPage, type CrawlTarget } from './crawl-types.js';
import type { GuardProxy } from './guard-proxy.js';
import { assertPublicHost } from './network-guard.js';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const NAVIGATED_AWAY = 'the page navigated away (a script or a refresh sent the browser elsewhere) before it was read';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export type BrowserOptions = {
  executablePath: string;
  userAgent: string;
  timeoutMs: number;
  /** Scroll to the bottom at most this many times, stopping early once the page stops growing. */
  maxScrolls: number;
  /** Before each page is opened: robots.txt. */
  beforeRequest?: (url: URL) => Promise<void>;
  /** For every request the page makes (scripts, images, fetch, frames): robots.txt, no delay. */
  robotsAllow?: (url: URL) => Promise<boolean>;
  /** Let the page reach loopback, private, link-local and metadata addresses (default: refused). */
  allowLocal?: boolean;
  /** Local hosts (`host` or `host:port`) the page may reach all the same. */
  allowHosts?: readonly string[];
};

/**
 * One Chromium for the whole run, launched on the first page that needs it; each page gets
 * its own context. `close()` is called when the run ends and when it is interrupted.
 */
export class BrowserPool {
  private browser: Promise<Browser> | null = null;
  private closed = false;
  private proxy: GuardProxy | null = null;
  constructor(private readonly opts: BrowserOptions) {}

  private launch(): Promise<Browser> {
    if (this.closed) return Promise.reject(new CrawlError('interrupted'));
    this.browser ??= (async () => {
      if (!existsSync(this.opts.executablePath)) {
        throw new CrawlError(`no browser at ${this.opts.executablePath} (install Debian's chromium, or set --chromium <path>)`);
      }
      const { chromium } = await import('playwright-core');
      if (!this.opts.allowLocal) {
        const { startGuardProxy } = await import('./guard-proxy.js');
        this.proxy = await startGuardProxy(this.opts.allowHosts);
      }
      // Our own interrupt handling closes the browser; Playwright's would exit the process.
      // With the guard proxy, no bypass list: Playwright then sends loopback through it too.
      return chromium.launch({
        executablePath: this.opts.executablePath, args: CHROMIUM_ARGS, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false, timeout: 30_000,
        ...(this.proxy ? { proxy: { server: this.proxy.url } } : {}),
      });
    })();
    return this.browser;
  }

  async crawl(target: CrawlTarget, platform: string): Promise<CrawledPage> {
    const url = new URL(target.link);
    if (!this.opts.allowLocal) await assertPublicHost(url, this.opts.allowHosts);
    await this.opts.beforeRequest?.(url);
    const browser = await this.launch();
    const context = await browser.newContext({ userAgent: this.opts.userAgent, javaScriptEnabled: true, serviceWorkers: 'block', acceptDownloads: false });
    try {
      await this.guard(context);
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
      const refusal = response?.headers()['x-llmops-refused'];
      if (refusal) throw new CrawlError(refusal);
      if (status >= 400) throw new CrawlError(`HTTP ${status}`, status >= 500 || status === 429);
      // A script that never yields (while (true) {} after load) leaves evaluate() and content()
      // waiting forever: reading the page has the same limit as loading it.
      const { scrolls, html } = await withinTimeout(this.opts.timeoutMs, async () => {
        await page.waitForLoadState('load', { timeout: this.opts.timeoutMs }).catch(() => {});
        return { scrolls: await scrollToEnd(page, this.opts.maxScrolls), html: await page.content() };
      }).catch((err: unknown) => {
        if (err instanceof CrawlError) throw err;
        const msg = (err as Error).message.split('\n')[0] ?? '';
        throw new CrawlError(/context was destroyed|navigat/i.test(msg) ? NAVIGATED_AWAY : `browser: ${msg}`);
      });
      // A script or a refresh sent the browser to a refused address: Chromium's own error page
      // ("localhost is blocked") is not the link's text, and was stored as if it were.
      if (page.url().startsWith('chrome-error:')) throw new CrawlError(NAVIGATED_AWAY);
      return pageFromHtml(html, target, platform, { crawler: 'browser', status, final_url: page.url(), scrolls });
    } finally {
      await context.close().catch(() => {});
    }
  }

  /**
   * Every request of the page (the document, scripts, fetch/XHR, frames, web sockets) is checked
   * before Chromium sends it: no local or private address unless allowed, nothing robots.txt
   * disallows. Redirects Chromium follows by itself are not shown here: the guard proxy, which
   * all of Chromium's connections go through, refuses their local targets at connect time.
   */
  private async guard(context: BrowserContext): Promise<void> {
    const refuse = async (raw: string): Promise<boolean> => {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        return true;
      }
      if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return false;
      if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return true;
      try {
        if (!this.opts.allowLocal) await assertPublicHost(u, this.opts.allowHosts);
        const asHttp = new URL(u.href.replace(/^ws/, 'http'));
        if (this.opts.robotsAllow && !(await this.opts.robotsAllow(asHttp))) return true;
      } catch {
        return true;
      }
      return false;
    };
    await context.route('**/*', async (route) => {
      if (await refuse(route.request().url())) await route.abort('blockedbyclient').catch(() => {});
      else await route.continue().catch(() => {});
    });
    await context.routeWebSocket(/.*/, async (ws) => {
      if (await refuse(ws.url())) await ws.close({ code: 1008, reason: 'refused' }).catch(() => {});
      else ws.connectToServer();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const b = this.browser;
    this.browser = null;
    if (b) await (await b.catch(() => null))?.close().catch(() => {});
    await this.proxy?.close();
    this.proxy = null;
  }
}

/** `read()`, or a CrawlError once `ms` have passed without an answer from the page. */
async function withinTimeout<T>(ms: number, read: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CrawlError(`timed out after ${ms} ms reading the page`, true)), ms);
  });
  try {
    return await Promise.race([read(), expired]);
  } finally {
    clearTimeout(timer);
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
