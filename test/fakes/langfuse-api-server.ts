import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * A fake of the Langfuse public REST API parts the monitor uses, in Langfuse's wire format,
 * reached through @langfuse/client with `baseUrl` pointed here:
 * - GET  /api/public/v2/observations  cursor-paged (base64 cursor, `meta.cursor`), with the
 *   query filters name, type, userId, sessionId, environment, fromStartTime, toStartTime and
 *   the `filter` JSON (tags `arrayOptions` "all of", datetime/string conditions);
 * - POST /api/public/ingestion         batch of `score-create` events → 207 {successes, errors};
 * - GET  /api/public/v2/prompts/{name} ?label= | ?version= → the prompt object.
 * HTTP Basic auth with public:secret, as Langfuse checks it. Faults (status with retry-after,
 * dropped connection) can be queued; scores that arrive are kept for assertions.
 */

export type FakeObservation = {
  id: string;
  traceId: string;
  name: string;
  type?: string;
  startTime: string;
  endTime?: string | null;
  input?: unknown;
  output?: unknown;
  userId?: string | null;
  sessionId?: string | null;
  environment?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
  latency?: number | null;
};

export type Fault = ({ status: number; retryAfterSeconds?: number } | { drop: true }) & { path?: string };

export type FakeLangfuseApi = {
  url: string;
  observations: FakeObservation[];
  scores: Record<string, any>[];
  prompts: { name: string; version: number; labels: string[]; prompt: string }[];
  requests: { method: string; path: string; query: Record<string, string> }[];
  /** Faults answer the next matching request (`path` limits them to one endpoint). */
  enqueue(...faults: Fault[]): void;
  /**
   * Observations paging past the end, as a broken API or proxy might: `same` answers the page
   * past the last with the cursor it was sent, `fresh` with a new cursor each time (empty pages
   * forever). Unset: no cursor on the last page, as Langfuse does.
   */
  brokenPaging?: 'same' | 'fresh';
  close(): Promise<void>;
};

/**
 * `echoCredentials`: a 401 answer quotes the Authorization header it received, as some gateways
 * and debug proxies in front of a self-hosted Langfuse do (a hostile answer for redaction tests).
 */
