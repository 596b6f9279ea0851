import { createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, isIP, type AddressInfo, type Socket } from 'node:net';
import { guardedLookup, isAllowedHost, isLocalAddress, LocalAddressRefused } from './network-guard.js';

/**
 * A forward proxy on 127.0.0.1 that Chromium sends all its traffic through, so that the
 * browser's connections pass the same connect-time check as the HTTP crawler: Chromium follows
 * redirects without showing them to Playwright's request routing, and resolves names itself,
 * so checking URLs in a route handler alone would let a redirect or a rebinding name through.
 * Plain http is forwarded; https and web sockets are tunnelled with CONNECT.
 */
export type GuardProxy = { url: string; close(): Promise<void> };

/** `onRefused` hears each refusal's reason: a client that shows only "403" (git) is told why. */
export async function startGuardProxy(allowHosts: readonly string[] = [], onRefused?: (reason: string) => void): Promise<GuardProxy> {
  const refuse = (res: ServerResponse, reason: string) => {
    onRefused?.(reason);
    refuseWith(res, reason);
  };
  const refused = (host: string, port: string | number, protocol: string) =>
    !isAllowedHost(allowHosts, host, port, protocol) && isIP(host) !== 0 && isLocalAddress(host);
  // A name the user allowed by host connects without the lookup check; every other name is resolved through it.
  const lookupFor = (host: string, port: string | number, protocol: string) => (isAllowedHost(allowHosts, host, port, protocol) ? {} : { lookup: guardedLookup });

  // Requests forwarded upstream: a page that never finishes its response would hold its socket,
  // and so the process, open after the crawl; they end with the browser's side or with close().
  const upstreams = new Set<ClientRequest>();
  const server: Server = createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const host = target.hostname.replace(/^\[|\]$/g, '');
    const port = target.port || '80';
    if (target.protocol !== 'http:' || refused(host, port, 'http:')) return void refuse(res, new LocalAddressRefused(host, host).message);
    const upstream = httpRequest(
      { host, port, method: req.method, path: `${target.pathname}${target.search}`, headers: withoutProxyHeaders(req), ...lookupFor(host, port, 'http:') },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstreams.add(upstream);
    upstream.on('close', () => upstreams.delete(upstream));
    res.on('close', () => upstream.destroy());
    upstream.on('error', (err) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof LocalAddressRefused) refuse(res, err.message);
      else res.writeHead(502, { 'content-type': 'text/plain' }).end(`llmops proxy: ${(err as NodeJS.ErrnoException).code ?? 'network error'}`);
    });
    req.pipe(upstream);
  });

  // Tunnels are not the server's connections any more: tracked to be closed with it.
  const tunnels = new Set<Socket>();
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.add(client);
    client.on('close', () => tunnels.delete(client));
    tunnel(req, client, head, { refused, lookupFor, onRefused });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        for (const t of tunnels) t.destroy();
        for (const u of upstreams) u.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The browser crawler reads the reason from this header to report it instead of "HTTP 403". */
const REFUSED_HEADER = 'x-llmops-refused';

function refuseWith(res: ServerResponse, reason: string): void {
  res.writeHead(403, { 'content-type': 'text/plain', [REFUSED_HEADER]: reason }).end(reason);
}

function withoutProxyHeaders(req: IncomingMessage): Record<string, string | string[] | undefined> {
  const { 'proxy-connection': _pc, 'proxy-authorization': _pa, ...rest } = req.headers;
  return rest;
}

type TunnelRules = {
  refused: (host: string, port: string, protocol: string) => boolean;
  lookupFor: (host: string, port: string, protocol: string) => { lookup?: typeof guardedLookup };
  onRefused?: (reason: string) => void;
};

/** An https or web-socket connection (CONNECT), to an address the rules allow. */
function tunnel(req: IncomingMessage, client: Socket, head: Buffer, { refused, lookupFor, onRefused }: TunnelRules): void {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(req.url ?? '');
  client.on('error', () => {});
  if (!m) return void client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  const [, host, port] = m as unknown as [string, string, string];
  const protocol = port === '443' ? 'https:' : 'http:';
  if (refused(host, port, protocol)) {
    onRefused?.(new LocalAddressRefused(host, host).message);
    return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  }
  const upstream = connect({ host, port: Number(port), ...lookupFor(host, port, protocol) });
  upstream.on('connect', () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', (err) => {
    if (err instanceof LocalAddressRefused) onRefused?.(err.message);
    if (client.writable) client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  client.on('close', () => upstream.destroy());
}
