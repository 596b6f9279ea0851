import { sql, type Kysely } from 'kysely';
import { insertShared } from './bulk-sql.js';
import type { Database } from './types.js';

/**
 * The ledger: which (namespace, item, metric, version) keys are done. The monitor's namespace
 * is `monitor:<source>:<monitor name>`; `dedup --ledger <name>` uses `dedup:<name>` with an
 * empty metric. A key being worked on is a lease in the work queue named `ledgerQueue(ns)`
 * (queue/ledger-claims.ts); it is written here, done, in the transaction that drops its lease.
 */

export type LedgerKey = { itemId: string; metric: string; version: string };

/** The work queue whose leases are the keys of a namespace being worked on. */
export const ledgerQueue = (namespace: string) => `ledger:${namespace}`;

/** One string per key (also its lease's item id): JSON, so no id, metric or version can run into another. */
export const keyString = (k: LedgerKey) => JSON.stringify([k.itemId, k.metric, k.version]);

const BATCH = 400;

/** Which of `keys` are done (as keyString). */
export async function doneKeys(db: Kysely<Database>, namespace: string, keys: LedgerKey[]): Promise<Set<string>> {
  const done = new Set<string>();
  const ids = [...new Set(keys.map((k) => k.itemId))];
  for (let i = 0; i < ids.length; i += BATCH) {
    const rows = await db
      .selectFrom('monitor_ledger')
      .select(['item_id', 'metric', 'metric_version'])
      .where('namespace', '=', namespace)
      .where('item_id', 'in', ids.slice(i, i + BATCH))
      .execute();
    for (const r of rows) done.add(keyString({ itemId: r.item_id, metric: r.metric, version: r.metric_version }));
  }
  return done;
}

/** Records keys as done by `worker` (the run that did them); a key done already stays as it was. */
export async function insertDoneKeys(db: Kysely<Database>, namespace: string, worker: string, keys: LedgerKey[]): Promise<void> {
  const now = new Date().toISOString();
  const shared = [
    { name: 'namespace', value: namespace },
    { name: 'worker', value: worker },
    { name: 'created_at', value: now, pg: 'timestamptz' },
    { name: 'updated_at', value: now, pg: 'timestamptz' },
  ];
  const columns = [{ name: 'item_id' }, { name: 'metric' }, { name: 'metric_version' }];
  for (let i = 0; i < keys.length; i += BATCH) {
    const rows = keys.slice(i, i + BATCH).map((k) => [k.itemId, k.metric, k.version]);
    await insertShared(db, 'monitor_ledger', shared, columns, rows, 'on conflict (namespace, item_id, metric, metric_version) do nothing');
  }
}

/** Forgets every key `worker` recorded in the namespace. */
export async function deleteKeysOf(db: Kysely<Database>, namespace: string, worker: string): Promise<void> {
  await db.deleteFrom('monitor_ledger').where('namespace', '=', namespace).where('worker', '=', worker).execute();
}

export type LedgerSummary = { namespace: string; keys: number; done: number; claimed: number; first: string; last: string };

/** Each namespace with its done keys and the keys being worked on now (leases). */
export async function listLedgers(db: Kysely<Database>): Promise<LedgerSummary[]> {
  const done = await db
    .selectFrom('monitor_ledger')
    .select((eb) => ['namespace', eb.fn.countAll<number>().as('n'), eb.fn.min('created_at').as('first'), eb.fn.max('updated_at').as('last')])
    .groupBy('namespace')
    .execute();
  const leases = await db
    .selectFrom('work_claims')
    .select((eb) => ['queue', eb.fn.countAll<number>().as('n')])
    .where('queue', 'like', ledgerQueue('%'))
    .groupBy('queue')
    .execute();
  const out = new Map<string, LedgerSummary>();
  for (const r of done) out.set(r.namespace, { namespace: r.namespace, keys: Number(r.n), done: Number(r.n), claimed: 0, first: String(r.first), last: String(r.last) });
  for (const r of leases) {
    const namespace = r.queue.slice(ledgerQueue('').length);
    const s = out.get(namespace) ?? { namespace, keys: 0, done: 0, claimed: 0, first: '', last: '' };
    s.claimed = Number(r.n);
    s.keys += s.claimed;
    out.set(namespace, s);
  }
  return [...out.values()].sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
}

/** Keys recorded as done. Keys of runs in progress (leases) are not counted. */
export async function countKeys(db: Kysely<Database>, namespace?: string): Promise<number> {
  let q = db.selectFrom('monitor_ledger').select((eb) => eb.fn.countAll<number>().as('n'));
  if (namespace !== undefined) q = q.where('namespace', '=', namespace);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Forgets keys recorded before `before`. */
export async function pruneKeys(db: Kysely<Database>, before: Date, namespace?: string): Promise<number> {
  let q = db.deleteFrom('monitor_ledger').where('updated_at', '<', before.toISOString());
  if (namespace !== undefined) q = q.where('namespace', '=', namespace);
  return Number((await q.executeTakeFirst()).numDeletedRows);
}

/** Every done key, in key order, a page at a time (`status` stays in the records for their readers). */
export async function* exportKeys(db: Kysely<Database>, namespace?: string): AsyncGenerator<Record<string, unknown>> {
  let after: [string, string, string, string] | undefined;
  for (;;) {
    let q = db
      .selectFrom('monitor_ledger')
      .select(['namespace', 'item_id', 'metric', 'metric_version', sql.lit('done').as('status'), 'created_at', 'updated_at'])
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
