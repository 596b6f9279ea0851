import { InputError, UsageError } from '../core/errors.js';
import { DEFAULT_MAX_RECORD_BYTES, readJsonRecords } from '../core/json-records.js';
import type { DocumentStore } from '../store/document-store.js';
import type { NewDocument, UpsertCounts } from '../store/types.js';
import { isExportHeader, mapExportRecord, mapRecord, type FieldMapping } from './map-record.js';
import { describeRepairs, type TextRepairs } from './storable-text.js';
import { describePathError } from '../core/path-errors.js';

export type IngestOptions = {
  files: string[];
  mapping: FieldMapping;
  /** Every record is an `inspect export` record, restored as it was (`ingest --restore`). */
  restore?: boolean;
  /**
   * The mapping flags given on the command line (`--source`, …). An export file is then refused
   * instead of restored: whoever asked for a mapping did not ask for a restore.
   */
  mappingFlags?: string[];
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
  /** Records whose text was made storable (lone surrogates → U+FFFD, NUL removed). */
  repaired: number;
  bytes: number;
  interrupted: boolean;
  problems: string[];
  /** `file:line: what was repaired`, the first KEEP_PROBLEMS of them. */
  warnings: string[];
};

const KEEP_PROBLEMS = 1000;

type Batch = { docs: NewDocument[]; where: string[] };

/**
 * Reads every record of every file and upserts the documents in batches.
 *
 * `store` may be a function that opens it: it is called only when there is something to write,
 * so a run that fails on its input before its first batch opens (and creates) nothing.
 *
 * By default the whole run is one transaction: a single bad record means nothing is stored
 * (the run still reads on, to report every bad record at once). With `skipInvalid`, each batch
 * commits on its own and bad records are only reported.
 *
 * A file whose first line is an export header (`inspect export`) is restored as exported;
 * `restore` treats every input so. Everywhere else an export record is refused: a line in an
 * ordinary stream must not choose the id of the document it replaces.
 */
