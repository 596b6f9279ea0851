import type { DocumentStore } from '../store/document-store.js';
import { NearDuplicateFilter, type Cluster } from './minhash-lsh.js';

/**
 * Near duplicates among stored documents, in id order (so the kept one of a cluster is the same
 * on every run); with `apply`, the dropped documents are deleted through the DocumentStore.
 */
export async function dedupStore(store: DocumentStore, opts: { threshold: number; category?: string; apply: boolean; signal?: AbortSignal; onCluster: (c: Cluster<string>) => Promise<void> | void }) {
  const filter = new NearDuplicateFilter<string>({ threshold: opts.threshold });
  let afterId: string | undefined;
  let scanned = 0;
  for (;;) {
    const page = await store.list({ afterId, limit: 500, category: opts.category });
    if (page.length === 0) break;
    for (const d of page) {
      scanned++;
      filter.offer(d.id, d.content);
    }
    afterId = page[page.length - 1]!.id;
    if (opts.signal?.aborted) break;
  }
  const dropped = [...filter.clusters.values()].flatMap((c) => c.dropped.map((d) => d.id));
  for (const c of filter.clusters.values()) await opts.onCluster(c);
  let deleted = 0;
  if (opts.apply && dropped.length > 0) {
    for (let i = 0; i < dropped.length; i += 500) deleted += await store.delete(dropped.slice(i, i + 500));
  }
  return { scanned, clusters: filter.clusters.size, duplicates: dropped.length, deleted };
}
