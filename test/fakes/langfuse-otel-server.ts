import { startFakeServer, type Fault, type FakeRequest, type Reply } from './fake-llm-server.js';

/**
 * A fake of Langfuse's OpenTelemetry ingestion endpoint, `POST /api/public/otel/v1/traces`.
 * Auth is HTTP Basic with public key : secret key, as Langfuse checks it. The body is OTLP/HTTP:
 * @langfuse/otel's exporter (OTLPTraceExporter from @opentelemetry/exporter-trace-otlp-http)
 * sends OTLP/JSON (`application/json`, ids as hex strings, int64 times as decimal strings),
 * gzip-compressed when OTEL_EXPORTER_OTLP_COMPRESSION=gzip. Langfuse also accepts
 * `application/x-protobuf` (the -proto exporter), so that is decoded too.
 */

export type ReceivedSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP attributes flattened to plain values (strings, numbers, booleans, arrays, objects). */
  attributes: Record<string, unknown>;
  /** Nanoseconds since the epoch, as a decimal string (int64 does not fit a JS number). */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  /** OTLP status: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  /** Instrumentation scope name (`langfuse-sdk` for spans made through @langfuse/tracing). */
  scope: string;
  resourceAttributes: Record<string, unknown>;
};

export type FakeLangfuse = {
  url: string;
  spans(): ReceivedSpan[];
  /** How many requests reached the endpoint (accepted or not). */
  readonly requests: number;
  enqueue(...faults: Fault[]): void;
  close(): Promise<void>;
};

const PATH = '/api/public/otel/v1/traces';

export async function startFakeLangfuse(opts: { publicKey: string; secretKey: string }): Promise<FakeLangfuse> {
  const received: ReceivedSpan[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${opts.publicKey}:${opts.secretKey}`).toString('base64')}`;
  const server = await startFakeServer({
    errorReply: (status, retryAfterSeconds) => ({
      status,
      headers: retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : undefined,
      body: { message: status === 429 ? 'Rate limit exceeded' : 'Internal Server Error' },
    }),
    handle: (req) => handle(req, expectedAuth, received),
  });
  return {
    url: server.url,
    spans: () => [...received],
    get requests() {
      return server.requests.length;
    },
    enqueue: server.enqueue,
    close: server.close,
  };
}

function handle(req: FakeRequest, expectedAuth: string, received: ReceivedSpan[]): Reply {
  if (req.path !== PATH) return { status: 404, body: { message: 'Not Found' } };
  if (req.method !== 'POST') return { status: 405, body: { message: 'Method Not Allowed' } };
  if (req.headers.authorization !== expectedAuth) {
    return { status: 401, body: { message: "Invalid credentials. Confirm that you've configured the correct host." } };
  }
  const type = String(req.headers['content-type'] ?? '');
  try {
    if (type.includes('application/x-protobuf')) {
      received.push(...decodeProtobufRequest(req.raw));
      // An empty ExportTraceServiceResponse is zero bytes on the wire.
      return { status: 200, headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.alloc(0) };
    }
    if (type.includes('application/json')) {
      if (req.jsonError || typeof req.json !== 'object' || req.json === null) throw new Error(`invalid JSON: ${req.jsonError ?? 'not an object'}`);
      received.push(...fromJsonRequest(req.json as JsonRequest));
      return { status: 200, body: {} };
    }
  } catch (err) {
    return { status: 400, body: { message: `Invalid OTLP payload: ${(err as Error).message}` } };
  }
  return { status: 415, body: { message: `Unsupported content type: ${type || '(none)'}` } };
}

// ---- OTLP/JSON ------------------------------------------------------------------------------

type JsonAnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: JsonAnyValue[] };
  kvlistValue?: { values?: JsonKeyValue[] };
};
type JsonKeyValue = { key: string; value?: JsonAnyValue };
type JsonSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: JsonKeyValue[];
  status?: { code?: number; message?: string };
};
type JsonRequest = {
  resourceSpans?: { resource?: { attributes?: JsonKeyValue[] }; scopeSpans?: { scope?: { name?: string }; spans?: JsonSpan[] }[] }[];
};

