import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { processAlive } from '../core/process-alive.js';
import { sharedInsert } from '../store/bulk-sql.js';
import type { Database } from '../store/types.js';

/**
 * The one work queue, shared by every command that several workers may run at once (split,
 * analyse, featurize, the monitor's and dedup's ledgers), over SQLite and PostgreSQL alike.
 *
 * A worker claims items by inserting leases into work_claims: the primary key (queue, item)
 * makes the insert fail for everyone but one worker (insert … on conflict do nothing
 * returning), so two workers never hold one item. It works outside any transaction, then
 * writes its results and deletes their leases in ONE transaction (`complete`): an item is done
 * exactly when its lease is gone and its result is there; a lease given back unfinished
 * (`release`) leaves the item to the next worker. A lease outlives a crash only until it
 * expires (a heartbeat keeps a live worker's leases fresh), or at once when its process is
 * gone from this host: `kill -9` and a rerun carries straight on.
 *
 * An item a worker wins may have been finished by another worker in the moment between the
 * caller's candidate query and the claim (its lease was already gone): `stillPending` checks
 * again inside the claim's transaction, after the insert, and the lease of an item found done
 * is dropped there.
 */
export type WorkQueue = {
  /** This worker's id (fresh per queue), stored with each lease. */
  readonly worker: string;
  /** Drops expired leases, and leases of processes of this host that no longer exist. */
  releaseStale(): Promise<number>;
  /** For the caller's candidate query: the item `ref` names is leased by nobody. */
  notLeased(ref: string): RawBuilder<SqlBool>;
  /** Which of `ids` some worker (this one included) holds now. */
  leased(ids: string[]): Promise<Set<string>>;
  /** Leases those of `ids` nobody holds (and, with `stillPending`, that are not done); returns them. */
  claim(ids: string[], stillPending?: PendingCheck): Promise<string[]>;
  /** Inside the caller's transaction that writes the results of `ids`: deletes their leases. */
  complete(trx: Kysely<Database>, ids: string[]): Promise<void>;
  /**
   * `complete` for every lease this worker holds, in one statement: for a caller that claims
   * and completes in turn (never at once) and completes all it holds.
   */
  completeAll(trx: Kysely<Database>): Promise<void>;
  /** Gives leases back unfinished (all of this worker's when no ids are given). */
  release(ids?: string[]): Promise<void>;
  /** Stops the heartbeat (what is still held: `release()` it, or leave it to expire). */
  stop(): void;
};

/** Which of `ids` still need doing, read inside the claim's transaction. */
export type PendingCheck = (trx: Kysely<Database>, ids: string[]) => Promise<Iterable<string>>;

type Queue = { db: Kysely<Database>; name: string; worker: string; leaseMs: number };

const DEFAULT_LEASE_MS = 10 * 60_000;
// Ids per statement: one bound parameter each, far below either engine's limit.
const BATCH = 500;

export function openWorkQueue(db: Kysely<Database>, name: string, opts: { leaseMs?: number } = {}): WorkQueue {
  const q: Queue = { db, name, worker: randomUUID(), leaseMs: opts.leaseMs ?? DEFAULT_LEASE_MS };
  let heartbeat: NodeJS.Timeout | undefined;
  const beat = () => {
    if (heartbeat) return;
    heartbeat = setInterval(() => void renewLeases(q).catch(() => {}), Math.max(1000, q.leaseMs / 3));
    heartbeat.unref();
  };
  return {
    worker: q.worker,
    releaseStale: () => releaseStaleLeases(q),
    notLeased: (ref) => sql<SqlBool>`not exists (select 1 from work_claims wq where wq.queue = ${name} and wq.item_id = ${sql.ref(ref)})`,
    leased: (ids) => leasedAmong(q, ids),
    claim(ids, stillPending) {
      beat();
      return claimLeases(q, ids, stillPending);
    },
    complete: (trx, ids) => deleteLeases(trx, q, ids),
    completeAll: (trx) => deleteAllLeases(trx, q),
    release: (ids) => (ids ? deleteLeases(q.db, q, ids) : deleteAllLeases(q.db, q)),
    stop() {
      clearInterval(heartbeat);
      heartbeat = undefined;
    },
  };
}

/**
 * Runs `work` with a queue of its own: leases of crashed workers are cleared first, and
 * whatever this worker still holds at the end (interrupted, failed) goes back to the pool.
 */
