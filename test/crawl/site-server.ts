import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/crawl/${name}`, import.meta.url), 'utf8');

export type SiteServer = {
  url: string;
  /** Requests seen per path (with query), for "fetched once" checks. */
  hits: Map<string, number>;
  userAgents: Set<string>;
  close(): Promise<void>;
};

/**
 * A local site on 127.0.0.1 with what the crawler meets in the wild: realistic article
 * pages, robots.txt rules, redirects (also to other schemes), slow, oversized and flaky
 * responses, and a page that only has its text after JavaScript runs and the reader scrolls.
 */
export async function startSiteServer(opts: { crawlDelaySeconds?: number } = {}): Promise<SiteServer> {
  const hits = new Map<string, number>();
  const userAgents = new Set<string>();
  const html = (res: import('node:http').ServerResponse, body: string, status = 200) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body);
  };
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (req.headers['user-agent']) userAgents.add(req.headers['user-agent']);
    const u = new URL(path, 'http://x');
    switch (u.pathname) {
      case '/robots.txt':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end(`User-agent: *\nDisallow: /private/\n${opts.crawlDelaySeconds ? `Crawl-delay: ${opts.crawlDelaySeconds}\n` : ''}\nUser-agent: badbot\nDisallow: /\n`);
      case '/news/river-floods':
        return html(res, fixture('news-article.html'));
      case '/blog/batch-jobs':
        return html(res, fixture('blog-post.html'));
      case '/notes/office-closed':
        return html(res, fixture('short-note.html'));
      case '/private/secret':
        return html(res, fixture('short-note.html'));
      case '/spa/lazy':
        return html(res, fixture('lazy-page.html'));
      case '/spa/busy-after-load':
        // Loads, then a script never yields again.
        return html(res, fixture('blog-post.html').replace('</body>', '<script>setTimeout(() => { for (;;) {} }, 50)</script></body>'));
      case '/spa/script-redirect':
        // Loads, then sends the browser elsewhere: by script, or by a refresh in the page's head.
        return html(res, fixture('blog-post.html').replace('</body>', `<script>setTimeout(() => { location.href = ${JSON.stringify(u.searchParams.get('to'))} }, 50)</script></body>`));
      case '/spa/meta-refresh':
        return html(res, fixture('blog-post.html').replace('</head>', `<meta http-equiv="refresh" content="0;url=${u.searchParams.get('to')}"></head>`));
      case '/lazy-chunk': {
        const n = Number(u.searchParams.get('n'));
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ text: `Lazy section ${n} arrived only after the reader scrolled down to the end of the page, as on real feeds.` }));
      }
      case '/old-link':
        res.writeHead(301, { location: '/news/river-floods' });
        return res.end();
      case '/to-ftp':
        res.writeHead(302, { location: 'ftp://127.0.0.1/file.txt' });
        return res.end();
      case '/to-private':
        res.writeHead(302, { location: '/private/secret' });
        return res.end();
      case '/spa/reach-out': {
        // A page whose script tries another (local) origin and a robots-disallowed path.
        const target = u.searchParams.get('target') ?? '';
        return html(
          res,
          `<!doctype html><html><head><title>Reaching out</title></head><body><article><h1>Reaching out</h1><div id="app"></div></article>
<img src="${target}/from-img.png"><iframe src="${target}/from-frame"></iframe>
<script>
document.getElementById('app').innerHTML = '<p>This page tries to make the browser request an address on the local network and a path robots.txt forbids, while it renders its own article text.</p>';
fetch(${JSON.stringify(target)} + '/from-script').catch(() => {});
fetch('/private/from-script').catch(() => {});
try { new WebSocket(${JSON.stringify(target.replace(/^http/, 'ws'))} + '/from-socket'); } catch {}
</script></body></html>`,
        );
      }
      case '/to-elsewhere': {
        res.writeHead(302, { location: u.searchParams.get('to') ?? '/' });
        return res.end();
      }
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        return res.end();
      case '/slow': {
        const timer = setTimeout(() => html(res, fixture('short-note.html')), 10_000);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case '/huge': {
        // No Content-Length: the limit must hold while reading.
        res.writeHead(200, { 'content-type': 'text/html' });
        const chunk = `<p>${'filler text '.repeat(8000)}</p>`;
        let sent = 0;
        const pump = () => {
          while (sent < 400) {
            sent++;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => (sent = 1e9));
        return pump();
      }
      case '/flaky': {
        if ((hits.get(path) ?? 0) === 1) {
          res.writeHead(503, { 'retry-after': '0', 'content-type': 'text/plain' });
          return res.end('busy');
        }
        return html(res, fixture('short-note.html'));
      }
      case '/always-503':
        res.writeHead(503, { 'content-type': 'text/plain' });
        return res.end('down');
      case '/image.png':
        res.writeHead(200, { 'content-type': 'image/png' });
        return res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      default:
        return html(res, '<h1>Not found</h1>', 404);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    userAgents,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
