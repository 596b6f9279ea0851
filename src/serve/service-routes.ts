import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { errorMessage } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { errorResponses, ref, searchBody } from './http-schemas.js';
import { HttpError, userOf } from './http-errors.js';
import type { ServeMetrics } from './serve-metrics.js';
import type { SearchRequest, ServeDeps } from './serve-types.js';

// A readiness probe that hangs is worse than one that fails: each check gets this long.
const CHECK_TIMEOUT_MS = 3000;

// The page is one file with its script and style inline and talks only to this server.
// The header repeats the page's own policy (its script allowed by hash, kept current by
// scripts/update-chat-csp.mjs) and adds what a <meta> policy cannot say: no framing. A page
// without a policy of its own gets no script at all.
const FALLBACK_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

function pagePolicy(page: string): string {
  const own = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/i.exec(page)?.[1] ?? FALLBACK_POLICY;
  return `${own}; frame-ancestors 'none'`;
}

async function runCheck(check: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000}s`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), late]);
    return 'ok';
  } catch (err) {
    // A driver's message may quote its URL, password included.
    return redactText(errorMessage(err)).split('\n')[0] || 'failed';
  } finally {
    clearTimeout(timer);
  }
}

const statusBody = (statuses: string[]) => ({ type: 'object', properties: { status: { type: 'string', enum: statuses } }, required: ['status'] });

export function registerServiceRoutes(app: FastifyInstance, deps: ServeDeps, metrics: ServeMetrics): void {
  const probe = { public: true, rateLimit: false };

  app.post(
    '/search',
    {
      schema: {
        summary: 'Search a collection (every embedded one when none is named), as `llmops inspect search --json` does',
        body: searchBody,
        response: { 200: { type: 'object', properties: { results: { type: 'array', items: ref('SearchResult') } }, required: ['results'] }, ...errorResponses(400, 401, 413, 429) },
      },
    },
    async (request) => {
      userOf(request);
      return { results: await deps.search(request.body as SearchRequest) };
    },
  );

  app.get('/healthz', { config: probe, schema: { summary: 'The process answers', security: [], response: { 200: statusBody(['ok']) } } }, async () => ({ status: 'ok' }));

  const readiness = {
    type: 'object',
    properties: { status: { type: 'string', enum: ['ready', 'not ready'] }, checks: { type: 'object', additionalProperties: { type: 'string' } } },
    required: ['status', 'checks'],
  };
  app.get(
    '/readyz',
    { config: probe, schema: { summary: 'The stores are reachable: each check "ok" or its error; 503 when one fails', security: [], response: { 200: readiness, 503: readiness } } },
    async (_request, reply) => {
      const names = Object.keys(deps.checks);
      const results = await Promise.all(names.map((n) => runCheck(deps.checks[n]!)));
      const checks = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
      const ready = results.every((r) => r === 'ok');
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
    },
  );

  app.get('/metrics', { config: probe, schema: { summary: 'Prometheus metrics (text exposition format)', security: [], hide: true } }, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/openapi.json', { config: probe, schema: { hide: true } }, async () => app.swagger());

  app.get('/', { config: { public: true }, schema: { summary: 'The chat page', security: [], hide: true } }, async (_request, reply) => {
    let page: string;
    try {
      page = await readFile(deps.pagePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      throw new HttpError(404, 'no chat page in this install (assets/chat.html is missing); the API works without it: see /openapi.json');
    }
    return reply.type('text/html; charset=utf-8').header('content-security-policy', pagePolicy(page)).header('referrer-policy', 'no-referrer').send(page);
  });
}
