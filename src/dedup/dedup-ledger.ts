import { randomUUID } from 'node:crypto';
import type { MonitorDb } from '../ledger/ledger-tables.js';
import { claimKeys, markAllClaimedDone, markDone, releaseStaleClaims, releaseWorker, renewClaims, type LedgerKey } from '../ledger/ledger-repo.js';

/**
 * The `dedup --ledger` side of a run, in two steps so the ledger is never ahead of the output:
 * a new key is first *claimed* (a row with status 'claimed', this run's worker id, pid and
 * host: a concurrent run with the same ledger cannot pass it too), and becomes 'done' only
 * once its record has reached the output: flushed to stdout or a pipe, or renamed into place
 * with the output file. Claims of a failed run are deleted; those of a killed run are deleted
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

const LEASE_MS = 10 * 60_000;
const RENEW_MS = 3 * 60_000;

const asLedgerKey = (k: string): LedgerKey => ({ itemId: k, metric: '', version: '' });

export async function openDedupLedger(db: MonitorDb, namespace: string): Promise<DedupLedger & { close(): void }> {
  await releaseStaleClaims(db, namespace);
  const worker = `dedup:${randomUUID()}`;
  let held = 0;
  // A long run into a file holds its claims until the rename: keep the lease alive meanwhile.
  const timer = setInterval(() => {
    if (held > 0) renewClaims(db, namespace, worker, LEASE_MS).catch(() => {});
  }, RENEW_MS);
  timer.unref();
  return {
    async claim(keys) {
      const won = await claimKeys(db, namespace, worker, [...new Set(keys)].map(asLedgerKey), LEASE_MS);
      held += won.length;
      return new Set(won.map((k) => k.itemId));
    },
    async commit(keys) {
      if (keys.length === 0) return;
      if (keys.length === held) await markAllClaimedDone(db, namespace, worker);
      else await markDone(db, namespace, worker, keys.map(asLedgerKey));
      held -= keys.length;
    },
    async commitAll() {
      if (held === 0) return;
      await markAllClaimedDone(db, namespace, worker);
      held = 0;
    },
    async releaseAll() {
      if (held === 0) return;
      await releaseWorker(db, namespace, worker);
      held = 0;
    },
    async forgetRun() {
      // Committed rows keep the worker id of the run that claimed them: one delete finds them all.
      await db.deleteFrom('monitor_ledger').where('namespace', '=', namespace).where('worker', '=', worker).execute();
      held = 0;
    },
    close() {
      clearInterval(timer);
    },
  };
}
