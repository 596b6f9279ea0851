import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fake of Qdrant's REST API on 127.0.0.1, as strict as Qdrant where our code could go wrong:
 * point ids only unsigned integers or UUIDs (UUIDs are returned in canonical lowercase form),
 * vector dimension checked against the collection, Cosine vectors normalised on write as
 * Qdrant does, payload filters in Qdrant's own syntax (must / should / must_not, match value /
 * any / except, range, has_id, is_empty, is_null, nested filters, dotted keys), and Qdrant's
 * response and error bodies (`{result, status: "ok", time}`, `{status: {error}, time}`).
 *
 * Routes: GET /, GET /collections, GET|PUT|DELETE /collections/{c}, GET /collections/{c}/exists,
 * PUT /collections/{c}/points, POST /collections/{c}/points (retrieve), …/points/delete,
 * …/points/scroll, …/points/count, …/points/query, …/points/search.
 */
export type FakeQdrant = { url: string; requests: { method: string; path: string; body: unknown }[]; close(): Promise<void> };

type Distance = 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';
type PointId = number | string;
type StoredPoint = { id: PointId; vector: number[] | null; payload: Record<string, unknown> };
type Collection = { size: number | null; distance: Distance | null; points: Map<string, StoredPoint> };

class QdrantError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
const formatError = (msg: string) => new QdrantError(400, `Format error in JSON body: ${msg}`);
const wrongInput = (msg: string) => new QdrantError(400, `Wrong input: ${msg}`);
const notFound = (name: string) => new QdrantError(404, `Not found: Collection \`${name}\` doesn't exist!`);

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function parseId(v: unknown): PointId {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER) return v;
  if (typeof v === 'string' && UUID.test(v)) {
    const h = v.replaceAll('-', '').toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  throw formatError(`value ${JSON.stringify(v)} is not a valid point ID, valid values are either an unsigned integer or a UUID at line 1 column 1`);
}
const idKey = (id: PointId) => (typeof id === 'number' ? `n:${String(id).padStart(20, '0')}` : `u:${id}`);

function getPath(payload: Record<string, unknown>, key: string): unknown[] {
  // Qdrant keys are dotted paths; arrays along the way fan out (a match on any element counts).
  let cur: unknown[] = [payload];
  for (const part of key.split('.')) {
    const next: unknown[] = [];
    const name = part.endsWith('[]') ? part.slice(0, -2) : part;
    for (const c of cur) {
      if (c && typeof c === 'object' && !Array.isArray(c) && name in (c as object)) {
        const v = (c as Record<string, unknown>)[name];
        if (Array.isArray(v)) next.push(...v);
        else next.push(v);
      }
    }
    cur = next;
  }
  return cur;
}

function matchCondition(p: StoredPoint, cond: any): boolean {
  if (cond === null || typeof cond !== 'object' || Array.isArray(cond)) throw formatError('data did not match any variant of untagged enum Condition at line 1 column 1');
  if ('must' in cond || 'should' in cond || 'must_not' in cond || 'min_should' in cond) return matchFilter(p, cond);
  if ('has_id' in cond) return (cond.has_id as unknown[]).map(parseId).some((id) => idKey(id) === idKey(p.id));
  if ('is_empty' in cond) {
    const vals = getPath(p.payload, cond.is_empty.key).filter((v) => v !== null);
    return vals.length === 0;
  }
  if ('is_null' in cond) return getPath(p.payload, cond.is_null.key).some((v) => v === null);
  if ('nested' in cond) return getPath(p.payload, cond.nested.key).some((o) => o && typeof o === 'object' && matchFilter({ ...p, payload: o as Record<string, unknown> }, cond.nested.filter));
  if (typeof cond.key !== 'string') throw formatError('data did not match any variant of untagged enum Condition at line 1 column 1');
  const values = getPath(p.payload, cond.key);
  if (cond.match !== undefined) {
    const m = cond.match;
    if ('value' in m) {
      if (!['string', 'number', 'boolean'].includes(typeof m.value)) throw formatError('data did not match any variant of untagged enum Match at line 1 column 1');
      return values.some((v) => v === m.value);
    }
    if ('any' in m) return values.some((v) => (m.any as unknown[]).includes(v));
    if ('except' in m) return values.length > 0 && values.every((v) => !(m.except as unknown[]).includes(v));
    if ('text' in m) return values.some((v) => typeof v === 'string' && v.includes(m.text));
    throw formatError('data did not match any variant of untagged enum Match at line 1 column 1');
  }
  if (cond.range !== undefined) {
    const r = cond.range;
    return values.some((v) => typeof v === 'number' && (r.gt === undefined || v > r.gt) && (r.gte === undefined || v >= r.gte) && (r.lt === undefined || v < r.lt) && (r.lte === undefined || v <= r.lte));
  }
  throw formatError('data did not match any variant of untagged enum Condition at line 1 column 1');
}

