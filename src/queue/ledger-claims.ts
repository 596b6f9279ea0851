import type { Kysely } from 'kysely';
import { doneKeys, insertDoneKeys, keyString, ledgerQueue, type LedgerKey } from '../store/ledger-repo.js';
import type { Database } from '../store/types.js';
import { openWorkQueue } from './work-queue.js';

/**
 * The ledger's keys through the work queue: a key being worked on is a lease (so two
 * overlapping runs never score or pass the same key), and becomes done in the ledger in the
 * transaction that drops its lease — after its output went out, so the ledger is never ahead
 * of the output. A key given back (failed, unpublished) is simply not done: the next run
 * tries it again.
 */
export type LedgerClaims = {
  /** This run's id in the queue and on the keys it records. */
  readonly worker: string;
  /** Clears leases of crashed runs (expired, or their process gone from this host). */
  releaseStale(): Promise<number>;
  /** Which of `keys` are done, or held by a live worker (as keyString). */
  known(keys: LedgerKey[]): Promise<Set<string>>;
  /** The keys of `keys` this worker now holds: neither done nor held by another. */
  claim(keys: LedgerKey[]): Promise<LedgerKey[]>;
  /**
   * These held keys' output went out: done, and their leases dropped, in one transaction.
   * `allHeld`: they are every key this run holds (one statement drops the leases).
   */
  markDone(keys: LedgerKey[], opts?: { allHeld?: boolean }): Promise<void>;
  /** Gives held keys back (all of them when none are named). */
  release(keys?: LedgerKey[]): Promise<void>;
  /** Stops renewing the leases. */
  stop(): void;
};

/** A namespace's claims for one run (nothing is read or written until a method is called). */
export function ledgerClaims(db: Kysely<Database>, namespace: string, opts: { leaseMs?: number } = {}): LedgerClaims {
  const queue = openWorkQueue(db, ledgerQueue(namespace), opts);
  return {
    worker: queue.worker,
    releaseStale: () => queue.releaseStale(),
    async known(keys) {
      const known = await doneKeys(db, namespace, keys);
      for (const id of await queue.leased(keys.map(keyString))) known.add(id);
      return known;
    },
    async claim(keys) {
      const byId = new Map(keys.map((k) => [keyString(k), k]));
      const won = await queue.claim([...byId.keys()], async (trx, ids) => {
        const done = await doneKeys(trx, namespace, ids.map((id) => byId.get(id)!));
        return ids.filter((id) => !done.has(id));
      });
      return won.map((id) => byId.get(id)!);
    },
    async markDone(keys, opts = {}) {
      if (keys.length === 0) return;
      await db.transaction().execute(async (trx) => {
        await insertDoneKeys(trx, namespace, queue.worker, keys);
        if (opts.allHeld) await queue.completeAll(trx);
        else await queue.complete(trx, keys.map(keyString));
      });
    },
    release: (keys) => queue.release(keys?.map(keyString)),
    stop: () => queue.stop(),
  };
}
