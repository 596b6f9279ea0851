import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { CrawlError } from './crawl-types.js';

/**
 * Which addresses a crawl may connect to. A link, a redirect or a page's script must not make
 * the crawler reach the machine itself, the local network or a cloud metadata service, so by
 * default every connection to such an address is refused; `--allow-local` lifts that (for
 * sites you run yourself). The check runs on the address a name resolved to, at connect time,
 * so a name that answers differently the second time (DNS rebinding) gains nothing.
 */
const LOCAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT; also Alibaba's metadata 100.100.100.200
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local: AWS/GCP/Azure metadata at 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255
] as const) LOCAL.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 96], // :: (unspecified), ::1 (loopback), and the deprecated IPv4-compatible form
  ['100::', 64], // discard
  ['fc00::', 7], // unique local, also AWS's fd00:ec2::254
  ['fe80::', 10], // link-local
  ['fec0::', 10], // old site-local
  ['ff00::', 8], // multicast
] as const) LOCAL.addSubnet(net, prefix, 'ipv6');
// IPv4-mapped IPv6 (::ffff:127.0.0.1) is matched against the IPv4 rules by BlockList itself.

/** The kind of local address, for messages; null for an address on the public internet. */
export function localAddressKind(address: string): string | null {
  const ip = address.replace(/^\[|\]$/g, '');
  const family = isIP(ip);
  if (family === 0) return null;
  if (family === 6) {
    const nat64 = /^64:ff9b::([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip) ?? /^64:ff9b::(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (nat64) return localAddressKind(nat64[2] ? hexToV4(nat64[1]!, nat64[2]) : nat64[1]!);
    return LOCAL.check(ip, 'ipv6') ? 'a local or private' : null;
  }
  return LOCAL.check(ip, 'ipv4') ? 'a local or private' : null;
}

function hexToV4(hi: string, lo: string): string {
  const a = parseInt(hi, 16);
  const b = parseInt(lo, 16);
  return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
}

export function isLocalAddress(address: string): boolean {
  return localAddressKind(address) !== null;
}

/** The refusal, one line, with the way out. `code` lets a caller tell it from other network errors. */
export class LocalAddressRefused extends CrawlError {
  readonly code = 'ERR_LLMOPS_LOCAL_ADDRESS';
  constructor(host: string, address: string) {
    super(`refused: ${host}${host === address ? '' : ` resolves to ${address}`}, a loopback, private, link-local or metadata address (--allow-local to crawl it)`);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `net.connect`/`tls.connect` (and so for undici's connector) that resolves as
 * usual and fails when any address of the name is local: the socket then connects only to an
 * address that was checked.
 */
export function guardedLookup(hostname: string, options: LookupOptions | LookupAllOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isLocalAddress(a.address));
    if (bad) return callback(new LocalAddressRefused(hostname, bad.address) as unknown as NodeJS.ErrnoException, '');
    if ((options as LookupAllOptions).all) return callback(null, list);
    const first = list[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
    callback(null, first.address, first.family);
  });
}

/** Whether `host[:port]` is one the user allowed by name (`--allow-host`), with or without its port. */
export function isAllowedHost(allowHosts: readonly string[], host: string, port: string | number | undefined, protocol: string): boolean {
  if (allowHosts.length === 0) return false;
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  const p = String(port || (protocol === 'https:' || protocol === 'wss:' ? 443 : 80));
  return allowHosts.some((a) => {
    const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(a.trim().toLowerCase());
    if (!m) return false;
    return m[1] === h && (m[2] === undefined || m[2] === p);
  });
}

/**
 * The same check before a request that does not go through our sockets (Chromium, git): the
 * URL's host, or every address its name resolves to. Such a client resolves the name again
 * itself, so this narrows the window for rebinding rather than closing it.
 */
export async function assertPublicHost(url: URL, allowHosts: readonly string[] = []): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isAllowedHost(allowHosts, host, url.port, url.protocol)) return;
  if (isIP(host)) {
    if (isLocalAddress(host)) throw new LocalAddressRefused(host, host);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    guardedLookup(host, { all: true }, (err) => (err ? reject(err instanceof CrawlError ? err : new CrawlError(`network error: ${err.code ?? err.message}`)) : resolve()));
  });
}
