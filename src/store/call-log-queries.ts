import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import { readJson } from './json-column.js';
import { modelIs } from './model-filter.js';
import type { Database } from './types.js';

// Reading the call log (the llm_calls table) for `inspect calls`: lists, totals, one call whole.

/** Which calls: of a task, of a model (`model` or `provider/model`), since an ISO instant, ok, failed or cancelled. */
export type CallFilter = { task?: string; model?: string; since?: string; status?: CallStatus };

export type CallStatus = 'ok' | 'failed' | 'cancelled';

/** The table says `error`; people and `--status` say failed, as results do. A cancelled call (its caller stopped it) did not fail. */
const callStatus = (stored: string): CallStatus => (stored === 'ok' || stored === 'cancelled' ? stored : 'failed');

function matching(eb: ExpressionBuilder<Database, 'llm_calls'>, f: CallFilter): Expression<SqlBool> {
  const all: Expression<SqlBool>[] = [];
  if (f.task !== undefined) all.push(eb('task', '=', f.task));
  if (f.model !== undefined) all.push(modelIs(eb, f.model));
  if (f.since !== undefined) all.push(eb('created_at', '>=', f.since));
  if (f.status === 'failed') all.push(eb('status', 'not in', ['ok', 'cancelled']));
  else if (f.status !== undefined) all.push(eb('status', '=', f.status));
  return eb.and(all);
}

/** The newest `limit` calls that match, newest first. */
export async function listCalls(db: Kysely<Database>, f: CallFilter & { limit: number }) {
  const rows = await db
    .selectFrom('llm_calls')
    .select(['id', 'created_at', 'provider', 'model', 'task', 'status', 'input_tokens', 'output_tokens', 'latency_ms', 'cost_usd', 'trace_id'])
    .where((eb) => matching(eb, f))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit)
    .execute();
  return rows.map((r) => ({ ...r, status: callStatus(r.status), latency_ms: Math.round(Number(r.latency_ms)), cost_usd: Number(r.cost_usd) }));
}

/** Totals over every matching call (not only the listed ones): tokens, latency, cost. */
export async function callTotals(db: Kysely<Database>, f: CallFilter) {
  const rows = await db.selectFrom('llm_calls').select(['latency_ms', 'input_tokens', 'output_tokens', 'cost_usd', 'status']).where((eb) => matching(eb, f)).execute();
  const lat = rows.map((r) => Number(r.latency_ms)).sort((a, b) => a - b);
  const pct = (p: number) => (lat.length === 0 ? 0 : lat[Math.min(lat.length - 1, Math.max(0, Math.ceil(p * lat.length) - 1))]!);
  return {
    calls: rows.length,
    failed: rows.filter((r) => callStatus(r.status) === 'failed').length,
    cancelled: rows.filter((r) => r.status === 'cancelled').length,
    input_tokens: rows.reduce((s, r) => s + Number(r.input_tokens), 0),
    output_tokens: rows.reduce((s, r) => s + Number(r.output_tokens), 0),
    cost_usd: Number(rows.reduce((s, r) => s + Number(r.cost_usd), 0).toFixed(6)),
    latency_ms_mean: lat.length === 0 ? 0 : Math.round(lat.reduce((s, x) => s + x, 0) / lat.length),
    latency_ms_p50: Math.round(pct(0.5)),
    latency_ms_p95: Math.round(pct(0.95)),
  };
}

/** What `ref` names: one call, every call of one trace, none, or several things (an ambiguous prefix). */
export type CallLookup = { ids: string[] } | { ambiguous: number };

const AMBIGUITY_SCAN = 1000;

/**
 * A call by its id, the calls of a trace by the trace id (oldest first: a re-ask follows the
 * answer it re-asks), or either by a unique prefix of the id, as git takes a short hash.
 */
export async function findCalls(db: Kysely<Database>, ref: string): Promise<CallLookup> {
  const exact = await db.selectFrom('llm_calls').select('id').where('id', '=', ref).execute();
  if (exact.length > 0) return { ids: [ref] };
  const trace = await callsOfTrace(db, ref);
  if (trace.length > 0) return { ids: trace };
  const n = ref.length;
  const prefixed = await db
    .selectFrom('llm_calls')
    .select(['id', 'trace_id'])
    .where((eb) => eb.or([eb(eb.fn('substr', ['id', eb.val(1), eb.val(n)]), '=', ref), eb(eb.fn('substr', ['trace_id', eb.val(1), eb.val(n)]), '=', ref)]))
    .limit(AMBIGUITY_SCAN)
    .execute();
  // A row may match twice (its id and its trace id both begin with ref): both are named.
  const named = new Set(prefixed.flatMap((r) => [...(r.id.startsWith(ref) ? [`call ${r.id}`] : []), ...(r.trace_id.startsWith(ref) ? [`trace ${r.trace_id}`] : [])]));
  if (named.size > 1) return { ambiguous: named.size };
  const [only] = named;
  if (only === undefined) return { ids: [] };
  return only.startsWith('call ') ? { ids: [only.slice(5)] } : { ids: await callsOfTrace(db, only.slice(6)) };
}

async function callsOfTrace(db: Kysely<Database>, traceId: string): Promise<string[]> {
  const rows = await db.selectFrom('llm_calls').select('id').where('trace_id', '=', traceId).orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => r.id);
}

/**
 * The calls whole, in the order of `ids`: what was sent (system, messages, parameters), what
 * came back (response, usage, finish reason, the provider's raw answer), what hooks noted
 * (the guard's repaired answer, the error), whether the response cache keeps the answer, and
 * the results that link to the call (one that came from the cache says so).
 */
export async function callDetails(db: Kysely<Database>, ids: string[]) {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('llm_calls').selectAll().where('id', 'in', ids).execute();
  const kept = new Set((await db.selectFrom('llm_cache').select('llm_call_id').where('llm_call_id', 'in', ids).execute()).map((r) => r.llm_call_id));
  const results = await db
    .selectFrom('results')
    .select(['id', 'llm_call_id', 'sentence_id', 'task', 'task_version', 'status', 'label', 'confidence', 'value', 'error', 'cached', 'created_at'])
    .where('llm_call_id', 'in', ids)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [
      {
        id: r.id,
        trace_id: r.trace_id,
        created_at: r.created_at,
        task: r.task,
        provider: r.provider,
        model: r.model,
        status: callStatus(r.status),
        finish_reason: r.finish_reason,
        input_tokens: Number(r.input_tokens),
        output_tokens: Number(r.output_tokens),
        cost_usd: Number(r.cost_usd),
        latency_ms: Math.round(Number(r.latency_ms)),
        time_to_first_token_ms: r.time_to_first_token_ms === null ? null : Math.round(Number(r.time_to_first_token_ms)),
        parameters: readJson(r.parameters),
        system: r.system,
        messages: readJson<{ role: string; content: string }[]>(r.messages),
        response: r.response,
        repaired_from: r.repaired_from,
        error: r.error,
        raw: r.raw === null ? null : readJson<unknown>(r.raw),
        in_cache: kept.has(r.id),
        results: results.filter((x) => x.llm_call_id === id).map(({ llm_call_id: _, ...x }) => ({ ...x, value: x.value === null ? null : readJson(x.value), cached: Boolean(x.cached) })),
      },
    ];
  });
}

export type CallDetail = Awaited<ReturnType<typeof callDetails>>[number];