export async function runIngest(store: DocumentStore | (() => Promise<DocumentStore>), opts: IngestOptions): Promise<IngestSummary> {
  const summary: IngestSummary = {
    files: opts.files.length,
    records: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    invalid: 0,
    repaired: 0,
    bytes: 0,
    interrupted: false,
    problems: [],
    warnings: [],
  };
  const batchSize = opts.batchSize ?? 1000;
  const now = new Date().toISOString();
  let opened: DocumentStore | undefined;
  const open = async () => (opened ??= typeof store === 'function' ? await store() : store);

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

  async function* batches(): AsyncGenerator<Batch> {
    let batch: Batch = { docs: [], where: [] };
    let bytesBefore = 0;
    for (const file of opts.files) {
      let lastBytes = 0;
      let kind: 'unknown' | 'export' | 'records' = opts.restore ? 'export' : 'unknown';
      let first = true;
      try {
        for await (const rec of readJsonRecords(file, { maxRecordBytes: opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, exactIntegers: true, flagEscapes: true })) {
          lastBytes = rec.bytesRead;
          const at = `${rec.file}:${rec.line}`;
          const isFirst = first;
          first = false;
          if (rec.ok && isExportHeader(rec.value)) {
            if (isFirst && opts.mappingFlags?.length) {
              problem(`${at}: an llmops export, restored only as exported, but ${opts.mappingFlags.join(', ')} given: ingest it without them`);
              break;
            }
            if (isFirst || kind === 'export') {
              kind = 'export'; // a header again: exports joined with cat
              continue;
            }
            summary.records++;
            problem(`${at}: an llmops export header after ordinary records: an export is restored only whole`);
            continue;
          }
          if (kind === 'unknown') kind = 'records';
          summary.records++;
          if (!rec.ok) {
            problem(`${at}: ${rec.reason}`);
            continue;
          }
          // Only a \u escape can put a lone surrogate or NUL in a string: skip the walk otherwise.
          const repairs: TextRepairs | null = rec.escapes === false ? null : { surrogates: 0, nul: 0 };
          const mapped = kind === 'export' ? mapExportRecord(rec.value, repairs) : mapRecord(rec.value, opts.mapping, now, repairs);
          if (!mapped.ok) {
            problem(`${at}: ${mapped.reason}`);
            continue;
          }
          if (repairs && (repairs.surrogates > 0 || repairs.nul > 0)) {
            summary.repaired++;
            if (summary.warnings.length < KEEP_PROBLEMS) summary.warnings.push(`${at}: ${describeRepairs(repairs)}`);
          }
          batch.docs.push(mapped.doc);
          batch.where.push(at);
          if (batch.docs.length >= batchSize) {
            yield batch;
            batch = { docs: [], where: [] };
            summary.bytes = bytesBefore + lastBytes;
            opts.onProgress?.(summary.bytes);
            if (opts.signal?.aborted) {
              summary.interrupted = true;
              return;
            }
          }
        }
      } catch (err) {
        throw unreadable(file, err);
      }
      bytesBefore += lastBytes;
      summary.bytes = bytesBefore;
    }
    if (batch.docs.length > 0) yield batch;
    opts.onProgress?.(summary.bytes);
  }

  const inputError = () => {
    const first = summary.problems[0]!;
    return new InputError(
      summary.invalid === 1
        ? `ingest: 1 invalid record (${first}); nothing stored (--skip-invalid stores the valid ones)`
        : `ingest: ${summary.invalid} invalid records; nothing stored (--skip-invalid stores the valid ones)`,
      summary.invalid === 1 ? [] : summary.problems,
    );
  };

  if (opts.skipInvalid) {
    for await (const b of batches()) {
      const s = await open();
      try {
        add(await s.transaction((tx) => tx.upsert(b.docs)));
      } catch (err) {
        if (!refusedRecord(err)) throw err;
        // The database refused something in this batch: store the records one by one, so the
        // refused ones are reported by file:line and the rest are kept.
        for (let i = 0; i < b.docs.length; i++) {
          try {
            add(await s.transaction((tx) => tx.upsert([b.docs[i]!])));
          } catch (e) {
            if (!refusedRecord(e)) throw e;
            problem(`${b.where[i]}: ${refusal(e)}`);
          }
        }
      }
    }
    return summary;
  }

  const it = batches();
  const head = await it.next();
  if (summary.invalid > 0) {
    // Bad input before the first batch: validate the rest, having opened (created) nothing.
    for await (const _ of it);
    throw inputError();
  }
  if (head.done) return summary;

  const s = await open();
  let refused: { error: unknown; batch: Batch } | undefined;
  await s
    .transaction(async (tx) => {
      const write = async (b: Batch) => {
        try {
          add(await tx.upsert(b.docs));
        } catch (err) {
          if (refusedRecord(err)) refused = { error: err, batch: b };
          throw err;
        }
      };
      await write(head.value);
      for await (const b of it) if (summary.invalid === 0) await write(b); // after a bad record, only validate
      if (summary.invalid > 0) throw inputError();
      if (summary.interrupted) throw new InterruptedIngest();
    })
    .catch(async (err) => {
      if (err instanceof InterruptedIngest) return;
      if (refused && err === refused.error) {
        // Rolled back. Find the record(s) the database refused, each tried alone in a
        // transaction that is then undone, and report them by file:line.
        const found = await attribute(s, refused.batch);
        if (found > 0) throw inputError();
      }
      throw err;
    });
  if (summary.interrupted) {
    // The transaction was rolled back: an interrupted all-or-nothing run stores nothing.
    summary.inserted = summary.updated = summary.unchanged = 0;
  }
  return summary;

  async function attribute(st: DocumentStore, b: Batch): Promise<number> {
    let found = 0;
    for (let i = 0; i < b.docs.length; i++) {
      try {
        await st.transaction(async (tx) => {
          await tx.upsert([b.docs[i]!]);
          throw new ProbeDone();
        });
      } catch (e) {
        if (e instanceof ProbeDone) continue;
        if (!refusedRecord(e)) throw e;
        problem(`${b.where[i]}: ${refusal(e)}`);
        found++;
      }
    }
    return found;
  }
}

class InterruptedIngest extends Error {}
class ProbeDone extends Error {}

/**
 * An error the database raised about the data of a record (PostgreSQL SQLSTATE classes 22 data
 * exception, 23 integrity, 54 limit exceeded, such as an over-long indexed link; SQLite's
 * equivalents), as opposed to a lost connection or a bug: only these are reported by file:line.
 */
function refusedRecord(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (/^(22|23|54)[0-9A-Z]{3}$/.test(code) || /^SQLITE_(TOOBIG|CONSTRAINT|MISMATCH)/.test(code));
}

function refusal(err: unknown): string {
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  return `refused by the database: ${msg.length > 200 ? `${msg.slice(0, 197)}...` : msg}`;
}

/** A file that cannot be read (permissions, a folder, an I/O error) is a usage error naming it. */
function unreadable(file: string, err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!e || typeof e.code !== 'string' || typeof e.syscall !== 'string') return err;
  const what = describePathError(e) ?? e.code;
  return new UsageError(`ingest: cannot read ${file === '-' ? 'stdin' : file}: ${what}`);
}
