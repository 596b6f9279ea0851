import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { Database } from './types.js';
import type { Engine } from './database.js';
import { readJson, writeJson } from './json-column.js';
import type { CacheEntry, CallLogRow } from './call-log-types.js';
import { insertCacheEntries, insertCallRows } from './llm-calls-repo.js';
import { withSentenceTexts } from './sentences-repo.js';

export type PendingSentence = { id: string; text: string; document_id: string; index: number };

/** The successful result of sentence `s` for this task and version (a failed one does not count). */
function okResultOf(eb: ExpressionBuilder<Database & { s: Database['sentences'] }, 's'>, task: string, version: number) {
  return eb
    .selectFrom('results as r')
    .select('r.id')
    .whereRef('r.sentence_id', '=', 's.id')
    .where('r.task', '=', task)
    .where('r.task_version', '=', version)
    .where('r.status', '=', 'ok');
}

/**
 * Up to `limit` sentences without a successful result for this task and version, in id order
 * after `afterId`; `filter` is the work queue's (sentences no other worker holds).
 */
export async function sentencesWithoutResult(
  db: Kysely<Database>,
  opts: { task: string; version: number; limit: number; afterId?: string; filter?: Expression<SqlBool> },
): Promise<PendingSentence[]> {
  let q = db
    .selectFrom('sentences as s')
    .select(['s.id', 's.document_id', 's.idx', 's.start_offset', 's.end_offset'])
    .where((eb) => eb.not(eb.exists(okResultOf(eb, opts.task, opts.version))))
    .orderBy('s.id')
    .limit(opts.limit);
  if (opts.afterId !== undefined) q = q.where('s.id', '>', opts.afterId);
  if (opts.filter) q = q.where(opts.filter);
  const { rows, texts } = await withSentenceTexts(db, () => q.execute());
  return rows.map((c, i) => ({ id: c.id, text: texts[i]!, document_id: c.document_id, index: c.idx }));
}

/** Which of these sentences still have no successful result for this task and version. */
export async function withoutResultAmong(db: Kysely<Database>, ids: string[], task: string, version: number): Promise<string[]> {
  const answered = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('results')
      .select('sentence_id')
      .where('task', '=', task)
      .where('task_version', '=', version)
      .where('status', '=', 'ok')
      .where('sentence_id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) answered.add(r.sentence_id);
  }
  return ids.filter((id) => !answered.has(id));
}

export type ResultRow = {
  id: string;
  sentence_id: string;
  task: string;
  task_version: number;
  status: 'ok' | 'failed';
  label: string | null;
  confidence: number | null;
  value: unknown;
  error: string | null;
  provider: string;
  model: string;
  trace_id: string;
  llm_call_id: string | null;
  cached: boolean;
  created_at: string;
};

/**
 * Stores results with the call-log rows and cache entries they link to, in one transaction:
 * after a kill, a result has its call row and its cache entry, or none of the three exists and
 * the sentence is simply asked again. `within` runs in the same transaction (the work queue's
 * completion). A failed result may later be replaced by a successful one; a successful one is
 * never replaced.
 */
export async function saveResults(
  db: Kysely<Database>,
  rows: ResultRow[],
  linked: { calls: CallLogRow[]; cache: CacheEntry[] } = { calls: [], cache: [] },
  opts: { within?: (trx: Kysely<Database>) => Promise<void>; engine?: Engine } = {},
): Promise<void> {
  if (rows.length === 0 && linked.calls.length === 0 && linked.cache.length === 0) return;
  await db.transaction().execute(async (trx) => {
    // Calls first: results and cache entries name them.
    await insertCallRows(trx, linked.calls);
    await insertCacheEntries(trx, linked.cache);
    const alive = await liveSentences(trx, opts.engine ?? 'sqlite', rows.map((r) => r.sentence_id));
    const kept = rows.filter((r) => alive.has(r.sentence_id));
    for (let i = 0; i < kept.length; i += 500) await upsertResults(trx, kept.slice(i, i + 500));
    await opts.within?.(trx);
  });
}

/**
 * Which of these sentences still exist. An ingest that changes a document deletes its sentences
 * (split makes them again): a result for one of them has nothing left to belong to, and its
 * insert failed the whole run (FOREIGN KEY constraint failed). On PostgreSQL the rows kept are
 * locked (key share) until the commit; one an ingest holds is skipped, not waited for: waiting
 * closed a cycle with it (deadlock detected).
 */
async function liveSentences(trx: Kysely<Database>, engine: Engine, ids: string[]): Promise<Set<string>> {
  const alive = new Set<string>();
  const sorted = [...new Set(ids)].sort();
  for (let i = 0; i < sorted.length; i += 500) {
    const lock = sql.raw(engine === 'postgres' ? ' order by id for key share skip locked' : '');
    const { rows } = await sql<{ id: string }>`select id from sentences where id in (${sql.join(sorted.slice(i, i + 500))})${lock}`.execute(trx);
    for (const r of rows) alive.add(r.id);
  }
  return alive;
}

function upsertResults(trx: Kysely<Database>, rows: ResultRow[]) {
  return trx
    .insertInto('results')
    .values(rows.map((r) => ({ ...r, value: r.value === null ? null : writeJson(r.value), cached: r.cached ? 1 : 0 })))
    .onConflict((oc) =>
      oc
        .columns(['sentence_id', 'task', 'task_version'])
        .doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          label: eb.ref('excluded.label'),
          confidence: eb.ref('excluded.confidence'),
          value: eb.ref('excluded.value'),
          error: eb.ref('excluded.error'),
          provider: eb.ref('excluded.provider'),
          model: eb.ref('excluded.model'),
          trace_id: eb.ref('excluded.trace_id'),
          llm_call_id: eb.ref('excluded.llm_call_id'),
          cached: eb.ref('excluded.cached'),
          created_at: eb.ref('excluded.created_at'),
        }))
        .where('results.status', '<>', 'ok'),
    )
    .execute();
}

export async function countPendingSentences(db: Kysely<Database>, task: string, version: number): Promise<number> {
  const row = await db
    .selectFrom('sentences as s')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.not(eb.exists(okResultOf(eb, task, version))))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listResults(db: Kysely<Database>, opts: { task?: string; limit: number }) {
  let q = db.selectFrom('results').selectAll().orderBy('created_at', 'desc').limit(opts.limit);
  if (opts.task) q = q.where('task', '=', opts.task);
  return (await q.execute()).map((r) => ({ ...r, value: r.value === null ? null : readJson(r.value), cached: Boolean(r.cached) }));
}
