import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, it } from 'vitest';
import { startGuardProxy, type GuardProxy } from '../../src/crawl/guard-proxy.js';

// A page whose response never ends: its server sees when the proxy lets go of the connection.
async function startNeverEndingSite(): Promise<{ host: string; server: Server; upstreamClosed: Promise<void> }> {
  let closed!: () => void;
  const upstreamClosed = new Promise<void>((resolve) => (closed = resolve));
  const server = createServer((req, res) => {
    (req.socket as Socket).on('close', () => closed());
    res.writeHead(200, { 'content-type': 'text/html' });
    res.write('<html><body><p>the rest never comes');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, server, upstreamClosed };
}

/** A GET through the proxy, resolved once the first bytes of the body arrived. */
function getThrough(proxy: GuardProxy, url: string): Promise<{ res: IncomingMessage; abort(): void }> {
  const { hostname, port } = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: url, headers: { host: new URL(url).host } }, (res) => {
      res.once('data', () => resolve({ res, abort: () => req.destroy() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('guard proxy', () => {
  const cleanup: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it("lets go of a response that never ends when the browser's request goes away", async () => {
    const site = await startNeverEndingSite();
    cleanup.push(() => new Promise((r) => site.server.close(r)), () => site.server.closeAllConnections());
    const proxy = await startGuardProxy([site.host]);
    cleanup.push(() => proxy.close());
    const { abort } = await getThrough(proxy, `http://${site.host}/never`);
    abort();
    await site.upstreamClosed; // held open forever before: the process could not exit after the crawl
  });

  it('closes the responses still streaming when it is closed', async () => {
    const site = await startNeverEndingSite();
    cleanup.push(() => new Promise((r) => site.server.close(r)), () => site.server.closeAllConnections());
    const proxy = await startGuardProxy([site.host]);
    const { res } = await getThrough(proxy, `http://${site.host}/never`);
    res.on('error', () => {});
    await proxy.close();
    await site.upstreamClosed;
  });
});
