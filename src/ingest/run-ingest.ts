import { InputError } from '../core/errors.js';
import { DEFAULT_MAX_RECORD_BYTES, readJsonRecords } from '../core/json-records.js';
import type { DocumentStore } from '../store/document-store.js';
import type { NewDocument, UpsertCounts } from '../store/types.js';
import { mapRecord, type FieldMapping } from './map-record.js';

export type IngestOptions = {
  files: string[];
  mapping: FieldMapping;
  /** Store the valid records and report the others, instead of storing nothing. */
  skipInvalid: boolean;
  maxRecordBytes?: number;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number) => void;
  onProblem?: (problem: string) => void;
};

export type IngestSummary = UpsertCounts & {
  files: number;
  records: number;
  invalid: number;
  bytes: number;
  interrupted: boolean;
  problems: string[];
};

const KEEP_PROBLEMS = 1000;

/**
 * Reads every record of every file and upserts the documents in batches.
 *
 * By default the whole run is one transaction: a single bad record means nothing is stored
 * (the run still reads on, to report every bad record at once). With `skipInvalid`, each batch
 * commits on its own and bad records are only reported.
 */
export async function runIngest(store: DocumentStore, opts: IngestOptions): Promise<IngestSummary> {
  const summary: IngestSummary = {
    files: opts.files.length,
    records: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    invalid: 0,
    bytes: 0,
    interrupted: false,
    problems: [],
  };
  const batchSize = opts.batchSize ?? 1000;
  const now = new Date().toISOString();

  const problem = (p: string) => {
    summary.invalid++;
    if (summary.problems.length < KEEP_PROBLEMS) summary.problems.push(p);
    opts.onProblem?.(p);
  };
  const add = (c: UpsertCounts) => {
    summary.inserted += c.inserted;
    summary.updated += c.updated;
    summary.unchanged += c.unchanged;
  };

  const readAll = async (write: (batch: NewDocument[]) => Promise<void>) => {
    let batch: NewDocument[] = [];
    let bytesBefore = 0;
    for (const file of opts.files) {
      let lastBytes = 0;
      for await (const rec of readJsonRecords(file, { maxRecordBytes: opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES })) {
        summary.records++;
        lastBytes = rec.bytesRead;
        if (!rec.ok) {
          problem(`${rec.file}:${rec.line}: ${rec.reason}`);
          continue;
        }
        const mapped = mapRecord(rec.value, opts.mapping, now);
        if (!mapped.ok) {
          problem(`${rec.file}:${rec.line}: ${mapped.reason}`);
          continue;
        }
        batch.push(mapped.doc);
        if (batch.length >= batchSize) {
          await write(batch);
          batch = [];
          summary.bytes = bytesBefore + lastBytes;
          opts.onProgress?.(summary.bytes);
          if (opts.signal?.aborted) {
            summary.interrupted = true;
            return;
          }
        }
      }
      bytesBefore += lastBytes;
      summary.bytes = bytesBefore;
    }
    if (batch.length > 0) await write(batch);
    opts.onProgress?.(summary.bytes);
  };

  if (opts.skipInvalid) {
    await readAll(async (batch) => add(await store.transaction((tx) => tx.upsert(batch))));
    return summary;
  }

  await store.transaction(async (tx) => {
    await readAll(async (batch) => {
      if (summary.invalid === 0) add(await tx.upsert(batch)); // after a bad record, only validate
    });
    if (summary.invalid > 0) {
      const first = summary.problems[0]!;
      throw new InputError(
        summary.invalid === 1
          ? `ingest: 1 invalid record (${first}); nothing stored (--skip-invalid stores the valid ones)`
          : `ingest: ${summary.invalid} invalid records; nothing stored (--skip-invalid stores the valid ones)`,
        summary.invalid === 1 ? [] : summary.problems,
      );
    }
    if (summary.interrupted) throw new InterruptedIngest();
  }).catch((err) => {
    if (err instanceof InterruptedIngest) return;
    throw err;
  });
  if (summary.interrupted) {
    // The transaction was rolled back: an interrupted all-or-nothing run stores nothing.
    summary.inserted = summary.updated = summary.unchanged = 0;
  }
  return summary;
}

class InterruptedIngest extends Error {}