export async function startFakeLangfuseApi(opts: { publicKey: string; secretKey: string; echoCredentials?: boolean }): Promise<FakeLangfuseApi> {
  const auth = `Basic ${Buffer.from(`${opts.publicKey}:${opts.secretKey}`).toString('base64')}`;
  const state: FakeLangfuseApi = {
    url: '',
    observations: [],
    scores: [],
    prompts: [],
    requests: [],
    enqueue: (...f) => void faults.push(...f),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const faults: Fault[] = [];
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    state.requests.push({ method: req.method ?? 'GET', path: url.pathname, query });
    const fi = faults.findIndex((f) => !f.path || f.path === url.pathname);
    const fault = fi >= 0 ? faults.splice(fi, 1)[0] : undefined;
    if (fault && 'drop' in fault) return req.socket.resetAndDestroy();
    if (fault) return send(res, fault.status, { message: fault.status === 429 ? 'Rate limit exceeded' : 'Internal Server Error' }, fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {});
    if (req.headers.authorization !== auth) {
      const message = "Invalid credentials. Confirm that you've configured the correct host.";
      return send(res, 401, opts.echoCredentials ? { message, error: 'Unauthorized', received: { authorization: req.headers.authorization ?? null, path: url.pathname } } : { message });
    }

    if (req.method === 'GET' && url.pathname === '/api/public/v2/observations') {
      if (query.parseIoAsJson === 'true') return send(res, 400, { message: 'parseIoAsJson is no longer supported' });
      const limit = Math.min(Number(query.limit ?? 50), 1000);
      if (!Number.isInteger(limit) || limit < 1) return send(res, 400, { message: 'Invalid limit' });
      let list = state.observations.filter((o) => matches(o, query));
      list = list.sort((a, b) => (a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : a.id < b.id ? 1 : -1));
      const offset = query.cursor ? Number(JSON.parse(Buffer.from(query.cursor, 'base64').toString('utf8')).offset) : 0;
      const page = list.slice(offset, offset + limit);
      const cursorAt = (o: number, nonce?: number) => Buffer.from(JSON.stringify({ offset: o, ...(nonce === undefined ? {} : { nonce }) })).toString('base64');
      let next = offset + limit < list.length ? cursorAt(offset + limit) : undefined;
      if (!next && state.brokenPaging === 'same') next = page.length === 0 && query.cursor ? query.cursor : cursorAt(offset + limit);
      if (!next && state.brokenPaging === 'fresh') next = cursorAt(offset + limit, state.requests.length);
      return send(res, 200, {
        data: page.map((o) => ({
          id: o.id,
          traceId: o.traceId,
          startTime: o.startTime,
          endTime: o.endTime ?? null,
          projectId: 'proj-fake',
          parentObservationId: null,
          type: o.type ?? 'GENERATION',
          name: o.name,
          level: 'DEFAULT',
          environment: o.environment ?? 'default',
          userId: o.userId ?? null,
          sessionId: o.sessionId ?? null,
          // The v2 API returns input/output as raw strings.
          input: o.input === undefined ? null : typeof o.input === 'string' ? o.input : JSON.stringify(o.input),
          output: o.output === undefined ? null : typeof o.output === 'string' ? o.output : JSON.stringify(o.output),
          metadata: o.metadata ?? {},
          latency: o.latency ?? null,
          tags: o.tags ?? [],
          modelId: null,
          inputPrice: null,
          outputPrice: null,
          totalPrice: null,
        })),
        meta: next ? { cursor: next } : {},
      });
    }

    if (req.method === 'POST' && url.pathname === '/api/public/ingestion') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      if (!Array.isArray(body.batch)) return send(res, 400, { message: 'batch: Required' });
      const successes: unknown[] = [];
      const errors: unknown[] = [];
      for (const ev of body.batch) {
        const b = ev?.body ?? {};
        if (ev?.type !== 'score-create' || typeof b.name !== 'string' || (b.value === undefined && b.stringValue === undefined) || (!b.traceId && !b.sessionId && !b.datasetRunId)) {
          errors.push({ id: ev?.id, status: 400, message: 'Invalid request data', error: 'score body invalid' });
          continue;
        }
        const i = state.scores.findIndex((s) => s.id === b.id);
        if (i >= 0) state.scores[i] = b;
        else state.scores.push({ ...b, id: b.id ?? randomUUID() });
        successes.push({ id: ev.id, status: 201 });
      }
      return send(res, 207, { successes, errors });
    }

    const pm = /^\/api\/public\/v2\/prompts\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && pm) {
      const name = decodeURIComponent(pm[1]!);
      const candidates = state.prompts.filter((p) => p.name === name);
      const p = query.version ? candidates.find((c) => c.version === Number(query.version)) : candidates.filter((c) => c.labels.includes(query.label ?? 'production')).sort((a, b) => b.version - a.version)[0];
      if (!p) return send(res, 404, { error: 'LangfuseNotFoundError', message: `Prompt not found: '${name}' with label '${query.label ?? 'production'}'` });
      return send(res, 200, { id: `prompt-${name}-${p.version}`, name, version: p.version, type: 'text', prompt: p.prompt, config: {}, labels: p.labels, tags: [], commitMessage: null, resolutionGraph: null });
    }
    return send(res, 404, { message: 'Not found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => send(res, 500, { fake_error: String(err?.stack ?? err) }));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

function matches(o: FakeObservation, q: Record<string, string>): boolean {
  if (q.filter) {
    const conds = JSON.parse(q.filter) as { type: string; column: string; operator: string; value: any }[];
    return conds.every((c) => {
      const v = c.column === 'tags' || c.column === 'traceTags' ? (o.tags ?? []) : (o as Record<string, any>)[c.column];
      if (c.type === 'arrayOptions') {
        const arr = v as string[];
        if (c.operator === 'all of') return (c.value as string[]).every((t) => arr.includes(t));
        if (c.operator === 'any of') return (c.value as string[]).some((t) => arr.includes(t));
        return !(c.value as string[]).some((t) => arr.includes(t));
      }
      if (c.type === 'datetime') {
        const a = Date.parse(v), b = Date.parse(c.value);
        return c.operator === '>=' ? a >= b : c.operator === '>' ? a > b : c.operator === '<' ? a < b : a <= b;
      }
      if (c.type === 'string') return c.operator === '=' ? v === c.value : String(v ?? '').includes(c.value);
      return true;
    });
  }
  if (q.name && o.name !== q.name) return false;
  if (q.type && (o.type ?? 'GENERATION') !== q.type) return false;
  if (q.userId && o.userId !== q.userId) return false;
  if (q.sessionId && o.sessionId !== q.sessionId) return false;
  if (q.environment && (o.environment ?? 'default') !== q.environment) return false;
  if (q.fromStartTime && Date.parse(o.startTime) < Date.parse(q.fromStartTime)) return false;
  if (q.toStartTime && Date.parse(o.startTime) >= Date.parse(q.toStartTime)) return false;
  return true;
}
