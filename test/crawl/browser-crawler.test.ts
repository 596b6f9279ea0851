import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool } from '../../src/crawl/browser-crawler.js';
import { parseLink } from '../../src/crawl/parse-link.js';
import { CHROMIUM, chromiumMissing } from './chromium.js';
import { startSiteServer, type SiteServer } from './site-server.js';

describe.skipIf(chromiumMissing)('BrowserPool (real Chromium)', () => {
  let site: SiteServer;
  let pool: BrowserPool;
  beforeAll(async () => {
    site = await startSiteServer();
    pool = new BrowserPool({ executablePath: CHROMIUM, userAgent: 'llmops-test/1.0', timeoutMs: 20_000, maxScrolls: 10 });
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
});
