import { yieldToEvents } from '../core/yield-to-events.js';
import type { DocumentStore } from '../store/document-store.js';
import { clusterRecord, type ClusterRecord } from './cluster-record.js';
import { NearDuplicateFilter } from './minhash-lsh.js';

const PAGE = 500;

/**
 * Near duplicates among stored documents, in id order (so the kept one of a cluster is the same
 * on every run); with `apply`, the dropped documents are deleted through the DocumentStore.
 * Interrupted while scanning, it deletes nothing (the clusters found so far are still reported);
 * while deleting, it stops after the page at hand (each deleted one has its kept twin).
 * `onDeleted` hears each page of ids deleted, before the next is (what else the caller keeps of them).
 */
export async function dedupStore(store: DocumentStore, opts: { threshold: number; category?: string; apply: boolean; signal?: AbortSignal; onCluster: (c: ClusterRecord) => Promise<void> | void; onDeleted?: (ids: string[]) => Promise<void> }) {
  const filter = new NearDuplicateFilter<string>({ threshold: opts.threshold });
  let afterId: string | undefined;
  let scanned = 0;
  const stopped = () => Boolean(opts.signal?.aborted);
  for (;;) {
    // Reading and hashing settle without a turn of the event loop: let a Ctrl-C in.
    await yieldToEvents();
    if (stopped()) break;
    const page = await store.list({ afterId, limit: PAGE, category: opts.category });
    if (page.length === 0) break;
    for (const d of page) {
      scanned++;
      filter.offer(d.id, d.content);
    }
    afterId = page[page.length - 1]!.id;
  }
  const scanInterrupted = stopped();
  const clusters = [...filter.clusters.values()];
  const dropped = clusters.flatMap((c) => c.dropped.map((d) => d.id));
  const titles = await titlesOf(store, clusters.flatMap((c) => [c.kept, ...c.dropped.map((d) => d.id)]));
  for (const c of clusters) await opts.onCluster(clusterRecord(c, (id) => titles.get(id)));
  let deleted = 0;
  if (opts.apply && !scanInterrupted) {
    for (let i = 0; i < dropped.length; i += PAGE) {
      await yieldToEvents();
      if (stopped()) break;
      const page = dropped.slice(i, i + PAGE);
      deleted += await store.delete(page);
      await opts.onDeleted?.(page);
    }
  }
  return { scanned, clusters: clusters.length, duplicates: dropped.length, deleted, crowded: filter.crowded, interrupted: stopped(), scanInterrupted };
}

/** The titles of these documents (those that have one), read a page at a time. */
async function titlesOf(store: DocumentStore, ids: string[]): Promise<Map<string, string>> {
  const titles = new Map<string, string>();
  for (let i = 0; i < ids.length; i += PAGE) {
    for (const d of await store.getMany(ids.slice(i, i + PAGE))) if (d.title) titles.set(d.id, d.title);
  }
  return titles;
}
