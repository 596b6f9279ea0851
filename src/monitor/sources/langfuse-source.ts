import { UsageError } from '../../core/errors.js';
import { redactUrl } from '../../core/redact.js';
import type { SourceConfig } from '../monitor-config.js';
import type { SourceItem, SourceProblem } from '../types.js';
import { pageCursors } from './page-cursors.js';
import { retryAfterSeconds, waitRetryAfter } from './retry-after.js';

type LangfuseSourceConfig = Extract<SourceConfig, { type: 'langfuse' }>;

/**
 * Observations from the Langfuse public API (GET /api/public/v2/observations, cursor paged)
 * through @langfuse/client. Filters on name, type, user, session, environment and time go as
 * query parameters; tags need the `filter` JSON, which then carries every condition (the API
 * lets it take precedence over the query parameters). On `signal` the request in flight and any
 * wait end at once and the source ends, as after an interrupt.
 */
export async function* langfuseSource(cfg: LangfuseSourceConfig, sinceMs?: number, signal?: AbortSignal): AsyncGenerator<SourceItem | SourceProblem> {
  for (const v of ['LANGFUSE_PUBLIC_KEY', 'LANGFUSE_SECRET_KEY']) if (!process.env[v]) throw new UsageError(`source langfuse: ${v} is not set`);
  const { LangfuseClient } = await import('@langfuse/client');
  const { langfuseFailure } = await import('../../llm/langfuse-errors.js');
  const baseUrl = cfg.base_url ?? process.env.LANGFUSE_BASE_URL ?? process.env.LANGFUSE_HOST;
  const client = new LangfuseClient({ baseUrl });
  const from = cfg.from ?? (sinceMs !== undefined ? new Date(Date.now() - sinceMs).toISOString() : undefined);
  const query: Record<string, unknown> = {
    fields: 'core,basic,time,io,metadata,model,metrics,trace_context',
    limit: cfg.page_size,
    name: cfg.name,
    type: cfg.type_filter,
    userId: cfg.user_id,
    sessionId: cfg.session_id,
    environment: cfg.environment,
    fromStartTime: from,
    toStartTime: cfg.to,
  };
  if (cfg.tags?.length) {
    const f: Record<string, unknown>[] = [{ type: 'arrayOptions', column: 'tags', operator: 'all of', value: cfg.tags }];
    if (cfg.name) f.push({ type: 'string', column: 'name', operator: '=', value: cfg.name });
    if (cfg.type_filter) f.push({ type: 'string', column: 'type', operator: '=', value: cfg.type_filter });
    if (cfg.user_id) f.push({ type: 'string', column: 'userId', operator: '=', value: cfg.user_id });
    if (cfg.session_id) f.push({ type: 'string', column: 'sessionId', operator: '=', value: cfg.session_id });
    if (cfg.environment) f.push({ type: 'string', column: 'environment', operator: '=', value: cfg.environment });
    if (from) f.push({ type: 'datetime', column: 'startTime', operator: '>=', value: from });
    if (cfg.to) f.push({ type: 'datetime', column: 'startTime', operator: '<', value: cfg.to });
    query.filter = JSON.stringify(f);
  }
  const service = `source langfuse: Langfuse at ${redactUrl(baseUrl ?? 'https://cloud.langfuse.com')}`;
  const cursors = pageCursors(service);
  let cursor: string | undefined;
  let n = 0;
  do {
    let page;
    for (let attempt = 0; ; attempt++) {
      try {
        // The SDK's own retries sleep up to a minute each, deaf to the signal: ours below are not.
        page = await client.api.observations.getMany({ ...(query as object), cursor } as Parameters<typeof client.api.observations.getMany>[0], { abortSignal: signal, maxRetries: 0 });
        break;
      } catch (err) {
        if (signal?.aborted) return;
        const wait = retryDelay(err, attempt);
        if (wait === undefined) throw langfuseFailure(err, 'source langfuse', baseUrl);
        if (!(await waitRetryAfter(wait, service, signal))) return;
      }
    }
    for (const o of page.data) {
      const latencyMs =
        typeof o.latency === 'number' ? o.latency * 1000 : o.endTime ? Date.parse(o.endTime) - Date.parse(o.startTime) : undefined;
      yield { raw: { ...o, latencyMs }, where: `langfuse observation ${o.id}` };
      if (++n >= cfg.max_fetch) return;
    }
    cursor = cursors.next(page.meta?.cursor ?? undefined, page.data.length);
  } while (cursor && !signal?.aborted);
}

const RETRIES = 2;

/** Seconds to wait before retrying a failed page (408, 429, 5xx; what retry-after asks, else 1 s, 2 s), or undefined: give up. */
function retryDelay(err: unknown, attempt: number): number | undefined {
  const e = err as { statusCode?: unknown; rawResponse?: { headers?: { get?(name: string): string | null } } };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined || attempt >= RETRIES || !(status === 408 || status === 429 || status >= 500)) return undefined;
  return retryAfterSeconds(e.rawResponse?.headers?.get?.('retry-after')) ?? 2 ** attempt;
}
