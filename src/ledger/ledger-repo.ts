import { hostname } from 'node:os';
import { CompiledQuery, sql } from 'kysely';
import { insertShared, isPostgres, placeholders } from './bulk-sql.js';
import type { MonitorDb } from './ledger-tables.js';
import { processAlive } from '../core/process-alive.js';

/**
 * The ledger: which (namespace, item, metric, version) keys are done. The monitor's namespace
 * is `monitor:<source>:<monitor name>`; `dedup --ledger <name>` uses `dedup:<name>` with an
 * empty metric.
 *
 * Claims are rows inserted with status 'claimed' and a lease: the primary key makes the insert
 * fail for everyone but one worker (insert … on conflict do nothing returning), so two
 * overlapping runs never score the same key. A claim becomes 'done' only after its scores were
 * published; a failed or unpublished claim is deleted, so the next run tries again. A lease
 * outlives a crash only until it expires, or at once when its process is gone from this host.
 */

export type LedgerKey = { itemId: string; metric: string; version: string };

const BATCH = 400;

export const keyString = (k: LedgerKey) => `${k.itemId}\u0000${k.metric}\u0000${k.version}`;

/** Drops expired claims and claims of dead processes on this host. */
export async function releaseStaleClaims(db: MonitorDb, namespace: string): Promise<number> {
  const now = new Date().toISOString();
  const expired = await db.deleteFrom('monitor_ledger').where('namespace', '=', namespace).where('status', '=', sql.lit('claimed')).where('expires_at', '<', now).executeTakeFirst();
  let n = Number(expired.numDeletedRows);
  const host = hostname();
  const local = await db.selectFrom('monitor_ledger').select('pid').distinct().where('namespace', '=', namespace).where('status', '=', sql.lit('claimed')).where('host', '=', host).execute();
  const dead = local.map((r) => r.pid).filter((pid) => pid !== process.pid && !processAlive(pid));
  if (dead.length > 0) {
    const res = await db.deleteFrom('monitor_ledger').where('namespace', '=', namespace).where('status', '=', sql.lit('claimed')).where('host', '=', host).where('pid', 'in', dead).executeTakeFirst();
    n += Number(res.numDeletedRows);
  }
  return n;
}

/** Which of `keys` are already in the ledger (done, or claimed by a live worker). */
export async function knownKeys(db: MonitorDb, namespace: string, keys: LedgerKey[]): Promise<Set<string>> {
  const known = new Set<string>();
  const ids = [...new Set(keys.map((k) => k.itemId))];
  for (let i = 0; i < ids.length; i += BATCH) {
    const rows = await db
      .selectFrom('monitor_ledger')
      .select(['item_id', 'metric', 'metric_version'])
      .where('namespace', '=', namespace)
      .where('item_id', 'in', ids.slice(i, i + BATCH))
      .execute();
    for (const r of rows) known.add(keyString({ itemId: r.item_id, metric: r.metric, version: r.metric_version }));
  }
  return known;
}

const ON_KEY_DO_NOTHING = 'on conflict (namespace, item_id, metric, metric_version) do nothing';

