import { hostname } from 'node:os';
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database } from './types.js';
import { readJson, writeJson } from './json-column.js';
import type { CacheEntry, CallLogRow } from './call-log-types.js';
import { insertCacheEntries, insertCallRows } from './llm-calls-repo.js';
import { processAlive } from '../core/process-alive.js';

/**
 * Work sharing for per-sentence tasks. A worker claims sentences by inserting leases into
 * work_claims (primary key: queue + item, so two workers can never hold the same one), calls
 * the model outside any transaction, then writes results and drops its leases in one
 * transaction. A lease outlives a crash only until it expires, or at once when its process is
 * gone from this host (`kill -9` and rerun carries straight on).
 */

export type ClaimedSentence = { id: string; text: string; document_id: string; index: number };

export const queueName = (task: string, version: number) => `results:${task}:v${version}`;

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

/** Drops expired leases, and leases of processes on this host that no longer exist. */
export async function releaseStaleClaims(db: Kysely<Database>, queue: string): Promise<number> {
  const now = new Date().toISOString();
  const expired = await db.deleteFrom('work_claims').where('queue', '=', queue).where('expires_at', '<', now).executeTakeFirst();
  const host = hostname();
  const local = await db.selectFrom('work_claims').select(['pid']).distinct().where('queue', '=', queue).where('host', '=', host).execute();
  const dead = local.map((r) => r.pid).filter((pid) => pid !== process.pid && !processAlive(pid));
  let n = Number(expired.numDeletedRows);
  if (dead.length > 0) {
    const res = await db.deleteFrom('work_claims').where('queue', '=', queue).where('host', '=', host).where('pid', 'in', dead).executeTakeFirst();
    n += Number(res.numDeletedRows);
  }
  return n;
}

export async function claimSentences(
  db: Kysely<Database>,
  opts: { task: string; version: number; worker: string; limit: number; leaseMs: number; afterId?: string },
): Promise<{ claimed: ClaimedSentence[]; cursor?: string }> {
  const queue = queueName(opts.task, opts.version);
  return db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('sentences as s')
      .select(['s.id', 's.text', 's.document_id', 's.idx'])
      .where((eb) => eb.not(eb.exists(okResultOf(eb, opts.task, opts.version))))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('work_claims as c').select('c.item_id').whereRef('c.item_id', '=', 's.id').where('c.queue', '=', queue))))
      .orderBy('s.id')
      .limit(opts.limit);
    if (opts.afterId !== undefined) q = q.where('s.id', '>', opts.afterId);
    const candidates = await q.execute();
    if (candidates.length === 0) return { claimed: [] };
    const expires = new Date(Date.now() + opts.leaseMs).toISOString();
    const won = await trx
      .insertInto('work_claims')
      .values(candidates.map((c) => ({ item_id: c.id, queue, worker: opts.worker, pid: process.pid, host: hostname(), expires_at: expires })))
      .onConflict((oc) => oc.columns(['queue', 'item_id']).doNothing())
      .returning('item_id')
      .execute();
    const mine = new Set(won.map((w) => w.item_id));
    return {
      claimed: candidates.filter((c) => mine.has(c.id)).map((c) => ({ id: c.id, text: c.text, document_id: c.document_id, index: c.idx })),
      cursor: candidates[candidates.length - 1]!.id,
    };
  });
}

/** Keeps this worker's leases alive while it works. */
export async function renewClaims(db: Kysely<Database>, worker: string, leaseMs: number): Promise<void> {
  await db
    .updateTable('work_claims')
    .set({ expires_at: new Date(Date.now() + leaseMs).toISOString() })
    .where('worker', '=', worker)
    .execute();
}

export async function releaseClaims(db: Kysely<Database>, worker: string): Promise<void> {
  await db.deleteFrom('work_claims').where('worker', '=', worker).execute();
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
 * Stores results, the call-log rows and cache entries they link to, and drops their leases, in
 * one transaction: after a kill, a result has its call row and its cache entry, or none of the
 * three exists and the sentence is simply asked again. A failed result may later be replaced
 * by a successful one; a successful one is never replaced.
 */
export async function saveResults(
  db: Kysely<Database>,
  rows: ResultRow[],
  worker: string,
  linked: { calls: CallLogRow[]; cache: CacheEntry[] } = { calls: [], cache: [] },
): Promise<void> {
  if (rows.length === 0 && linked.calls.length === 0 && linked.cache.length === 0) return;
  await db.transaction().execute(async (trx) => {
    // Calls first: results and cache entries name them.
    await insertCallRows(trx, linked.calls);
    await insertCacheEntries(trx, linked.cache);
    if (rows.length === 0) return;
    const queue = queueName(rows[0]!.task, rows[0]!.task_version);
    for (let i = 0; i < rows.length; i += 500) {
      await trx
        .insertInto('results')
        .values(rows.slice(i, i + 500).map((r) => ({ ...r, value: r.value === null ? null : writeJson(r.value), cached: r.cached ? 1 : 0 })))
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
      await trx
        .deleteFrom('work_claims')
        .where('queue', '=', queue)
        .where('worker', '=', worker)
        .where('item_id', 'in', rows.slice(i, i + 500).map((r) => r.sentence_id))
        .execute();
    }
  });
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
