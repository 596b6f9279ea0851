import { PartialFailure, UsageError } from '../core/errors.js';
import type { IngestSummary } from '../ingest/ingest-tally.js';
import type { InputFormat } from '../ingest/input-format.js';
import type { FieldMapping } from '../ingest/map-record.js';
import { runCommand } from './command-scope.js';
import type { Context } from './context.js';
import { lazyIngestTarget } from './ingest-target.js';
import { withProgress } from './progress.js';
import { outcomeStatus } from './run-record.js';

/** The mapping flags (a field each, or a default), and how to ingest. */
export type IngestFlags = FieldMapping & {
  format?: InputFormat;
  glob?: string;
  title?: string;
  restore?: boolean;
  skipInvalid?: boolean;
  maxRecordMb?: number;
};

const MAPPING_FLAGS: [keyof IngestFlags, string][] = [
  ['textField', '--text-field'],
  ['titleField', '--title-field'],
  ['idField', '--id-field'],
  ['linkField', '--link-field'],
  ['authorField', '--author-field'],
  ['categoryField', '--category-field'],
  ['category', '--category'],
  ['author', '--author'],
  ['source', '--source'],
];

const MAX_WARNING_LINES = 20;

/** What ingest reports (the summary the CLI prints). */
export type IngestReport = ReturnType<typeof summaryFields>;

/** `llmops ingest`: `ingestInputs`, exit 3 when invalid records were skipped. */
export async function ingest(ctx: Context, inputs: string[], flags: IngestFlags, fromConfig?: ReadonlySet<string>): Promise<void> {
  const report = await ingestInputs(ctx, inputs, flags, fromConfig);
  if (report.invalid > 0) throw new PartialFailure(`ingest: ${report.invalid} invalid record(s) skipped, the rest stored`);
}

/**
 * JSON records, text, Markdown and HTML files, or stdin into the warehouse as documents.
 * `fromConfig` names the flags llmops.yaml filled in: its field mapping is a default for plain
 * records, not a request that conflicts with restoring an export.
 */
export async function ingestInputs(ctx: Context, inputs: string[], flags: IngestFlags, fromConfig: ReadonlySet<string> = new Set()): Promise<IngestReport> {
  const { expandInputs, totalBytes } = await import('../ingest/expand-inputs.js');
  const { runIngest } = await import('../ingest/run-ingest.js');
  const mappingFlags = MAPPING_FLAGS.filter(([k]) => flags[k] !== undefined && !fromConfig.has(k)).map(([, f]) => f);
  if (flags.restore && mappingFlags.length > 0) {
    throw new UsageError(`ingest: --restore restores documents as exported; ${mappingFlags.join(', ')} cannot apply`);
  }
  const files = expandInputs(inputs, { glob: flags.glob });
  const maxMb = flags.maxRecordMb ?? 64;
  return runCommand(ctx, async (scope) => {
    const target = await lazyIngestTarget(scope);
    const started = performance.now();
    try {
      const summary = await withProgress(ctx, { label: 'ingest', total: totalBytes(files), unit: 'bytes' }, (progress) =>
        runIngest(target.open, {
          files,
          format: flags.format,
          mapping: fieldMapping(flags),
          title: flags.title,
          restore: Boolean(flags.restore),
          mappingFlags,
          skipInvalid: Boolean(flags.skipInvalid),
          maxRecordBytes: Math.round(maxMb * 1024 * 1024),
          signal: ctx.signal,
          onProgress: (b) => progress.update(b),
        }),
      );
      const store = await target.open(); // a run that stored nothing is still recorded
      const total = await store.count().catch(() => undefined);
      const { problems: _p, warnings: _w, notes: _n, ...counts } = summary;
      await target.finish(outcomeStatus({ interrupted: summary.interrupted, failed: summary.invalid }), counts);
      reportProblems(ctx, summary, Boolean(flags.skipInvalid));
      const report = summaryFields(summary, total, (performance.now() - started) / 1000);
      scope.summary('ingest', report);
      return report;
    } catch (err) {
      await target.fail(err);
      throw err;
    }
  });
}

/** The mapping flags (or llmops.yaml's `ingest:` section, which fills them in). */
function fieldMapping(flags: IngestFlags): FieldMapping {
  const { textField, titleField, idField, linkField, authorField, categoryField, category, author, source } = flags;
  return { textField, titleField, idField, linkField, authorField, categoryField, category, author, source };
}

function reportProblems(ctx: Context, summary: IngestSummary, skipInvalid: boolean): void {
  if (skipInvalid) for (const p of summary.problems) ctx.logger.warn(p);
  for (const w of summary.warnings.slice(0, MAX_WARNING_LINES)) ctx.logger.warn(`warning: ${w}`);
  if (summary.repaired > MAX_WARNING_LINES) ctx.logger.warn(`warning: … and ${summary.repaired - MAX_WARNING_LINES} more records repaired`);
  for (const n of summary.notes.slice(0, MAX_WARNING_LINES)) ctx.logger.info(`note: ${n}`);
  if (summary.skipped > MAX_WARNING_LINES) ctx.logger.info(`note: … and ${summary.skipped - MAX_WARNING_LINES} more inputs skipped`);
}

function summaryFields(summary: IngestSummary, documentsInStore: number | undefined, seconds: number) {
  const nothingNew = summary.inserted === 0 && summary.updated === 0;
  return {
    files: summary.files,
    records: summary.records,
    inserted: summary.inserted,
    updated: summary.updated,
    unchanged: summary.unchanged,
    invalid: summary.invalid,
    skipped: summary.skipped,
    repaired: summary.repaired,
    documents_in_store: documentsInStore,
    mb_per_s: Number((summary.bytes / 1e6 / Math.max(seconds, 1e-6)).toFixed(2)),
    note: summary.interrupted ? 'interrupted: nothing stored' : nothingNew ? 'nothing new to store' : undefined,
  };
}
