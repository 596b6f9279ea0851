import type { NdjsonWriter } from '../core/ndjson-writer.js';
import type { DocumentStore } from '../store/document-store.js';

/** Marks a line of `inspect export`: `ingest` restores such a record exactly (see map-record.ts). */
export const EXPORT_MARKER = 'llmops_export';
export const EXPORT_VERSION = 1;

/** Every document, in id order, with everything `ingest` needs to restore it as it was. */
export async function exportWarehouse(store: DocumentStore, out: NdjsonWriter, signal?: AbortSignal): Promise<number> {
  let afterId: string | undefined;
  let n = 0;
  for (;;) {
    const page = await store.list({ afterId, limit: 500 });
    if (page.length === 0) return n;
    for (const d of page) {
      await out.write({
        [EXPORT_MARKER]: EXPORT_VERSION,
        id: d.id,
        source: d.source,
        external_id: d.external_id,
        category: d.category,
        link: d.link,
        author: d.author,
        title: d.title,
        content: d.content,
        metadata: d.metadata,
        content_hash: d.content_hash,
        created_at: d.created_at,
        updated_at: d.updated_at,
      });
      n++;
    }
    afterId = page.at(-1)!.id;
    if (signal?.aborted) return n;
  }
}
