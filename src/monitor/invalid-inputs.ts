import { sha256Hex } from '../core/ids.js';
import { keyString, type LedgerKey } from '../store/ledger-repo.js';
import type { LedgerClaims } from '../queue/ledger-claims.js';
import type { RunState } from './run-state.js';

/** A source item that can never be scored as it is: a bad JSON line, an item the extractor cannot read. */
export type InvalidInput = { where: string; error: string; /** what was read, to tell this input from another at the same place */ text: string };

/**
 * An invalid input is reported once, by the run that meets it first (exit 3), then remembered
 * in the ledger under its place and content, so an hourly run does not fail on the same bad
 * line forever; a line rewritten at the same place is a new input. Unlike a failed score it
 * is not retried: nothing about it changes by itself. Its key is recorded (markInvalidSeen)
 * only after its monitor_items row, so the ledger is never ahead of the record.
 */
export async function sortInvalidInputs(claims: LedgerClaims | undefined, s: RunState, inputs: InvalidInput[]): Promise<void> {
  if (inputs.length === 0) return;
  const keyed = inputs.map((input) => ({ input, key: invalidKey(input) }));
  const known = claims ? await claims.known(keyed.map((k) => k.key)) : new Set<string>();
  const fresh = keyed.filter((k) => !known.has(keyString(k.key)));
  s.invalidSeenBefore += inputs.length - fresh.length;
  // Held while this run reports them: an overlapping run does not report them too.
  const held = claims ? new Set((await claims.claim(fresh.map((k) => k.key))).map(keyString)) : undefined;
  for (const { input, key } of fresh) {
    if (held && !held.has(keyString(key))) continue; // another run is reporting it
    // One with no row (past the rows a run keeps) is not remembered: the next run reports it.
    if (s.invalid({ item_id: key.itemId, where: input.where, error: input.error }) && held) s.invalidKeys.push(key);
  }
}

function invalidKey(input: InvalidInput): LedgerKey {
  return { itemId: `invalid:${input.where}:${sha256Hex(input.text).slice(0, 16)}`, metric: '(input)', version: '1' };
}