/** Claims the keys nobody holds; returns the ones this worker won. */
export async function claimKeys(db: MonitorDb, namespace: string, worker: string, keys: LedgerKey[], leaseMs: number): Promise<LedgerKey[]> {
  const won: LedgerKey[] = [];
  const now = new Date();
  const expires = new Date(now.getTime() + leaseMs).toISOString();
  const host = hostname();
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < keys.length; i += BATCH) {
      const slice = keys.slice(i, i + BATCH);
      const rows = slice.map((k) => [k.itemId, k.metric, k.version]);
      // Callers only claim keys the ledger did not have a moment ago, so nearly always every
      // row goes in: then the count says so and no row needs to come back. Only when another
      // worker got some first do we ask which ones are ours.
      const inserted = await insertShared(
        trx,
        'monitor_ledger',
        [
          { name: 'namespace', value: namespace },
          { name: 'status', value: 'claimed' },
          { name: 'worker', value: worker },
          { name: 'pid', value: process.pid, pg: 'integer' },
          { name: 'host', value: host },
          { name: 'expires_at', value: expires, pg: 'timestamptz' },
          { name: 'created_at', value: now.toISOString(), pg: 'timestamptz' },
          { name: 'updated_at', value: now.toISOString(), pg: 'timestamptz' },
        ],
        [{ name: 'item_id' }, { name: 'metric' }, { name: 'metric_version' }],
        rows,
        ON_KEY_DO_NOTHING,
      );
      if (inserted === slice.length) {
        won.push(...slice);
        continue;
      }
      const mine = await trx
        .selectFrom('monitor_ledger')
        .select(['item_id', 'metric', 'metric_version'])
        .where('namespace', '=', namespace)
        .where('item_id', 'in', [...new Set(slice.map((k) => k.itemId))])
        .where('worker', '=', worker)
        .where('status', '=', sql.lit('claimed'))
        .execute();
      const got = new Set(mine.map((r) => keyString({ itemId: r.item_id, metric: r.metric, version: r.metric_version })));
      for (const k of slice) if (got.has(keyString(k))) won.push(k);
    }
  });
  return won;
}

/** Keeps this worker's claims alive while it works. */
export async function renewClaims(db: MonitorDb, namespace: string, worker: string, leaseMs: number): Promise<void> {
  await db
    .updateTable('monitor_ledger')
    .set({ expires_at: new Date(Date.now() + leaseMs).toISOString() })
    .where('namespace', '=', namespace)
    .where('worker', '=', worker)
    .where('status', '=', sql.lit('claimed'))
    .execute();
}

/** The scores of these keys were published: they are done. Exact keys only, grouped by metric. */
export async function markDone(db: MonitorDb, namespace: string, worker: string, keys: LedgerKey[]): Promise<void> {
  await forKeyGroups(db, keys, true, (trx, g, ids) => {
    // Rows are found by primary key. SQLite (no ANALYZE) would rather walk the worker index,
    // every claimed row of the batch per statement; `+col` keeps it off that index.
    const plus = isPostgres(trx) ? '' : '+';
    const p = placeholders(trx, ids.length, 7);
    const text = `update monitor_ledger set status = 'done', expires_at = null, updated_at = ${placeholders(trx, 1, 1)} where namespace = ${placeholders(trx, 1, 2)} and metric = ${placeholders(trx, 1, 3)} and metric_version = ${placeholders(trx, 1, 4)} and ${plus}worker = ${placeholders(trx, 1, 5)} and ${plus}status = ${placeholders(trx, 1, 6)} and item_id in (${p})`;
    return trx.executeQuery(CompiledQuery.raw(text, [new Date().toISOString(), namespace, g.metric, g.version, worker, 'claimed', ...ids]));
  });
}

type Group = { metric: string; version: string; ids: string[] };

async function forKeyGroups(db: MonitorDb, keys: LedgerKey[], inTransaction: boolean, fn: (trx: MonitorDb, g: Group, ids: string[]) => Promise<unknown>): Promise<void> {
  if (keys.length === 0) return;
  const groups = new Map<string, Group>();
  for (const k of keys) {
    const g = `${k.metric}\u0000${k.version}`;
    if (!groups.has(g)) groups.set(g, { metric: k.metric, version: k.version, ids: [] });
    groups.get(g)!.ids.push(k.itemId);
  }
  const run = async (trx: MonitorDb) => {
    for (const g of groups.values()) for (let i = 0; i < g.ids.length; i += BATCH) await fn(trx, g, g.ids.slice(i, i + BATCH));
  };
  if (inTransaction) await db.transaction().execute(run);
  else await run(db);
}

/**
 * Marks every claim this worker holds in the namespace done, in one statement. Only for a
 * caller whose accounting is exact: what it holds now is what it published.
 */
