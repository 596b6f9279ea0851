/**
 * The claim-ahead loop of a bulk stage (split, featurize): keeps up to `depth` batches claimed
 * and started (their CPU work running in worker threads), and finishes them (writes them) one at
 * a time in the order they were claimed, so that the stored result does not depend on which
 * thread was faster. `next` gives the next claimed batch: undefined when there is no more work,
 * null when none was won this time (others hold it) and it should ask again. Once `signal` is
 * aborted it claims nothing more and finishes nothing more: the batches in flight are left to
 * a later run (the work queue gives their leases back). Resolves true when it was interrupted.
 */
export async function inOrderPipeline<C, W>(opts: {
  depth: number;
  signal?: AbortSignal;
  next(): Promise<C | null | undefined>;
  start(claimed: C): Promise<W>;
  /** How to wait for the next batch's work (featurize's writer prepares queued batches meanwhile). */
  wait?(work: Promise<W>): Promise<W>;
  finish(claimed: C, work: W): Promise<void>;
}): Promise<boolean> {
  const inflight: { claimed: C; work: Promise<W> }[] = [];
  let more = true;
  for (;;) {
    while (more && inflight.length < opts.depth) {
      if (opts.signal?.aborted) return true;
      const claimed = await opts.next();
      if (claimed === undefined) more = false;
      else if (claimed !== null) {
        const work = opts.start(claimed);
        work.catch(() => {}); // awaited below, in order; not an unhandled rejection meanwhile
        inflight.push({ claimed, work });
      }
    }
    const head = inflight.shift();
    if (!head) return false;
    await opts.finish(head.claimed, await (opts.wait ? opts.wait(head.work) : head.work));
  }
}
