import type { Kysely } from 'kysely';
import { ledgerClaims } from '../queue/ledger-claims.js';
import { deleteKeysOf, type LedgerKey } from '../store/ledger-repo.js';
import type { Database } from '../store/types.js';

/**
 * The `dedup --ledger` side of a run, in two steps so the ledger is never ahead of the output:
 * a new key is first *claimed* (a lease in the work queue, with this run's worker id, pid and
 * host: a concurrent run with the same ledger cannot pass it too), and becomes done only
 * once its record has reached the output: flushed to stdout or a pipe, or renamed into place
 * with the output file. Claims of a failed run are given back; those of a killed run are cleared
 * by the next run (its process is gone from this host, or the lease ran out elsewhere).
 * A run that ends on bad input (exit 2) takes back every key it recorded too (`forgetRun`):
 * the user reruns on the fixed file, often into the same `> out.jsonl`, which the shell
 * truncates, so keys kept from the failed run would lose their records for good.
 */
export type DedupLedger = {
  /** The keys of `keys` this run now holds (not seen before, not held by a live run). */
  claim(keys: string[]): Promise<Set<string>>;
  /** These held keys reached the output. */
  commit(keys: string[]): Promise<void>;
  /** Every key held reached the output. */
  commitAll(): Promise<void>;
  /** Gives every key still held back (their records did not reach the output). */
  releaseAll(): Promise<void>;
  /** Deletes every row of this run, committed or claimed, in one statement (bad input). */
  forgetRun(): Promise<void>;
};

const asLedgerKey = (k: string): LedgerKey => ({ itemId: k, metric: '', version: '' });

export async function openDedupLedger(db: Kysely<Database>, namespace: string): Promise<DedupLedger & { close(): void }> {
  // A long run into a file holds its claims until the rename: the queue's heartbeat keeps them.
  const claims = ledgerClaims(db, namespace);
  await claims.releaseStale();
  const held = new Set<string>();
  return {
    async claim(keys) {
      const won = await claims.claim([...new Set(keys)].map(asLedgerKey));
      for (const k of won) held.add(k.itemId);
      return new Set(won.map((k) => k.itemId));
    },
    async commit(keys) {
      if (keys.length === 0) return;
      await claims.markDone(keys.map(asLedgerKey), { allHeld: keys.length === held.size });
      for (const k of keys) held.delete(k);
    },
    async commitAll() {
      if (held.size === 0) return;
      await claims.markDone([...held].map(asLedgerKey), { allHeld: true });
      held.clear();
    },
    async releaseAll() {
      if (held.size === 0) return;
      await claims.release();
      held.clear();
    },
    async forgetRun() {
      // Recorded keys carry the worker id of the run that recorded them: one delete finds them all.
      await deleteKeysOf(db, namespace, claims.worker);
      await claims.release();
      held.clear();
    },
    close: () => claims.stop(),
  };
}
