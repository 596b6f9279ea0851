import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { writeEventStream, type StreamFault, type StreamRecord, type StreamReply } from './sse-stream.js';

export type { StreamRecord, StreamReply, SseEvent } from './sse-stream.js';
export { splitTokens } from './sse-stream.js';

/**
 * Shared machinery of the fake services: a node:http server on 127.0.0.1 (random port) with a
 * queue of injected faults, a request log and a pluggable responder. Each provider module
 * (anthropic-server, openai-server, langfuse-otel-server) only knows its own wire format.
 * Streamed answers (`stream: true`) go out token by token through sse-stream.ts.
 */

export type Fault =
  | { kind: 'status'; status: number; retryAfterSeconds?: number } // error in the provider's own error body format
  | { kind: 'delay'; ms: number } // wait ms, then answer normally (the fixed latency still applies)
  | { kind: 'drop' } // reset the connection without any response
  | { kind: 'text'; text: string } // answer with exactly this assistant text
  | StreamFault; // stall, cut, malformed or pause, after N tokens of a streamed answer (sse-stream.ts)

export type RecordedRequest = { path: string; headers: Record<string, string | string[] | undefined>; body: any };

export type ResponderInput = { system?: string; messages: { role: string; content: string }[]; model: string };
export type Responder = (input: ResponderInput) => string | Promise<string>;

export interface FakeLlmServer {
  /** Base URL to hand to the SDK (Anthropic: the origin; OpenAI: the origin + `/v1`). */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  enqueue(...faults: Fault[]): void;
  /** How to answer a normal request: from the last user message (and system prompt) to the assistant text. */
  setResponder(fn: Responder): void;
  /** Fixed latency added to every normal (2xx) answer, before its status line. */
  setLatency(ms: number): void;
  /** Streamed answers: the wait before every token (the first included). */
  setTokenDelay(ms: number): void;
  /** Streamed answers: an extra wait before the first token (time to first token). */
  setFirstTokenDelay(ms: number): void;
  /** Every streamed answer, in order of arrival (not kept with `record: false`). */
  streams: StreamRecord[];
  /** Resolves once every stream started so far has ended (completed, cut, or the client left). */
  streamsSettled(): Promise<StreamRecord[]>;
  close(): Promise<void>;
}

export type JsonReply = { status: number; headers?: Record<string, string>; body: unknown };
/** A JSON answer, or (for `stream: true`) an event stream. */
export type Reply = JsonReply | StreamReply;

/** One request as a provider sees it. */
export type FakeRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body after content-encoding (gzip) was undone. */
  raw: Buffer;
  /** Parsed JSON when the body is JSON; undefined otherwise. */
  json: unknown;
  /** Set when the body claims to be JSON (or is expected to be) but does not parse. */
  jsonError?: string;
  /** The assistant text for a normal answer: the queued `text` fault's, else the responder's. */
  answer(input: ResponderInput): Promise<string>;
};

export type Provider = {
  handle(req: FakeRequest): Reply | Promise<Reply>;
  /** An injected `status` fault, in the provider's own error format. */
  errorReply(status: number, retryAfterSeconds?: number): JsonReply;
};

export type FakeServerOptions = {
  latencyMs?: number;
  urlSuffix?: string;
  /** false: keep no request log (benchmarks: a log of thousands of requests makes the fake's own GC pauses part of the measured latency). */
  record?: boolean;
  tokenDelayMs?: number;
  firstTokenDelayMs?: number;
};

