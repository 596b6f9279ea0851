import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, buildConnector, fetch, type Dispatcher } from 'undici';
import { CrawlError } from './crawl-types.js';
import { decodeHtml } from '../html/decode-html.js';
import { guardedLookup, isAllowedHost, isLocalAddress, LocalAddressRefused } from './network-guard.js';

export type FetchOptions = {
  userAgent: string;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  retries: number;
  /** First backoff; doubled each attempt, with jitter. */
  backoffMs: number;
  signal?: AbortSignal;
  /** Called before every hop (the first request and each redirect): may throw to refuse it. */
  beforeRequest?: (url: URL) => Promise<void>;
  /** Connect to loopback, private, link-local and metadata addresses too (default: refused). */
  allowLocal?: boolean;
  /** Only these hosts (`host` or `host:port`) may be local; the rest stays refused. */
  allowHosts?: readonly string[];
};

export type FetchedResponse = {
  url: string;
  status: number;
  contentType: string;
  body: string;
  bytes: number;
  redirects: string[];
};

const agents = new Map<string, Agent>();

/**
 * The connection pool of the crawl. Unless local addresses are allowed, its connector refuses
 * an IP literal that is local and resolves names through `guardedLookup`, so the check is on
 * the address the socket actually connects to, for the first request and every redirect hop.
 * `allowHosts` (`host` or `host:port`) are let through, for a site of your own on localhost.
 */
function crawlDispatcher(allowLocal: boolean, allowHosts: readonly string[] = []): Dispatcher {
  const key = allowLocal ? '*' : allowHosts.join(',');
  let agent = agents.get(key);
  if (agent) return agent;
  if (allowLocal) agent = new Agent({ keepAliveTimeout: 10_000 });
  else {
    const base = buildConnector({} as buildConnector.BuildOptions);
    const guarded = buildConnector({ lookup: guardedLookup } as buildConnector.BuildOptions);
    const connect: buildConnector.connector = (opts, callback) => {
      const host = opts.hostname.replace(/^\[|\]$/g, '');
      if (isAllowedHost(allowHosts, host, opts.port, opts.protocol)) return base(opts, callback);
      // Node does not call `lookup` for an IP literal: check it here.
      if (isLocalAddress(host)) return callback(new LocalAddressRefused(host, host), null);
      return guarded(opts, callback);
    };
    agent = new Agent({ keepAliveTimeout: 10_000, connect });
  }
  agents.set(key, agent);
  return agent;
}

/** Closes the pools (their idle keep-alive sockets would hold the process open): at the end of a run. */
export async function closeCrawlDispatchers(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((a) => a.close().catch(() => {})));
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Worth a second attempt: the server or the network had a bad moment.
const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const MAX_RETRY_AFTER_MS = 30_000;

/**
 * GET with the politeness and limits of the crawl: our user agent, a timeout per attempt,
 * a cap on the body size (counted while reading, so a lying or missing Content-Length does
 * not matter), redirects followed by hand so that each hop stays on http(s) and passes
 * `beforeRequest` (robots.txt), and retries with exponential backoff on transient failures.
 */
export async function fetchWithRetries(url: string, opts: FetchOptions): Promise<FetchedResponse> {
  let attempt = 0;
  for (;;) {
    try {
      return await fetchOnce(url, opts);
    } catch (err) {
      const e = err instanceof CrawlError ? err : new CrawlError(String(err));
      if (!e.transient || attempt >= opts.retries || opts.signal?.aborted) throw e;
      const backoff = opts.backoffMs * 2 ** attempt * (1 + Math.random() * 0.25);
      const wait = Math.min(Math.max(backoff, e.retryAfterMs ?? 0), MAX_RETRY_AFTER_MS);
      attempt++;
      await sleep(wait, undefined, { signal: opts.signal }).catch(() => {});
    }
  }
}

async function fetchOnce(start: string, opts: FetchOptions): Promise<FetchedResponse> {
  const redirects: string[] = [];
  let url = new URL(start);
  for (;;) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CrawlError(`redirect to a non-http(s) URL refused: ${url.protocol}`);
    await opts.beforeRequest?.(url);
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = (await fetch(url, {
        dispatcher: crawlDispatcher(Boolean(opts.allowLocal), opts.allowHosts),
        redirect: 'manual',
        signal,
        headers: {
          'user-agent': opts.userAgent,
          accept: 'text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.5',
          'accept-language': 'en;q=0.9,*;q=0.5',
        },
      })) as unknown as Response;
    } catch (err) {
      throw networkError(err, timeout, opts);
    }
    if (REDIRECTS.has(res.status)) {
      await res.body?.cancel().catch(() => {});
      const location = res.headers.get('location');
      if (!location) throw new CrawlError(`HTTP ${res.status} without a Location header`);
      if (redirects.length >= opts.maxRedirects) throw new CrawlError(`more than ${opts.maxRedirects} redirects`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new CrawlError(`redirect to a malformed URL: ${location.slice(0, 100)}`);
      }
      redirects.push(next.href);
      url = next;
      continue;
    }
    if (res.status >= 400) {
      await res.body?.cancel().catch(() => {});
      throw new CrawlError(`HTTP ${res.status}`, TRANSIENT_STATUS.has(res.status), parseRetryAfter(res.headers.get('retry-after')));
    }
    const contentType = res.headers.get('content-type') ?? '';
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw new CrawlError(`response too large: ${declared} bytes (limit ${opts.maxBytes})`);
    }
    const { body, bytes } = await readCapped(res, opts, timeout);
    return { url: url.href, status: res.status, contentType, body: decode(body, contentType), bytes, redirects };
  }
}

async function readCapped(res: Response, opts: FetchOptions, timeout: AbortSignal): Promise<{ body: Uint8Array; bytes: number }> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  if (!res.body) return { body: new Uint8Array(0), bytes: 0 };
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > opts.maxBytes) {
        await reader.cancel().catch(() => {});
        throw new CrawlError(`response too large: over ${opts.maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof CrawlError) throw err;
    throw networkError(err, timeout, opts);
  }
  return { body: Buffer.concat(chunks), bytes };
}

// BOM, then the Content-Type charset, then <meta>: see html/decode-html.ts.
function decode(body: Uint8Array, contentType: string): string {
  return decodeHtml(body, contentType).text;
}

function networkError(err: unknown, timeout: AbortSignal, opts: FetchOptions): CrawlError {
  if (opts.signal?.aborted) return new CrawlError('interrupted');
  if (timeout.aborted) return new CrawlError(`timed out after ${opts.timeoutMs} ms`, true);
  const e = err as { cause?: { code?: string; message?: string }; message?: string };
  if (e.cause instanceof LocalAddressRefused) return e.cause;
  const code = e.cause?.code;
  const detail = code ?? e.cause?.message ?? e.message ?? String(err);
  // A refused connection or unknown host will not heal in a second; a reset or socket error may.
  const transient = code !== 'ECONNREFUSED' && code !== 'ENOTFOUND' && code !== 'ERR_INVALID_URL';
  return new CrawlError(`network error: ${detail}`, transient);
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