export async function markAllClaimedDone(db: MonitorDb, namespace: string, worker: string): Promise<number> {
  const res = await db
    .updateTable('monitor_ledger')
    .set({ status: 'done', expires_at: null, updated_at: new Date().toISOString() })
    .where('worker', '=', worker)
    .where('namespace', '=', namespace)
    .where('status', '=', sql.lit('claimed'))
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** Gives claims back (scoring or publishing failed): the next run tries these keys again. */
export async function releaseKeys(db: MonitorDb, namespace: string, worker: string, keys: LedgerKey[]): Promise<void> {
  await forKeyGroups(db, keys, true, (trx, g, ids) =>
    trx
      .deleteFrom('monitor_ledger')
      .where('namespace', '=', namespace)
      .where('metric', '=', g.metric)
      .where('metric_version', '=', g.version)
      .where('worker', '=', worker)
      .where('status', '=', sql.lit('claimed'))
      .where('item_id', 'in', ids)
      .execute(),
  );
}

export async function releaseWorker(db: MonitorDb, namespace: string, worker: string): Promise<void> {
  await db.deleteFrom('monitor_ledger').where('namespace', '=', namespace).where('worker', '=', worker).where('status', '=', sql.lit('claimed')).execute();
}

export type LedgerSummary = { namespace: string; keys: number; done: number; claimed: number; first: string; last: string };

export async function listLedgers(db: MonitorDb): Promise<LedgerSummary[]> {
  const rows = await db
    .selectFrom('monitor_ledger')
    .select((eb) => [
      'namespace',
      eb.fn.countAll<number>().as('keys'),
      eb.fn.sum<number>(sql`case when status = 'done' then 1 else 0 end`).as('done'),
      eb.fn.min('created_at').as('first'),
      eb.fn.max('updated_at').as('last'),
    ])
    .groupBy('namespace')
    .orderBy('namespace')
    .execute();
  return rows.map((r) => ({ namespace: r.namespace, keys: Number(r.keys), done: Number(r.done), claimed: Number(r.keys) - Number(r.done), first: String(r.first), last: String(r.last) }));
}

/** Keys recorded as done. Claims of runs in progress (or of killed runs, until the next run clears them) are not counted. */
export async function countKeys(db: MonitorDb, namespace?: string): Promise<number> {
  let q = db.selectFrom('monitor_ledger').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', sql.lit('done'));
  if (namespace !== undefined) q = q.where('namespace', '=', namespace);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Forgets keys recorded before `before` (done ones; live claims stay). */
export async function pruneKeys(db: MonitorDb, before: Date, namespace?: string): Promise<number> {
  let q = db.deleteFrom('monitor_ledger').where('status', '=', 'done').where('updated_at', '<', before.toISOString());
  if (namespace !== undefined) q = q.where('namespace', '=', namespace);
  return Number((await q.executeTakeFirst()).numDeletedRows);
}

export async function* exportKeys(db: MonitorDb, namespace?: string): AsyncGenerator<Record<string, unknown>> {
  let after: [string, string, string, string] | undefined;
  for (;;) {
    let q = db
      .selectFrom('monitor_ledger')
      .select(['namespace', 'item_id', 'metric', 'metric_version', 'status', 'created_at', 'updated_at'])
      .orderBy('namespace')
      .orderBy('item_id')
      .orderBy('metric')
      .orderBy('metric_version')
      .limit(1000);
    if (namespace !== undefined) q = q.where('namespace', '=', namespace);
    if (after) {
      const [n, i, m, v] = after;
      q = q.where((eb) =>
        eb.or([
          eb('namespace', '>', n),
          eb.and([eb('namespace', '=', n), eb('item_id', '>', i)]),
          eb.and([eb('namespace', '=', n), eb('item_id', '=', i), eb('metric', '>', m)]),
          eb.and([eb('namespace', '=', n), eb('item_id', '=', i), eb('metric', '=', m), eb('metric_version', '>', v)]),
        ]),
      );
    }
    const rows = await q.execute();
    for (const r of rows) yield r;
    if (rows.length < 1000) return;
    const last = rows[rows.length - 1]!;
    after = [last.namespace, last.item_id, last.metric, last.metric_version];
  }
}