function fromJsonRequest(body: JsonRequest): ReceivedSpan[] {
  if (!Array.isArray(body.resourceSpans)) throw new Error('resourceSpans must be an array');
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans) {
    const resourceAttributes = jsonAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: jsonId(s.traceId, 16, 'traceId'),
          spanId: jsonId(s.spanId, 8, 'spanId'),
          ...(s.parentSpanId ? { parentSpanId: jsonId(s.parentSpanId, 8, 'parentSpanId') } : {}),
          name: s.name,
          attributes: jsonAttributes(s.attributes),
          startTimeUnixNano: String(s.startTimeUnixNano),
          endTimeUnixNano: String(s.endTimeUnixNano),
          status: { code: s.status?.code ?? 0, ...(s.status?.message ? { message: s.status.message } : {}) },
          scope: ss.scope?.name ?? '',
          resourceAttributes,
        });
      }
    }
  }
  return out;
}

/** OTLP/JSON ids are hex; generic protobuf-JSON would give base64, so accept both. */
function jsonId(id: string, bytes: number, field: string): string {
  if (typeof id === 'string' && new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(id)) return id.toLowerCase();
  const decoded = typeof id === 'string' ? Buffer.from(id, 'base64') : Buffer.alloc(0);
  if (decoded.length !== bytes) throw new Error(`${field} is not a ${bytes}-byte id`);
  return decoded.toString('hex');
}

function jsonAttributes(kvs: JsonKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of kvs ?? []) out[kv.key] = jsonValue(kv.value);
  return out;
}

function jsonValue(v: JsonAnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.bytesValue !== undefined) return new Uint8Array(Buffer.from(v.bytesValue, 'base64'));
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(jsonValue);
  if (v.kvlistValue) return jsonAttributes(v.kvlistValue.values);
  return undefined;
}

// ---- OTLP/protobuf (a minimal reader of the few messages a trace export uses) ---------------

type Field = { no: number; varint?: bigint; bytes?: Buffer };

function readFields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const no = tag >>> 3;
    const wire = tag & 7;
    const take = (n: number) => {
      if (pos + n > buf.length) throw new Error('truncated field');
      const b = buf.subarray(pos, pos + n);
      pos += n;
      return b;
    };
    if (wire === 0) out.push({ no, varint: varint() });
    else if (wire === 1) out.push({ no, bytes: take(8) });
    else if (wire === 2) out.push({ no, bytes: take(Number(varint())) });
    else if (wire === 5) out.push({ no, bytes: take(4) });
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const all = (fields: Field[], no: number) => fields.filter((f) => f.no === no && f.bytes).map((f) => f.bytes!);
const one = (fields: Field[], no: number) => all(fields, no).at(-1);
const str = (b: Buffer | undefined) => b?.toString('utf8') ?? '';

function decodeProtobufRequest(buf: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of all(readFields(buf), 1).map(readFields)) {
    const resource = one(rs, 1);
    const resourceAttributes = pbAttributes(resource ? all(readFields(resource), 1) : []);
    for (const ss of all(rs, 2).map(readFields)) {
      const scope = one(ss, 1);
      const scopeName = scope ? str(one(readFields(scope), 1)) : '';
      for (const s of all(ss, 2).map(readFields)) {
        const parent = one(s, 4);
        const status = one(s, 15) ? readFields(one(s, 15)!) : [];
        const statusMessage = str(one(status, 2));
        out.push({
          traceId: one(s, 1)?.toString('hex') ?? '',
          spanId: one(s, 2)?.toString('hex') ?? '',
          ...(parent && parent.length ? { parentSpanId: parent.toString('hex') } : {}),
          name: str(one(s, 5)),
          attributes: pbAttributes(all(s, 9)),
          startTimeUnixNano: (one(s, 7)?.readBigUInt64LE() ?? 0n).toString(),
          endTimeUnixNano: (one(s, 8)?.readBigUInt64LE() ?? 0n).toString(),
          status: { code: Number(status.find((f) => f.no === 3)?.varint ?? 0n), ...(statusMessage ? { message: statusMessage } : {}) },
          scope: scopeName,
          resourceAttributes,
        });
      }
    }
  }
  return out;
}

function pbAttributes(keyValues: Buffer[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of keyValues.map(readFields)) {
    const value = one(kv, 2);
    out[str(one(kv, 1))] = value ? pbValue(value) : undefined;
  }
  return out;
}

function pbValue(buf: Buffer): unknown {
  const f = readFields(buf).at(-1);
  if (!f) return undefined;
  switch (f.no) {
    case 1: return str(f.bytes);
    case 2: return f.varint !== 0n;
    case 3: return Number(BigInt.asIntN(64, f.varint ?? 0n));
    case 4: return f.bytes!.readDoubleLE();
    case 5: return all(readFields(f.bytes!), 1).map(pbValue);
    case 6: return pbAttributes(all(readFields(f.bytes!), 1));
    case 7: return new Uint8Array(f.bytes!);
    default: return undefined;
  }
}
