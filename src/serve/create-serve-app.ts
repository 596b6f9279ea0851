import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { VERSION } from '../core/version.js';
import { UsageError } from '../core/errors.js';
import { registerAuth } from './auth-routes.js';
import { registerChatRoute } from './chat-route.js';
import { closeGracefully, trackConnections } from './graceful-close.js';
import { HttpError } from './http-errors.js';
import { SHARED_SCHEMAS } from './http-schemas.js';
import { createTokenIssuer } from './jwt-tokens.js';
import { createServeMetrics, type ServeMetrics } from './serve-metrics.js';
import type { ServeDeps } from './serve-types.js';
import { registerServiceRoutes } from './service-routes.js';
import { registerSessionRoutes } from './session-routes.js';
import { TurnRegistry } from './turn-control.js';

/** The status a request is counted under when its client closed the connection before the answer was sent. */
const CLIENT_CLOSED = 499;

// Fastify (over Hono or bare node:http): the limits a public service needs are built in and
// tested upstream — body limit (413), request timeouts, JSON-schema validation of every body
// that also generates /openapi.json (@fastify/swagger), per-user rate limits
// (@fastify/rate-limit), graceful close() that finishes requests in flight, and inject() for
// tests — and it streams a Node stream as a response without buffering it.

export type ServeApp = {
  app: FastifyInstance;
  metrics: ServeMetrics;
  turns: TurnRegistry;
  /** Graceful: see closeGracefully. */
  close(graceMs: number): Promise<void>;
};

/** The whole service, not yet listening (tests `inject()` into it or listen on port 0). */
export async function createServeApp(deps: ServeDeps): Promise<ServeApp> {
  const { options } = deps;
  const app = Fastify({
    // Our logger (stderr, redacted), one line per failure; no per-request JSON lines.
    logger: false,
    bodyLimit: options.bodyLimitBytes,
    // Receiving a request's headers and body: a client that trickles them is cut off.
    requestTimeout: options.requestTimeoutMs,
    ...(options.trustedProxies.length > 0 ? { trustProxy: options.trustedProxies.join(',') } : {}),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  const metrics = createServeMetrics();
  const turns = new TurnRegistry();
  for (const s of SHARED_SCHEMAS) app.addSchema(s);
  setErrorHandling(app, deps);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });
  const counted = (request: FastifyRequest, status: number, seconds: number) => {
    const route = request.routeOptions.url ?? 'unmatched'; // not the raw path: ids would explode the label set
    metrics.request(request.method, route, status, seconds);
    deps.logger.debug(`serve: ${request.method} ${route} ${status} ${Math.round(seconds * 1000)}ms${request.user ? ` user=${request.user}` : ''}`);
  };
  const answered = new WeakSet<FastifyRequest>();
  app.addHook('onResponse', async (request, reply) => {
    answered.add(request);
    counted(request, reply.statusCode, reply.elapsedTime / 1000);
  });
  // onResponse runs when a response finishes, never for one whose client went away first (a
  // stream or a JSON answer left behind): those are counted as 499, nginx's "client closed
  // request". A finished response closes too, just after: looked at once onResponse has run.
  app.addHook('onRequest', async (request, reply) => {
    reply.raw.once('close', () =>
      setImmediate(() => {
        if (!answered.has(request)) counted(request, CLIENT_CLOSED, reply.elapsedTime / 1000);
      }),
    );
  });

  const { default: swagger } = await import('@fastify/swagger');
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'llmops serve', version: VERSION, description: 'Answers over your documents, with sessions and history. Log in with POST /auth/token, then send the token as `Authorization: Bearer <token>`.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  if (options.corsOrigins.length > 0) {
    const { default: cors } = await import('@fastify/cors');
    await app.register(cors, { origin: options.corsOrigins, methods: ['GET', 'POST', 'DELETE'], allowedHeaders: ['authorization', 'content-type', 'accept'], maxAge: 600 });
  }
  const { default: rateLimit } = await import('@fastify/rate-limit');
  await app.register(rateLimit, {
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.windowMs,
    // Runs after the auth hook: a logged-in caller is counted by account, wherever she
    // connects from; before login (POST /auth/token) by address.
    keyGenerator: (request) => (request.user ? `user:${request.user}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => new HttpError(429, `too many requests: at most ${context.max} per ${windowName(options.rateLimit.windowMs)}; retry in ${Math.ceil(context.ttl / 1000)}s`),
  });

  registerAuth(app, deps, createTokenIssuer(deps.secret, options.tokenTtlSeconds));
  registerSessionRoutes(app, deps);
  registerChatRoute(app, deps, turns, metrics);
  registerServiceRoutes(app, deps, metrics);
  const connections = trackConnections(app.server);
  return { app, metrics, turns, close: (graceMs) => closeGracefully({ app, turns, connections }, { graceMs, logger: deps.logger }) };
}

const windowName = (ms: number) => ({ 1000: 'second', 60_000: 'minute', 3_600_000: 'hour' })[ms] ?? `${ms / 1000}s`;

function setErrorHandling(app: FastifyInstance, deps: ServeDeps): void {
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ error: err.message });
    if (err.validation) {
      // "body/question must NOT have fewer than 1 characters": names the field.
      const v = err.validation[0];
      const where = `${err.validationContext ?? 'body'}${v?.instancePath ?? ''}`;
      const what = v?.keyword === 'additionalProperties' ? `has an unknown field "${String(v.params.additionalProperty)}"` : (v?.message ?? 'is invalid');
      return reply.code(400).send({ error: `${where} ${what}` });
    }
    if (err instanceof UsageError) return reply.code(400).send({ error: err.message });
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ error: `body larger than ${deps.options.bodyLimitBytes} bytes (the server's --body-limit)` });
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      deps.logger.error(`serve: ${request.method} ${request.routeOptions.url ?? request.url}: ${err.message}`);
      return reply.code(500).send({ error: 'internal error (the server log has the details)' });
    }
    // Fastify's own client errors (413 body too large, 415, malformed JSON): their message is one line.
    return reply.code(status).send({ error: err.message });
  });
}
