import { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';

let agent: Agent | undefined;

function headerRecord(h: RequestInit['headers']): Record<string, string> | undefined {
  if (h === undefined || h === null) return undefined;
  if (h instanceof Headers) return Object.fromEntries(h);
  if (Array.isArray(h)) return Object.fromEntries(h);
  return h as Record<string, string>;
}

function responseHeaders(raw: Dispatcher.ResponseData['headers']): Headers {
  const out = new Headers();
  for (const name in raw) {
    const v = raw[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) out.append(name, one);
    else out.append(name, v);
  }
  return out;
}

/**
 * The `fetch` the provider SDKs are given: a WHATWG-shaped wrapper over undici's `request`.
 * Node's built-in fetch spends about 0.2 ms of CPU per call on web streams, Request objects
 * and abort-signal plumbing; at a hundred calls in flight that is what keeps an analyse run
 * from its ideal throughput (bench/analyse). The SDKs still build every request, parse every
 * answer, retry and time out as they do over the built-in fetch: a rejected promise is a
 * connection error to them, an AbortError a timeout.
 *
 * Bodies are read whole, except event streams, which stay streams. Redirects are not
 * followed (the providers' APIs do not redirect).
 */
export async function undiciFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  if (input instanceof Request) return fetch(input, init); // never sent by the SDKs; kept correct anyway
  agent ??= new Agent({ keepAliveTimeout: 30_000 });
  const res = await request(input, {
    method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: headerRecord(init.headers),
    body: (init.body ?? undefined) as string | Buffer | undefined,
    signal: init.signal ?? undefined,
    dispatcher: agent,
  });
  const headers = responseHeaders(res.headers);
  const status = res.statusCode;
  if (status === 204 || status === 304 || init.method === 'HEAD') {
    res.body.resume();
    return new Response(null, { status, headers });
  }
  if (headers.get('content-type')?.includes('text/event-stream')) {
    return new Response(Readable.toWeb(res.body) as ReadableStream, { status, headers });
  }
  return new Response(await res.body.text(), { status, headers });
}
