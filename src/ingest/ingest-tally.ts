import { InputError } from '../core/errors.js';
import type { NewDocument, UpsertCounts } from '../store/types.js';
import type { InputFormat } from './input-format.js';
import type { FieldMapping } from './map-record.js';
import { describeRepairs, type TextRepairs } from '../core/storable-text.js';

export type IngestOptions = {
  files: string[];
  /** How to read every input (`--format`); else by its extension, stdin and other files as JSON. */
  format?: InputFormat;
  mapping: FieldMapping;
  /** The title of every document read as text (`--title`), instead of its heading or file name. */
  title?: string;
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
  /** Inputs with nothing in them (an empty file, a page with no text), passed over. */
  skipped: number;
  /** Records whose text was made storable (lone surrogates → U+FFFD, NUL removed). */
  repaired: number;
  bytes: number;
  interrupted: boolean;
  problems: string[];
  /** `file:line: what was repaired` (or other warnings), the first KEEP_PROBLEMS of them. */
  warnings: string[];
  /** `file: why it was skipped`, the first KEEP_PROBLEMS of them. */
  notes: string[];
};

/** A document read from an input, and where: `file:line`, or the file for a whole-file document. */
export type ReadDocument = { doc: NewDocument; at: string };

/** What a reader of one input gets: the run's options, the tally, and where to count bytes read. */
export type ReadContext = { opts: IngestOptions; tally: Tally; now: string; read: { bytes: number } };

const KEEP_PROBLEMS = 1000;

/** The summary as the run goes, and the bad records in it. */
export class Tally {
  readonly summary: IngestSummary;

  constructor(private readonly opts: IngestOptions) {
    this.summary = {
      files: opts.files.length,
      records: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      invalid: 0,
      skipped: 0,
      repaired: 0,
      bytes: 0,
      interrupted: false,
      problems: [],
      warnings: [],
      notes: [],
    };
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

  /** Something to say about a stored record that is not a repair. */
  warning(w: string): void {
    if (this.summary.warnings.length < KEEP_PROBLEMS) this.summary.warnings.push(w);
  }

  skipped(note: string): void {
    this.summary.skipped++;
    if (this.summary.notes.length < KEEP_PROBLEMS) this.summary.notes.push(note);
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
