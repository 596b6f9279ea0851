import { InputError, UsageError } from '../core/errors.js';
import { DEFAULT_MAX_RECORD_BYTES, readJsonRecords, type JsonRecord } from '../core/json-records.js';
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

/** The summary as the run goes, and the bad records in it. */
class Tally {
  readonly summary: IngestSummary;

  constructor(private readonly opts: IngestOptions) {
    this.summary = { files: opts.files.length, records: 0, inserted: 0, updated: 0, unchanged: 0, invalid: 0, repaired: 0, bytes: 0, interrupted: false, problems: [], warnings: [] };
  }

  problem(p: string): void {
    this.summary.invalid++;
    if (this.summary.problems.length < KEEP_PROBLEMS) this.summary.problems.push(p);
    this.opts.onProblem?.(p);
  }

  repaired(at: string, repairs: TextRepairs): void {
    this.summary.repaired++;
    if (this.summary.warnings.length < KEEP_PROBLEMS) this.summary.warnings.push(`${at}: ${describeRepairs(repairs)}`);
  }

  add(c: UpsertCounts): void {
    this.summary.inserted += c.inserted;
    this.summary.updated += c.updated;
    this.summary.unchanged += c.unchanged;
  }

  inputError(): InputError {
    const { invalid, problems } = this.summary;
    return new InputError(
      invalid === 1
        ? `ingest: 1 invalid record (${problems[0]!}); nothing stored (--skip-invalid stores the valid ones)`
        : `ingest: ${invalid} invalid records; nothing stored (--skip-invalid stores the valid ones)`,
      invalid === 1 ? [] : problems,
    );
  }
}

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
  const tally = new Tally(opts);
  let opened: DocumentStore | undefined;
  const open = async () => (opened ??= typeof store === 'function' ? await store() : store);
  const batches = readBatches(opts, tally);
  if (opts.skipInvalid) await storeEachBatch(batches, open, tally);
  else await storeAllOrNothing(batches, open, tally);
  return tally.summary;
}

/** The valid documents of every file in batches, with progress in bytes; stops after a batch once interrupted. */
async function* readBatches(opts: IngestOptions, tally: Tally): AsyncGenerator<Batch> {
  const { summary } = tally;
  const batchSize = opts.batchSize ?? 1000;
  const now = new Date().toISOString();
  let batch: Batch = { docs: [], where: [] };
  let bytesBefore = 0;
  for (const file of opts.files) {
    const read = { bytes: 0 };
    for await (const { doc, at } of fileDocuments(file, opts, tally, now, read)) {
      batch.docs.push(doc);
      batch.where.push(at);
      if (batch.docs.length < batchSize) continue;
      yield batch;
      batch = { docs: [], where: [] };
      summary.bytes = bytesBefore + read.bytes;
      opts.onProgress?.(summary.bytes);
      if (opts.signal?.aborted) {
        summary.interrupted = true;
        return;
      }
    }
    bytesBefore += read.bytes;
    summary.bytes = bytesBefore;
  }
  if (batch.docs.length > 0) yield batch;
  opts.onProgress?.(summary.bytes);
}

/**
 * The documents of one file, each with its `file:line`; bad records go to the tally. `read.bytes`
 * follows the bytes read so far, bad records included.
 */
async function* fileDocuments(file: string, opts: IngestOptions, tally: Tally, now: string, read: { bytes: number }): AsyncGenerator<{ doc: NewDocument; at: string }> {
  let kind: 'unknown' | 'export' | 'records' = opts.restore ? 'export' : 'unknown';
  let first = true;
  try {
    for await (const rec of readJsonRecords(file, { maxRecordBytes: opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, exactIntegers: true, flagEscapes: true })) {
      read.bytes = rec.bytesRead;
      const at = `${rec.file}:${rec.line}`;
      const isFirst = first;
      first = false;
      if (rec.ok && isExportHeader(rec.value)) {
        if (isFirst && opts.mappingFlags?.length) {
          tally.problem(`${at}: an llmops export, restored only as exported, but ${opts.mappingFlags.join(', ')} given: ingest it without them`);
          break;
        }
        if (isFirst || kind === 'export') {
          kind = 'export'; // a header again: exports joined with cat
          continue;
        }
        tally.summary.records++;
        tally.problem(`${at}: an llmops export header after ordinary records: an export is restored only whole`);
        continue;
      }
      if (kind === 'unknown') kind = 'records';
      tally.summary.records++;
      const doc = toDocument(rec, kind === 'export', opts.mapping, now, tally, at);
      if (doc) yield { doc, at };
    }
  } catch (err) {
    throw unreadable(file, err);
  }
}

