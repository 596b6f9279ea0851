import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { invalidatePrompt } from '../prompts/prompt-source.js';
import { verifySignature } from './verify-signature.js';

export type WebhookOptions = {
  secret: string;
  maxBodyBytes: number;
  toleranceS: number;
  logger: Logger;
  /**
   * Called for each new delivery until it succeeds: a failure answers 502, so Langfuse retries
   * it, and a retry of a delivery handled already is answered without calling this again.
   */
  onPromptVersion?: (event: { name: string; version?: number; labels?: string[]; action?: string }) => Promise<void>;
};

class TooLarge extends Error {}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw new TooLarge();
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > max) throw new TooLarge();
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/** The handler, apart from listening, so tests can serve it on an ephemeral port. */
export function createWebhookServer(opts: WebhookOptions): Server {
  // Langfuse retries deliveries: remember what was handled (bounded), answer retries 200 at once.
  const handled = new Map<string, number>();
  // Deliveries being handled now: a copy arriving meanwhile must not do the work a second time.
  const inFlight = new Set<string>();
  const reply = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  return createServer(async (req, res) => {
    try {
      if (req.method !== 'POST') return reply(res, 405, { error: 'POST only' });
      let raw: Buffer;
      try {
        raw = await readBody(req, opts.maxBodyBytes);
      } catch (err) {
        if (err instanceof TooLarge) {
          res.setHeader('connection', 'close');
          return reply(res, 413, { error: `body larger than ${opts.maxBodyBytes} bytes` });
        }
        throw err;
      }
      const sig = req.headers['x-langfuse-signature'];
      const check = verifySignature(Array.isArray(sig) ? sig[0] : sig, raw, opts.secret, opts.toleranceS);
      if (!check.ok) {
        opts.logger.warn(`webhook: 401 (${check.reason})`);
        return reply(res, 401, { error: check.reason });
      }
      let event: Record<string, any>;
      try {
        event = JSON.parse(raw.toString('utf8'));
      } catch {
        return reply(res, 400, { error: 'body is not JSON' });
      }
      if (!event || typeof event !== 'object' || Array.isArray(event)) return reply(res, 400, { error: 'body is not a JSON object' });
      const deliveryId = signedDeliveryId(event, raw);
      if (handled.has(deliveryId)) return reply(res, 200, { ok: true, duplicate: true });
      if (inFlight.has(deliveryId)) return reply(res, 409, { error: 'this delivery is being handled; retry later' });
      const prompt = event.prompt ?? event.payload?.prompt ?? event.data?.prompt ?? event;
      const name = typeof prompt?.name === 'string' ? prompt.name : undefined;
      if (!name) return reply(res, 400, { error: 'no prompt name in the event' });
      inFlight.add(deliveryId);
      try {
        const dropped = invalidatePrompt(name);
        opts.logger.info(`webhook: prompt ${name} v${prompt.version ?? '?'} (${event.action ?? event.type ?? 'event'}): cache entries dropped ${dropped}`);
        try {
          await opts.onPromptVersion?.({ name, version: prompt.version, labels: prompt.labels, action: event.action ?? event.type });
        } catch (err) {
          // Not marked handled: the sender retries, and the retry notifies (dropping the cache again is harmless).
          opts.logger.warn(`webhook: notify failed: ${errorMessage(err)}`);
          return reply(res, 502, { error: 'notify failed; retry later', invalidated: dropped });
        }
        handled.set(deliveryId, Date.now());
        if (handled.size > 10_000) handled.delete(handled.keys().next().value!);
        return reply(res, 200, { ok: true, invalidated: dropped });
      } finally {
        inFlight.delete(deliveryId);
      }
    } catch (err) {
      opts.logger.error(`webhook: ${errorMessage(err)}`);
      if (!res.headersSent) reply(res, 500, { error: 'internal error' });
    }
  });
}

/**
 * What tells one delivery from another, taken from what the signature covers: the event's own
 * id, else the body's hash. Never the `x-langfuse-delivery-id` header: it is not signed, so a
 * captured body replayed with a new header value would be taken for a new delivery.
 */
function signedDeliveryId(event: Record<string, unknown>, raw: Buffer): string {
  const id = event.id;
  if ((typeof id === 'string' && id !== '') || typeof id === 'number') return `id:${id}`;
  return `body:${createHash('sha256').update(raw).digest('hex')}`;
}

/** Starts listening on host:port (0: any free port); resolves with the port it got. */
export async function listenWebhook(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}

export const closeWebhook = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** `monitor webhook`: serves until the signal fires; `onListening` learns the port (0 picks one). */
export async function serveWebhook(opts: WebhookOptions & { port: number; host: string; signal: AbortSignal; onListening(port: number): void }): Promise<void> {
  const server = createWebhookServer(opts);
  opts.onListening(await listenWebhook(server, opts.port, opts.host));
  await new Promise<void>((resolve) => opts.signal.addEventListener('abort', () => resolve(), { once: true }));
  await closeWebhook(server);
}
