import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { modelIs } from './model-filter.js';
import type { Database } from './types.js';

// The response cache (the llm_cache table) for `llmops cache stats | clear`. An entry knows its
// provider and model; its task is that of the call it came from (none when calls were not stored).

/** One task/model's share of the cache; `hits` counts stored results answered from it. */
export type CacheGroup = { task: string | null; provider: string; model: string; entries: number; bytes: number; hits: number; oldest: string; newest: string };

export async function cacheGroups(db: Kysely<Database>): Promise<CacheGroup[]> {
  const hits = db
    .selectFrom('results')
    .select(['llm_call_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('cached', '=', 1)
    .where('llm_call_id', 'is not', null)
    .groupBy('llm_call_id')
    .as('h');
  const rows = await db
    .selectFrom('llm_cache as k')
    .leftJoin('llm_calls as c', 'c.id', 'k.llm_call_id')
    .leftJoin(hits, 'h.llm_call_id', 'k.llm_call_id')
    .select((eb) => [
      'c.task',
      'k.provider',
      'k.model',
      eb.fn.countAll<number>().as('entries'),
      // Bytes, not characters, on both engines: what the entries weigh on disk, roughly.
      sql<number>`sum(octet_length(k.key) + octet_length(k.response))`.as('bytes'),
      sql<number>`coalesce(sum(h.n), 0)`.as('hits'),
      eb.fn.min('k.created_at').as('oldest'),
      eb.fn.max('k.created_at').as('newest'),
    ])
    .groupBy(['c.task', 'k.provider', 'k.model'])
    .execute();
  return rows
    .map((r) => ({ ...r, entries: Number(r.entries), bytes: Number(r.bytes), hits: Number(r.hits) }))
    .sort((a, b) => b.entries - a.entries || `${a.task}/${a.provider}/${a.model}`.localeCompare(`${b.task}/${b.provider}/${b.model}`));
}

/** Which entries: kept before an ISO instant, of a task, of a model (`model` or `provider/model`). */
export type CacheSelection = { before?: string; task?: string; model?: string };

function selected(eb: ExpressionBuilder<Database, 'llm_cache'>, s: CacheSelection): Expression<SqlBool> {
  const all: Expression<SqlBool>[] = [];
  if (s.before !== undefined) all.push(eb('created_at', '<', s.before));
  if (s.model !== undefined) all.push(modelIs(eb, s.model));
  if (s.task !== undefined) all.push(eb('llm_call_id', 'in', eb.selectFrom('llm_calls').select('id').where('task', '=', s.task)));
  return eb.and(all);
}

export async function countCacheEntries(db: Kysely<Database>, s: CacheSelection): Promise<number> {
  const row = await db
    .selectFrom('llm_cache')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => selected(eb, s))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Removes cache entries only: the calls they came from and the results stay. */
export async function deleteCacheEntries(db: Kysely<Database>, s: CacheSelection): Promise<number> {
  const res = await db
    .deleteFrom('llm_cache')
    .where((eb) => selected(eb, s))
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