export async function withWorkQueue<T>(db: Kysely<Database>, name: string, work: (queue: WorkQueue) => Promise<T>): Promise<T> {
  const queue = openWorkQueue(db, name);
  await queue.releaseStale();
  try {
    return await work(queue);
  } finally {
    queue.stop();
    await queue.release().catch(() => {});
  }
}

async function releaseStaleLeases(q: Queue): Promise<number> {
  const expired = await q.db.deleteFrom('work_claims').where('queue', '=', q.name).where('expires_at', '<', new Date().toISOString()).executeTakeFirst();
  const host = hostname();
  const local = await q.db.selectFrom('work_claims').select('pid').distinct().where('queue', '=', q.name).where('host', '=', host).execute();
  const dead = local.map((r) => r.pid).filter((pid) => pid !== process.pid && !processAlive(pid));
  if (dead.length === 0) return Number(expired.numDeletedRows);
  const gone = await q.db.deleteFrom('work_claims').where('queue', '=', q.name).where('host', '=', host).where('pid', 'in', dead).executeTakeFirst();
  return Number(expired.numDeletedRows) + Number(gone.numDeletedRows);
}

async function leasedAmong(q: Queue, ids: string[]): Promise<Set<string>> {
  const held = new Set<string>();
  // Most runs find the queue empty (no other worker at work): one cheap probe answers them.
  const any = await q.db.selectFrom('work_claims').select('item_id').where('queue', '=', q.name).limit(1).execute();
  if (any.length === 0) return held;
  for (let i = 0; i < ids.length; i += BATCH) {
    const rows = await q.db.selectFrom('work_claims').select('item_id').where('queue', '=', q.name).where('item_id', 'in', ids.slice(i, i + BATCH)).execute();
    for (const r of rows) held.add(r.item_id);
  }
  return held;
}

async function claimLeases(q: Queue, ids: string[], stillPending?: PendingCheck): Promise<string[]> {
  if (ids.length === 0) return [];
  return q.db.transaction().execute(async (trx) => {
    const won = await insertLeases(trx, q, ids);
    if (!stillPending || won.length === 0) return won;
    const pending = new Set(await stillPending(trx, won));
    const done = won.filter((id) => !pending.has(id));
    await deleteLeases(trx, q, done);
    return won.filter((id) => pending.has(id));
  });
}

/** Inserts this worker's leases; returns the ids it won, in the order given. */
async function insertLeases(trx: Kysely<Database>, q: Queue, ids: string[]): Promise<string[]> {
  const shared = [
    { name: 'queue', value: q.name },
    { name: 'worker', value: q.worker },
    { name: 'pid', value: process.pid, pg: 'integer' },
    { name: 'host', value: hostname() },
    { name: 'expires_at', value: new Date(Date.now() + q.leaseMs).toISOString(), pg: 'timestamptz' },
  ];
  const won = new Set<string>();
  // In one order for every worker: two PostgreSQL transactions inserting the same leases then
  // wait for each other in turn instead of deadlocking.
  const sorted = [...ids].sort();
  for (let i = 0; i < sorted.length; i += BATCH) {
    const rows = sorted.slice(i, i + BATCH).map((id) => [id]);
    const res = await trx.executeQuery<{ item_id: string }>(sharedInsert(trx, 'work_claims', shared, [{ name: 'item_id' }], rows, 'on conflict (queue, item_id) do nothing returning item_id'));
    for (const r of res.rows) won.add(r.item_id);
  }
  return ids.filter((id) => won.has(id));
}

async function renewLeases(q: Queue): Promise<void> {
  await q.db
    .updateTable('work_claims')
    .set({ expires_at: new Date(Date.now() + q.leaseMs).toISOString() })
    .where('queue', '=', q.name)
    .where('worker', '=', q.worker)
    .execute();
}

async function deleteLeases(db: Kysely<Database>, q: Queue, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += BATCH) {
    await db.deleteFrom('work_claims').where('queue', '=', q.name).where('worker', '=', q.worker).where('item_id', 'in', ids.slice(i, i + BATCH)).execute();
  }
}

async function deleteAllLeases(db: Kysely<Database>, q: Queue): Promise<void> {
  await db.deleteFrom('work_claims').where('queue', '=', q.name).where('worker', '=', q.worker).execute();
}
