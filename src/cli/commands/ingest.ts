import type { Command } from 'commander';
import { PartialFailure } from '../../core/errors.js';
import { createContext, withRun } from '../context.js';
import { toPositiveNumber } from '../options.js';
import { printSummary } from '../print.js';
import { createProgress } from '../progress.js';

type IngestFlags = {
  textField?: string;
  titleField?: string;
  idField?: string;
  linkField?: string;
  authorField?: string;
  categoryField?: string;
  category?: string;
  author?: string;
  source?: string;
  skipInvalid?: boolean;
  maxRecordMb?: number;
};

export function register(program: Command): void {
  program
    .command('ingest')
    .description('Store JSON, JSONL or stdin records as documents (idempotent: same input, nothing new)')
    .argument('<inputs...>', 'files, directories (their .json/.jsonl/.ndjson files) or - for stdin')
    .option('--text-field <path>', 'field holding the text, a dot path such as review.body (default: text, content or body)')
    .option('--title-field <path>', 'field holding the title (default: title)')
    .option('--id-field <path>', 'field holding the record id, used for the document id (default: id)')
    .option('--link-field <path>', 'field holding the link (default: link or url)')
    .option('--author-field <path>', 'field holding the author (default: author)')
    .option('--category-field <path>', 'field holding the category (default: category)')
    .option('--category <name>', 'category for records that have none (default: documents)')
    .option('--author <name>', 'author for records that have none')
    .option('--source <name>', 'source for records that have none; part of the document id (default: ingest)')
    .option('--skip-invalid', 'store the valid records, report the invalid ones, exit 3')
    .option('--max-record-mb <n>', 'largest record accepted, in MB (default 64)', toPositiveNumber)
    .addHelpText(
      'after',
      `
Examples:
  llmops ingest data/                          every .json/.jsonl file under data/
  llmops ingest reviews.jsonl --text-field review.body --category reviews
  cat posts.jsonl | llmops ingest - --source forum --skip-invalid`,
    )
    .action(async (inputs: string[], flags: IngestFlags, cmd: Command) => {
      const ctx = await createContext(cmd.optsWithGlobals());
      const { expandInputs, totalBytes } = await import('../../ingest/expand-inputs.js');
      const { runIngest } = await import('../../ingest/run-ingest.js');
      const files = expandInputs(inputs);
      const conf = ctx.config.ingest ?? {};
      const mapping = {
        textField: flags.textField ?? conf.text_field,
        titleField: flags.titleField ?? conf.title_field,
        idField: flags.idField ?? conf.id_field,
        linkField: flags.linkField ?? conf.link_field,
        authorField: flags.authorField ?? conf.author_field,
        categoryField: flags.categoryField ?? conf.category_field,
        category: flags.category ?? conf.category,
        author: flags.author ?? conf.author,
        source: flags.source ?? conf.source,
      };
      const maxMb = flags.maxRecordMb ?? conf.max_record_mb ?? 64;
      const db = await ctx.openDb();
      try {
        const store = await ctx.openWarehouse(db);
        const progress = await createProgress(ctx, 'ingest', totalBytes(files), 'bytes');
        const started = performance.now();
        const summary = await withRun(db, 'ingest', async () => {
          try {
            const s = await runIngest(store, {
              files,
              mapping,
              skipInvalid: Boolean(flags.skipInvalid),
              maxRecordBytes: Math.round(maxMb * 1024 * 1024),
              signal: ctx.signal,
              onProgress: (b) => progress.update(b),
            });
            const { problems: _problems, ...counts } = s;
            const total = await store.count().catch(() => undefined);
            return { ...s, total, counts, status: s.interrupted ? 'interrupted' : s.invalid > 0 ? 'partial' : 'ok' } as const;
          } finally {
            progress.stop();
            if (store.kind !== 'sql') await store.close();
          }
        });
        const seconds = (performance.now() - started) / 1000;
        if (flags.skipInvalid) for (const p of summary.problems) ctx.logger.warn(p);
        const nothingNew = summary.inserted === 0 && summary.updated === 0;
        printSummary(ctx, 'ingest', {
          files: summary.files,
          records: summary.records,
          inserted: summary.inserted,
          updated: summary.updated,
          unchanged: summary.unchanged,
          invalid: summary.invalid,
          documents_in_store: summary.total,
          mb_per_s: Number((summary.bytes / 1e6 / Math.max(seconds, 1e-6)).toFixed(2)),
          note: summary.interrupted ? 'interrupted: nothing stored' : nothingNew ? 'nothing new to store' : undefined,
        });
        if (summary.invalid > 0) throw new PartialFailure(`ingest: ${summary.invalid} invalid record(s) skipped, the rest stored`);
      } finally {
        await db.close();
      }
    });
}
