import { sha256Hex } from '../core/ids.js';
import type { NdjsonWriter } from '../core/ndjson-writer.js';
import type { DocumentStore } from '../store/document-store.js';

/**
 * The export format (read back by src/ingest/map-record.ts):
 *   line 1: {"llmops_export_header": 1, "exported_at": "…"}: this file is an llmops export,
 *           so `ingest` restores it; without this line only `ingest --restore` does;
 *   then one {"llmops_export": 1, "id": …} line per document.
 */
const EXPORT_HEADER = 'llmops_export_header';
const EXPORT_MARKER = 'llmops_export';
const EXPORT_VERSION = 1;

/**
 * Every document, in id order, with everything `ingest` needs to restore it as it was. An
 * aborted `signal` stops it after the page at hand: what it wrote is then a part, for the
 * caller to give up, never to commit.
 */
export async function exportWarehouse(store: DocumentStore, out: NdjsonWriter, signal?: AbortSignal): Promise<number> {
  await out.write({ [EXPORT_HEADER]: EXPORT_VERSION, exported_at: new Date().toISOString() });
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
        // The hash of the content as written here, so ingest's check catches a damaged file.
        // (A document stored before ingest repaired lone surrogates reads back other than it
        // was hashed; the stored hash would make its backup unrestorable.)
        content_hash: sha256Hex(d.content),
        created_at: d.created_at,
        updated_at: d.updated_at,
      });
      n++;
    }
    afterId = page.at(-1)!.id;
    if (signal?.aborted) return n;
  }
}