function matchFilter(p: StoredPoint, filter: any): boolean {
  if (filter === undefined || filter === null) return true;
  if (typeof filter !== 'object' || Array.isArray(filter)) throw formatError('invalid type: expected struct Filter at line 1 column 1');
  for (const k of Object.keys(filter)) if (!['must', 'should', 'must_not', 'min_should'].includes(k)) throw formatError(`unknown field \`${k}\`, expected one of \`should\`, \`min_should\`, \`must\`, \`must_not\` at line 1 column 1`);
  const list = (v: unknown) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
  if (!list(filter.must).every((c) => matchCondition(p, c))) return false;
  if (list(filter.must_not).some((c) => matchCondition(p, c))) return false;
  const should = list(filter.should);
  if (should.length > 0 && !should.some((c) => matchCondition(p, c))) return false;
  return true;
}

function normalise(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return n === 0 ? v : v.map((x) => x / n);
}

function score(distance: Distance, a: number[], b: number[]): number {
  let s = 0;
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
      return s;
    case 'Euclid':
      for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
      return Math.sqrt(s);
    case 'Manhattan':
      for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
      return s;
  }
}

export async function startFakeQdrant(opts: { apiKey?: string } = {}): Promise<FakeQdrant> {
  const collections = new Map<string, Collection>();
  const requests: FakeQdrant['requests'] = [];
  let opId = 0;

  const col = (name: string) => {
    const c = collections.get(name);
    if (!c) throw notFound(name);
    return c;
  };
  const vectorOf = (c: Collection, raw: unknown, id: PointId): number[] | null => {
    if (c.size === null) {
      if (raw === undefined || (raw && typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0)) return null;
      throw wrongInput(`Not existing vector name error: `);
    }
    if (!Array.isArray(raw) || !raw.every((x) => typeof x === 'number')) {
      if (raw && typeof raw === 'object' && !Array.isArray(raw)) throw wrongInput(`Not existing vector name error: ${Object.keys(raw)[0] ?? ''}`);
      throw formatError(`data did not match any variant of untagged enum VectorStruct at line 1 column 1 (point ${String(id)})`);
    }
    if (raw.length !== c.size) throw wrongInput(`Vector dimension error: expected dim: ${c.size}, got ${raw.length}`);
    return c.distance === 'Cosine' ? normalise(raw as number[]) : (raw as number[]);
  };
  const sorted = (c: Collection) => [...c.points.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
  const withPayload = (p: StoredPoint, wp: unknown) => (wp === false ? null : p.payload);
  const render = (p: StoredPoint, body: any) => ({ id: p.id, payload: withPayload(p, body.with_payload ?? (body.__defaultPayload ?? true)), vector: body.with_vector ? (p.vector ?? {}) : null, shard_key: null, order_value: null });
  const updated = () => ({ operation_id: ++opId, status: 'completed' });

  function route(method: string, path: string, body: any): unknown {
    if (method === 'GET' && path === '/') return { title: 'qdrant - vector search engine', version: '1.18.0', commit: 'fake' };
    if (method === 'GET' && path === '/collections') return { collections: [...collections.keys()].map((name) => ({ name })) };
    const m = /^\/collections\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) throw new QdrantError(404, `Not found: ${path}`);
    const name = decodeURIComponent(m[1]!);
    const rest = m[2] ?? '';
    if (rest === '/exists' && method === 'GET') return { exists: collections.has(name) };
    if (rest === '') {
      if (method === 'GET') {
        const c = col(name);
        return { status: 'green', optimizer_status: 'ok', points_count: c.points.size, segments_count: 1, config: { params: { vectors: c.size === null ? {} : { size: c.size, distance: c.distance } } }, payload_schema: {} };
      }
      if (method === 'DELETE') return collections.delete(name);
      if (method === 'PUT') {
        if (!/^[A-Za-z0-9_.-]{1,255}$/.test(name)) throw wrongInput(`Validation error in path parameters: [name: collection name must not contain special characters]`);
        if (collections.has(name)) throw wrongInput(`Collection \`${name}\` already exists!`);
        const v = body?.vectors;
        if (v === undefined) throw formatError('missing field `vectors` at line 1 column 2');
        if (v && typeof v === 'object' && Object.keys(v).length === 0) {
          collections.set(name, { size: null, distance: null, points: new Map() });
          return true;
        }
        if (!Number.isInteger(v?.size) || v.size < 1) throw wrongInput('Validation error in JSON body: [vectors.size: value 0 invalid, must be 1 or larger]');
        if (!['Cosine', 'Dot', 'Euclid', 'Manhattan'].includes(v.distance)) throw formatError(`unknown variant \`${String(v.distance)}\`, expected one of \`Cosine\`, \`Euclid\`, \`Dot\`, \`Manhattan\` at line 1 column 1`);
        collections.set(name, { size: v.size, distance: v.distance, points: new Map() });
        return true;
      }
    }
    const c = col(name);
    if (rest === '/points' && method === 'PUT') {
      let pts: { id: unknown; vector: unknown; payload?: unknown }[];
      if (Array.isArray(body?.points)) pts = body.points;
      else if (body?.batch) pts = (body.batch.ids as unknown[]).map((id, i) => ({ id, vector: body.batch.vectors?.[i], payload: body.batch.payloads?.[i] }));
      else throw formatError('data did not match any variant of untagged enum PointInsertOperations at line 1 column 1');
      // Validate everything first: Qdrant rejects the whole request.
      const ready = pts.map((p) => {
        const id = parseId(p.id);
        const payload = p.payload ?? {};
        if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw formatError('invalid type: expected a map (payload) at line 1 column 1');
        return { id, vector: vectorOf(c, p.vector, id), payload: payload as Record<string, unknown> };
      });
      for (const p of ready) c.points.set(idKey(p.id), p);
      return updated();
    }
    if (rest === '/points' && method === 'POST') {
      if (!Array.isArray(body?.ids)) throw formatError('missing field `ids` at line 1 column 1');
      return (body.ids as unknown[]).map(parseId).flatMap((id) => {
        const p = c.points.get(idKey(id));
        return p ? [render(p, body)] : [];
      });
    }
    if (rest === '/points/delete' && method === 'POST') {
      if (Array.isArray(body?.points)) for (const id of body.points.map(parseId)) c.points.delete(idKey(id));
      else if (body?.filter) for (const [k, p] of [...c.points]) if (matchFilter(p, body.filter)) c.points.delete(k);
      else throw formatError('data did not match any variant of untagged enum PointsSelector at line 1 column 1');
      return updated();
    }
    if (rest === '/points/count' && method === 'POST') return { count: sorted(c).filter((p) => matchFilter(p, body?.filter)).length };
    if (rest === '/points/scroll' && method === 'POST') {
      const limit = body?.limit ?? 10;
      let all = sorted(c).filter((p) => matchFilter(p, body?.filter));
      if (body?.offset !== undefined && body.offset !== null) {
        const from = idKey(parseId(body.offset));
        all = all.filter((p) => idKey(p.id) >= from);
      }
      return { points: all.slice(0, limit).map((p) => render(p, body)), next_page_offset: all[limit]?.id ?? null };
    }
    if ((rest === '/points/query' || rest === '/points/search') && method === 'POST') {
      const q = rest === '/points/query' ? body?.query : body?.vector;
      if (c.size === null) throw wrongInput('Not existing vector name error: ');
      if (!Array.isArray(q)) throw formatError('data did not match any variant of untagged enum QueryInterface at line 1 column 1');
      if (q.length !== c.size) throw wrongInput(`Vector dimension error: expected dim: ${c.size}, got ${q.length}`);
      const qv = c.distance === 'Cosine' ? normalise(q) : q;
      const higherBetter = c.distance === 'Cosine' || c.distance === 'Dot';
      const scored = sorted(c)
        .filter((p) => p.vector && matchFilter(p, body?.filter))
        .map((p) => ({ p, s: score(c.distance!, qv, p.vector!) }))
        .sort((a, b) => (higherBetter ? b.s - a.s : a.s - b.s) || (idKey(a.p.id) < idKey(b.p.id) ? -1 : 1))
        .filter((x) => body?.score_threshold === undefined || (higherBetter ? x.s >= body.score_threshold : x.s <= body.score_threshold))
        .slice(body?.offset ?? 0, (body?.offset ?? 0) + (body?.limit ?? 10))
        .map(({ p, s }) => ({ id: p.id, version: 0, score: s, payload: withPayload(p, body?.with_payload ?? (rest === '/points/query' ? false : false)), vector: body?.with_vector ? p.vector : null, shard_key: null, order_value: null }));
      return rest === '/points/query' ? { points: scored } : scored;
    }
    throw new QdrantError(404, `Not found: ${method} ${path}`);
  }

  const sockets = new Set<Socket>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    for await (const ch of req) chunks.push(ch as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const time = () => (performance.now() - started) / 1000;
    let body: unknown;
    try {
      if (opts.apiKey && req.headers['api-key'] !== opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
        throw new QdrantError(401, 'Must provide an API key or an Authorization bearer token');
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      if (raw !== '') {
        try {
          body = JSON.parse(raw);
        } catch (e) {
          throw formatError(`${(e as Error).message} at line 1 column 1`);
        }
      }
      requests.push({ method: req.method ?? 'GET', path: url.pathname, body });
      const result = route(req.method ?? 'GET', url.pathname, body ?? {});
      send(200, { result, status: 'ok', time: time() });
    } catch (err) {
      if (err instanceof QdrantError) send(err.status, { status: { error: err.message }, time: time() });
      else send(500, { status: { error: `Service internal error: ${(err as Error).message}` }, time: time() });
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
