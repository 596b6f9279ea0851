import { mapRecord, type FieldMapping } from '../../src/ingest/map-record.js';
import { runSplit } from '../../src/split/run-split.js';
import type { Db } from '../../src/store/database.js';
import { SqlDocumentStore } from '../../src/store/sql-document-store.js';

/**
 * Stores records as documents the way `llmops ingest` maps them (and splits them, with
 * `split: true`), in-process: a test whose subject is a later stage sets up its data without
 * spawning the CLI twice. Throws on a record ingest would reject, so a fixture cannot go bad
 * silently.
 */
export async function seedDocuments(
  db: Db,
  records: Record<string, unknown>[],
  opts: { split?: boolean; mapping?: FieldMapping } = {},
): Promise<void> {
  const now = new Date().toISOString();
  const docs = records.map((r, i) => {
    const m = mapRecord(r, opts.mapping ?? {}, now);
    if (!m.ok) throw new Error(`seed record ${i}: ${m.reason}`);
    return m.doc;
  });
  await new SqlDocumentStore(db.db).upsert(docs);
  if (opts.split) await runSplit(db);
}
