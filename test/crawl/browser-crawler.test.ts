import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool } from '../../src/crawl/browser-crawler.js';
import { parseLink } from '../../src/crawl/parse-link.js';
import { RobotsCache } from '../../src/crawl/robots.js';
import { CHROMIUM, chromiumMissing } from '../helpers/chromium.js';
import { startSiteServer, type SiteServer } from './site-server.js';

// The site runs on 127.0.0.1, a local address the crawler refuses by default: these tests
// allow it, either wholly (allowLocal) or by host (allowHosts), as a user would with --allow-local.
describe.skipIf(chromiumMissing)('BrowserPool (real Chromium)', () => {
  let site: SiteServer;
  let pool: BrowserPool;
  beforeAll(async () => {
    site = await startSiteServer();
    pool = new BrowserPool({ executablePath: CHROMIUM, userAgent: 'llmops-test/1.0', timeoutMs: 20_000, maxScrolls: 10, allowLocal: true });
  });
  afterAll(async () => {
    await pool?.close();
    await site?.close();
  });

  it('extracts text built by JavaScript and sections lazy-loaded on scroll', async () => {
    const page = await pool.crawl(parseLink(`${site.url}/spa/lazy`, { allowLocal: false }), 'spa');
    expect(page.title).toBe('Rendered by script: notes on lazy pages');
    expect(page.content).toMatch(/^This first paragraph was written into the page by JavaScript/);
    for (const n of [1, 2, 3]) expect(page.content).toContain(`Lazy section ${n} arrived only after the reader scrolled`);
    expect(page.content).not.toContain('Loading');
    expect(site.hits.get('/lazy-chunk?n=3')).toBe(1);
  });

  it('renders pages in parallel in one browser, and reports an HTTP error', async () => {
    const [a, b] = await Promise.all([
      pool.crawl(parseLink(`${site.url}/news/river-floods`, { allowLocal: false }), 'x'),
      pool.crawl(parseLink(`${site.url}/blog/batch-jobs`, { allowLocal: false }), 'x'),
    ]);
    expect(a.content).toMatch(/^The river that runs through the old town/);
    expect(b.content).toMatch(/^For two years our feature pipeline/);
    await expect(pool.crawl(parseLink(`${site.url}/missing`, { allowLocal: false }), 'x')).rejects.toThrow('HTTP 404');
  });

  it('gives up on a page whose script never yields after it loaded, with the timeout as its reason', async () => {
    const busy = new BrowserPool({ executablePath: CHROMIUM, userAgent: 'llmops-test/1.0', timeoutMs: 5000, maxScrolls: 10, allowLocal: true });
    try {
      // Reading it waited forever: evaluate() and content() have no limit of their own.
      await expect(busy.crawl(parseLink(`${site.url}/spa/busy-after-load`, { allowLocal: false }), 'x')).rejects.toThrow(/^timed out after 5000 ms/);
    } finally {
      await busy.close();
    }
  });
});

describe.skipIf(chromiumMissing)('BrowserPool network guard (real Chromium)', () => {
  let site: SiteServer;
  let other: SiteServer;
  let pools: BrowserPool[] = [];
  const poolFor = (opts: { allowLocal?: boolean; allowHosts?: string[]; robots?: RobotsCache }) => {
    const pool = new BrowserPool({
      executablePath: CHROMIUM, userAgent: 'llmops-test/1.0', timeoutMs: 20_000, maxScrolls: 0,
      allowLocal: opts.allowLocal, allowHosts: opts.allowHosts,
      ...(opts.robots ? { beforeRequest: (u: URL) => opts.robots!.check(u), robotsAllow: (u: URL) => opts.robots!.allows(u) } : {}),
    });
    pools.push(pool);
    return pool;
  };
  const hostOf = (s: SiteServer) => new URL(s.url).host;
  const robots = (allowHosts: string[]) => new RobotsCache({ userAgent: 'llmops-test/1.0', timeoutMs: 5000, maxBytes: 1 << 20, maxRedirects: 5, retries: 0, backoffMs: 10, allowHosts });
  beforeAll(async () => {
    site = await startSiteServer();
    other = await startSiteServer();
  });
  afterAll(async () => {
    for (const p of pools) await p.close();
    await site?.close();
    await other?.close();
  });

  it('refuses a page on a local address by default, before the browser requests anything', async () => {
    await expect(poolFor({}).crawl(parseLink(`${site.url}/news/river-floods`, { allowLocal: false }), 'x')).rejects.toThrow(
      /^refused: 127\.0\.0\.1, a loopback, private, link-local or metadata address \(--allow-local to crawl it\)$/,
    );
    expect(site.hits.size).toBe(0);
  });

  it("never lets a page's script, images, frames or sockets reach another local address or a robots-disallowed path", async () => {
    const pool = poolFor({ allowHosts: [hostOf(site)], robots: robots([hostOf(site)]) });
    const page = await pool.crawl(parseLink(`${site.url}/spa/reach-out?target=${encodeURIComponent(other.url)}`, { allowLocal: false }), 'x');
    expect(page.content).toContain('This page tries to make the browser request an address on the local network');
    expect(site.hits.get('/private/from-script')).toBeUndefined();
    expect([...other.hits.keys()]).toEqual([]);
  });

  it('refuses a browser redirect to another local address', async () => {
    const pool = poolFor({ allowHosts: [hostOf(site)] });
    await expect(pool.crawl(parseLink(`${site.url}/to-elsewhere?to=${encodeURIComponent(`${other.url}/news/river-floods`)}`, { allowLocal: false }), 'x')).rejects.toThrow(/^refused: 127\.0\.0\.1, a loopback/);
    expect(site.hits.get(`/to-elsewhere?to=${encodeURIComponent(`${other.url}/news/river-floods`)}`)).toBe(1);
    expect([...other.hits.keys()]).toEqual([]);
  });

  it('fails a page whose script or refresh sends the browser to another local address, with that as its reason', async () => {
    const pool = poolFor({ allowHosts: [hostOf(site)] });
    const to = encodeURIComponent(`${other.url}/news/river-floods`);
    for (const path of [`/spa/script-redirect?to=${to}`, `/spa/meta-refresh?to=${to}`]) {
      // Chromium's "127.0.0.1 is blocked" page was stored as the link's text, or Playwright's "Execution context was destroyed" was the reason.
      await expect(pool.crawl(parseLink(`${site.url}${path}`, { allowLocal: false }), 'x')).rejects.toThrow(/^the page navigated away \(a script or a refresh sent the browser elsewhere\) before it was read$/);
    }
    expect([...other.hits.keys()]).toEqual([]);
  });

  it('with allowLocal, the same page may reach the other local origin', async () => {
    const pool = poolFor({ allowLocal: true });
    const page = await pool.crawl(parseLink(`${site.url}/to-elsewhere?to=${encodeURIComponent(`${other.url}/news/river-floods`)}`, { allowLocal: false }), 'x');
    expect(page.content).toMatch(/^The river that runs through the old town/);
    expect(other.hits.get('/news/river-floods')).toBe(1);
  });
});