export async function startFakeServer(provider: Provider, opts: FakeServerOptions = {}): Promise<FakeLlmServer> {
  const faults: Fault[] = [];
  const requests: RecordedRequest[] = [];
  let responder: Responder = defaultResponder;
  let latencyMs = opts.latencyMs ?? 0;
  let tokenDelayMs = opts.tokenDelayMs ?? 0;
  let firstTokenDelayMs = opts.firstTokenDelayMs ?? 0;
  const streams: StreamRecord[] = [];
  const streamEnds: Promise<void>[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  // Timers are tracked so close() can cancel answers still waiting on their latency.
  const sleep = (ms: number) =>
    ms <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve();
          }, ms);
          timers.add(t);
        });

  async function onRequest(req: IncomingMessage, res: ServerResponse) {
    let raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let decodeError: string | undefined;
    if (/gzip/i.test(String(req.headers['content-encoding'] ?? ''))) {
      try {
        raw = gunzipSync(raw);
      } catch {
        decodeError = 'body is not valid gzip';
      }
    }
    let json: unknown;
    let jsonError = decodeError;
    const type = String(req.headers['content-type'] ?? '');
    if (!jsonError && raw.length > 0 && (type.includes('json') || type === '')) {
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        jsonError = (err as Error).message;
      }
    }
    if (opts.record !== false) requests.push({ path: url.pathname, headers: { ...req.headers }, body: json ?? (raw.length ? raw.toString('utf8') : undefined) });

    const fault = faults.shift();
    if (fault?.kind === 'drop') {
      // A TCP reset, as a crashed proxy or load balancer would give: no status line at all.
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'status') return send(res, provider.errorReply(fault.status, fault.retryAfterSeconds));
    if (fault?.kind === 'delay') await sleep(fault.ms);

    const textOverride = fault?.kind === 'text' ? fault.text : undefined;
    const reply = await provider.handle({
      method: req.method ?? 'GET',
      path: url.pathname,
      headers: req.headers,
      raw,
      json,
      jsonError,
      answer: async (input) => textOverride ?? (await responder(input)),
    });
    if (reply.status >= 200 && reply.status < 300) await sleep(latencyMs);
    // A stream fault is for a streamed answer; a non-streamed request uses it up unharmed.
    if ('events' in reply) await stream(res, url.pathname, reply, isStreamFault(fault) ? fault : undefined);
    else send(res, reply);
  }

  async function stream(res: ServerResponse, path: string, reply: StreamReply, fault?: StreamFault) {
    if (res.destroyed) return;
    const record: StreamRecord = { path, tokensSent: 0 };
    if (opts.record !== false) {
      streams.push(record);
      streamEnds.push(new Promise((resolve) => res.once('close', () => resolve())));
    }
    await writeEventStream(res, reply, record, { tokenDelayMs, firstTokenDelayMs, sleep }, fault);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err) => {
      // A bug in a fake must show up as a loud 500, not as a hung test.
      send(res, { status: 500, body: { fake_error: String(err?.stack ?? err) } });
    });
  });
  // Keep-alive sockets outlive requests; track them so close() is immediate.
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${opts.urlSuffix ?? ''}`,
    requests,
    enqueue: (...f) => void faults.push(...f),
    setResponder: (fn) => void (responder = fn),
    setLatency: (ms) => void (latencyMs = ms),
    setTokenDelay: (ms) => void (tokenDelayMs = ms),
    setFirstTokenDelay: (ms) => void (firstTokenDelayMs = ms),
    streams,
    streamsSettled: async () => {
      await Promise.all(streamEnds);
      return streams;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const isStreamFault = (f?: Fault): f is StreamFault => f?.kind === 'stall' || f?.kind === 'cut' || f?.kind === 'malformed' || f?.kind === 'pause';

function send(res: ServerResponse, reply: JsonReply) {
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) return void res.destroy(); // a fake's bug mid-stream: break it off, loudly
  const body = typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  res.end(body);
}

/** Random id in the providers' style (`msg_…`, `chatcmpl-…`, `req_…`). */
export function fakeId(prefix: string, bytes = 12): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

/** Rough token count (~4 characters a token), which is all the fakes promise. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** The text of a message content: a string, or the text blocks of a content-block array. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((b) => (b && typeof b.text === 'string' ? b.text : '')).join('');
  return '';
}

const POSITIVE = /\b(good|great|excellent|love|loved|happy|gain|gains|rise|rises|rose|beat|beats|profit|profits|strong|up|improve[sd]?|record)\b/i;
const NEGATIVE = /\b(bad|terrible|awful|hate|hated|sad|loss|losses|fall|falls|fell|miss|missed|weak|down|decline[sd]?|drop|drops|dropped|lawsuit|fraud)\b/i;

/**
 * The default responder. A sentiment-style prompt (the system prompt or the last user message
 * mentions "sentiment") gets a JSON object `{"label":…,"confidence":…}` from a tiny word list;
 * anything else gets the last user message echoed back.
 */
export const defaultResponder: Responder = ({ system, messages }) => {
  const last = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  if (!/sentiment/i.test(`${system ?? ''} ${last}`)) return last;
  const pos = POSITIVE.test(last);
  const neg = NEGATIVE.test(last);
  const label = pos && !neg ? 'positive' : neg && !pos ? 'negative' : 'neutral';
  return JSON.stringify({ label, confidence: label === 'neutral' ? 0.5 : 0.8 });
};