/** The document a record maps to, or null when it is bad (reported to the tally). */
function toDocument(rec: JsonRecord, isExport: boolean, mapping: FieldMapping, now: string, tally: Tally, at: string): NewDocument | null {
  if (!rec.ok) {
    tally.problem(`${at}: ${rec.reason}`);
    return null;
  }
  // Only a \u escape can put a lone surrogate or NUL in a string: skip the walk otherwise.
  const repairs: TextRepairs | null = rec.escapes === false ? null : { surrogates: 0, nul: 0 };
  const mapped = isExport ? mapExportRecord(rec.value, repairs) : mapRecord(rec.value, mapping, now, repairs);
  if (!mapped.ok) {
    tally.problem(`${at}: ${mapped.reason}`);
    return null;
  }
  if (repairs && (repairs.surrogates > 0 || repairs.nul > 0)) tally.repaired(at, repairs);
  return mapped.doc;
}

/** `--skip-invalid`: each batch commits on its own; a batch the database refuses is stored record by record. */
async function storeEachBatch(batches: AsyncIterable<Batch>, open: () => Promise<DocumentStore>, tally: Tally): Promise<void> {
  for await (const b of batches) {
    const s = await open();
    try {
      tally.add(await s.transaction((tx) => tx.upsert(b.docs)));
    } catch (err) {
      if (!refusedRecord(err)) throw err;
      // The database refused something in this batch: store the records one by one, so the
      // refused ones are reported by file:line and the rest are kept.
      for (let i = 0; i < b.docs.length; i++) {
        try {
          tally.add(await s.transaction((tx) => tx.upsert([b.docs[i]!])));
        } catch (e) {
          if (!refusedRecord(e)) throw e;
          tally.problem(`${b.where[i]}: ${refusal(e)}`);
        }
      }
    }
  }
}

/** The default: one transaction for the whole run, rolled back by a bad record or an interruption. */
async function storeAllOrNothing(batches: AsyncGenerator<Batch>, open: () => Promise<DocumentStore>, tally: Tally): Promise<void> {
  const { summary } = tally;
  const head = await batches.next();
  if (summary.invalid > 0) {
    // Bad input before the first batch: validate the rest, having opened (created) nothing.
    for await (const _ of batches);
    throw tally.inputError();
  }
  if (head.done) return;
  const s = await open();
  let refused: { error: unknown; batch: Batch } | undefined;
  await s
    .transaction(async (tx) => {
      const write = async (b: Batch) => {
        try {
          tally.add(await tx.upsert(b.docs));
        } catch (err) {
          if (refusedRecord(err)) refused = { error: err, batch: b };
          throw err;
        }
      };
      await write(head.value);
      for await (const b of batches) if (summary.invalid === 0) await write(b); // after a bad record, only validate
      if (summary.invalid > 0) throw tally.inputError();
      if (summary.interrupted) throw new InterruptedIngest();
    })
    .catch(async (err) => {
      if (err instanceof InterruptedIngest) return;
      // Rolled back. Find the record(s) the database refused and report them by file:line.
      if (refused && err === refused.error && (await attribute(s, refused.batch, tally)) > 0) throw tally.inputError();
      throw err;
    });
  if (summary.interrupted) {
    // The transaction was rolled back: an interrupted all-or-nothing run stores nothing.
    summary.inserted = summary.updated = summary.unchanged = 0;
  }
}

/** Tries each record of a batch alone, in a transaction that is then undone; reports the refused ones. */
async function attribute(st: DocumentStore, b: Batch, tally: Tally): Promise<number> {
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
      tally.problem(`${b.where[i]}: ${refusal(e)}`);
      found++;
    }
  }
  return found;
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
