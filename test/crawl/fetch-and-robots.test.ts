import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrawlError } from '../../src/crawl/crawl-types.js';
import { fetchWithRetries, type FetchOptions } from '../../src/crawl/http-fetch.js';
import { localAddressKind } from '../../src/crawl/network-guard.js';
import { RobotsCache } from '../../src/crawl/robots.js';
import { startSiteServer, type SiteServer } from './site-server.js';

let site: SiteServer;
beforeAll(async () => {
  site = await startSiteServer();
});
afterAll(() => site.close());

// The site is on 127.0.0.1, which the crawler refuses by default: these tests allow local addresses.
const opts = (over: Partial<FetchOptions> = {}): FetchOptions => ({
  userAgent: 'llmops-test/1.0',
  timeoutMs: 5000,
  maxBytes: 1024 * 1024,
  maxRedirects: 5,
  retries: 0,
  backoffMs: 10,
  allowLocal: true,
  ...over,
});

async function failure(p: Promise<unknown>): Promise<CrawlError> {
  try {
    await p;
  } catch (err) {
    return err as CrawlError;
  }
  throw new Error('expected a failure');
}

describe('fetchWithRetries', () => {
  it('sends our user agent and follows an http redirect, reporting where it landed', async () => {
    const res = await fetchWithRetries(`${site.url}/old-link`, opts());
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${site.url}/news/river-floods`);
    expect(res.redirects).toEqual([`${site.url}/news/river-floods`]);
    expect(res.body).toContain('River floods the old town');
    expect(site.userAgents).toContain('llmops-test/1.0');
  });

  it('refuses a redirect to a non-http scheme and stops redirect loops', async () => {
    expect((await failure(fetchWithRetries(`${site.url}/to-ftp`, opts()))).message).toBe('redirect to a non-http(s) URL refused: ftp:');
    expect((await failure(fetchWithRetries(`${site.url}/loop`, opts()))).message).toBe('more than 5 redirects');
  });

  it('gives up on a slow response after the timeout', async () => {
    const e = await failure(fetchWithRetries(`${site.url}/slow`, opts({ timeoutMs: 300 })));
    expect(e.message).toBe('timed out after 300 ms');
    expect(e.transient).toBe(true);
  });

  it('stops reading a response larger than the limit, even without Content-Length', async () => {
    const e = await failure(fetchWithRetries(`${site.url}/huge`, opts({ maxBytes: 200_000 })));
    expect(e.message).toBe('response too large: over 200000 bytes');
  });

  it('retries a transient 503 and succeeds; reports a persistent one after its retries', async () => {
    const res = await fetchWithRetries(`${site.url}/flaky`, opts({ retries: 2 }));
    expect(res.status).toBe(200);
    expect(site.hits.get('/flaky')).toBe(2);
    const e = await failure(fetchWithRetries(`${site.url}/always-503`, opts({ retries: 2 })));
    expect(e.message).toBe('HTTP 503');
    expect(site.hits.get('/always-503')).toBe(3);
  });

  it('does not retry a 404', async () => {
    const e = await failure(fetchWithRetries(`${site.url}/missing`, opts({ retries: 3 })));
    expect(e.message).toBe('HTTP 404');
    expect(site.hits.get('/missing')).toBe(1);
  });
});

describe('RobotsCache', () => {
  it('fetches robots.txt once per origin and applies its rules, also to redirect targets', async () => {
    const robots = new RobotsCache(opts());
    await robots.check(new URL(`${site.url}/news/river-floods`));
    const blocked = await failure(robots.check(new URL(`${site.url}/private/secret`)));
    expect(blocked.message).toMatch(/^blocked by robots.txt/);
    const viaRedirect = await failure(fetchWithRetries(`${site.url}/to-private`, opts({ beforeRequest: (u) => robots.check(u) })));
    expect(viaRedirect.message).toMatch(/^blocked by robots.txt/);
    expect(site.hits.get('/robots.txt')).toBe(1);
    expect(site.hits.get('/private/secret')).toBeUndefined();
  });
});

describe('RobotsCache with a Crawl-delay', () => {
  it('spaces requests to the origin by the delay', async () => {
    const slow = await startSiteServer({ crawlDelaySeconds: 0.4 });
    try {
      const robots = new RobotsCache(opts());
      const started = performance.now();
      await Promise.all([1, 2, 3].map(() => fetchWithRetries(`${slow.url}/notes/office-closed`, opts({ beforeRequest: (u) => robots.check(u) }))));
      // Three requests: the second waits 0.4 s, the third 0.8 s. Only a lower bound: never flaky on a slow machine.
      expect(performance.now() - started).toBeGreaterThanOrEqual(790);
      expect(slow.hits.get('/notes/office-closed')).toBe(3);
    } finally {
      await slow.close();
    }
  });
});

describe('local and private addresses', () => {
  let other: SiteServer;
  beforeAll(async () => {
    other = await startSiteServer();
  });
  afterAll(() => other.close());
  const guarded = (over: Partial<FetchOptions> = {}) => opts({ allowLocal: false, ...over });
  const refusal = /^refused: .*a loopback, private, link-local or metadata address \(--allow-local to crawl it\)$/;

  it('are refused by default, for an IP literal and for a name that resolves to one, before anything is sent', async () => {
    const e = await failure(fetchWithRetries(`${other.url}/news/river-floods`, guarded({ retries: 2 })));
    expect(e.message).toBe('refused: 127.0.0.1, a loopback, private, link-local or metadata address (--allow-local to crawl it)');
    expect(e.transient).toBe(false);
    const port = new URL(other.url).port;
    expect((await failure(fetchWithRetries(`http://localhost:${port}/news/river-floods`, guarded()))).message).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback/);
    expect((await failure(fetchWithRetries(`http://[::ffff:127.0.0.1]:${port}/news/river-floods`, guarded()))).message).toMatch(refusal);
    expect((await failure(fetchWithRetries(`http://0.0.0.0:${port}/news/river-floods`, guarded()))).message).toMatch(refusal);
    expect(other.hits.size).toBe(0);
  });

  it('are refused on every redirect hop: another local server, the metadata address, IPv6 loopback', async () => {
    const allowSite = guarded({ allowHosts: [new URL(site.url).host] });
    for (const to of [`${other.url}/news/river-floods`, 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:8099/x', 'http://[fd00:ec2::254]/latest']) {
      const e = await failure(fetchWithRetries(`${site.url}/to-elsewhere?to=${encodeURIComponent(to)}`, allowSite));
      expect(e.message).toMatch(refusal);
    }
    expect(other.hits.size).toBe(0);
    // The allowed host itself is fetched, and a redirect within it is followed.
    expect((await fetchWithRetries(`${site.url}/old-link`, allowSite)).status).toBe(200);
  });

  it('are reached with allowLocal (--allow-local)', async () => {
    const res = await fetchWithRetries(`${site.url}/to-elsewhere?to=${encodeURIComponent(`${other.url}/news/river-floods`)}`, opts({ allowLocal: true }));
    expect(res.url).toBe(`${other.url}/news/river-floods`);
    expect(other.hits.get('/news/river-floods')).toBe(1);
  });
});

describe('localAddressKind', () => {
  it('knows loopback, private, link-local, metadata, unspecified and IPv4-mapped forms from public addresses', () => {
    const local = ['127.0.0.1', '127.9.9.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.100.100.200', '0.0.0.0', '255.255.255.255', '::', '::1', '[::1]', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', 'fd00:ec2::254', 'fe80::1', 'fc00::1', '64:ff9b::a9fe:a9fe', '64:ff9b::127.0.0.1'];
    const publicOnes = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'];
    expect(local.filter((a) => localAddressKind(a) === null)).toEqual([]);
    expect(publicOnes.filter((a) => localAddressKind(a) !== null)).toEqual([]);
  });
});
