import type { Command } from 'commander';
import { PartialFailure, UsageError, errorMessage } from '../../core/errors.js';
import { redactArgs } from '../../core/redact.js';
import type { Db } from '../../store/database.js';
import type { DocumentStore } from '../../store/document-store.js';
import { createContext, type Context } from '../context.js';
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
    .option('--restore', 'every input is an `inspect export` (with or without its header line): restore ids, sources, timestamps as exported')
    .option('--skip-invalid', 'store the valid records, report the invalid ones, exit 3')
    .option('--max-record-mb <n>', 'largest record accepted, in MB (default 64)', toPositiveNumber)
    .addHelpText(
      'after',
      `
A file made by \`llmops inspect export\` starts with a header line and is restored as exported
(same ids, replacing stored documents with those ids). Export records anywhere else are refused;
an export without its header line needs --restore. Text is stored so that every engine keeps it
exactly: a lone surrogate (\\ud800) becomes U+FFFD and NUL (\\u0000) is removed, each reported
as a warning; integers beyond 2^53 are kept as strings of their exact digits.

Examples:
  llmops ingest data/                          every .json/.jsonl file under data/
  llmops ingest reviews.jsonl --text-field review.body --category reviews
  cat posts.jsonl | llmops ingest - --source forum --skip-invalid
  llmops --db copy.db ingest backup.jsonl      restore an inspect export`,
    )
    .action(async (inputs: string[], flags: IngestFlags, cmd: Command) => {
      const ctx = await createContext(cmd.optsWithGlobals());
      const { expandInputs, totalBytes } = await import('../../ingest/expand-inputs.js');
      const { runIngest } = await import('../../ingest/run-ingest.js');
      const mappingFlags = MAPPING_FLAGS.filter(([k]) => flags[k] !== undefined).map(([, f]) => f);
      if (flags.restore && mappingFlags.length > 0) {
        throw new UsageError(`ingest: --restore restores documents as exported; ${mappingFlags.join(', ')} cannot apply`);
      }
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
      const target = await openLazily(ctx);
      const progress = await createProgress(ctx, 'ingest', totalBytes(files), 'bytes');
      const started = performance.now();
      try {
        let summary;
        try {
          summary = await runIngest(target.open, {
            files,
            mapping,
            restore: Boolean(flags.restore),
            mappingFlags,
            skipInvalid: Boolean(flags.skipInvalid),
            maxRecordBytes: Math.round(maxMb * 1024 * 1024),
            signal: ctx.signal,
            onProgress: (b) => progress.update(b),
          });
        } finally {
          progress.stop();
        }
        const store = await target.open(); // a run that stored nothing is still recorded
        const total = await store.count().catch(() => undefined);
        const { problems: _p, warnings: _w, ...counts } = summary;
        await target.finish(summary.interrupted ? 'interrupted' : summary.invalid > 0 ? 'partial' : 'ok', counts);
        const seconds = (performance.now() - started) / 1000;
        if (flags.skipInvalid) for (const p of summary.problems) ctx.logger.warn(p);
        for (const w of summary.warnings.slice(0, MAX_WARNING_LINES)) ctx.logger.warn(`warning: ${w}`);
        if (summary.repaired > MAX_WARNING_LINES) ctx.logger.warn(`warning: … and ${summary.repaired - MAX_WARNING_LINES} more records repaired`);
        const nothingNew = summary.inserted === 0 && summary.updated === 0;
        printSummary(ctx, 'ingest', {
          files: summary.files,
          records: summary.records,
          inserted: summary.inserted,
          updated: summary.updated,
          unchanged: summary.unchanged,
          invalid: summary.invalid,
          repaired: summary.repaired,
          documents_in_store: total,
          mb_per_s: Number((summary.bytes / 1e6 / Math.max(seconds, 1e-6)).toFixed(2)),
          note: summary.interrupted ? 'interrupted: nothing stored' : nothingNew ? 'nothing new to store' : undefined,
        });
        if (summary.invalid > 0) throw new PartialFailure(`ingest: ${summary.invalid} invalid record(s) skipped, the rest stored`);
      } catch (err) {
        await target.fail(err);
        throw err;
      } finally {
        await target.close();
      }
    });
}

/**
 * The database and warehouse, opened only when the stage first has something to write, and
 * the run's `runs` row with them. An exit-2 run (bad input, nothing stored) leaves no row, and
 * no database file where there was none.
 */
async function openLazily(ctx: Context) {
  const { existsSync, rmSync, rmdirSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  const { parseDatabaseUrl } = await import('../../store/database-url.js');
  const runs = await import('../../store/runs-repo.js');
  const dbTarget = parseDatabaseUrl(ctx.dbUrl);
  let db: Db | undefined;
  let store: DocumentStore | undefined;
  let runId: string | undefined;
  let finished = false;
  // What this run would create: the SQLite file and the folders above it that do not exist yet.
  const created: string[] = [];
  if (dbTarget.engine === 'sqlite' && dbTarget.path !== ':memory:' && !existsSync(dbTarget.path)) {
    created.push(dbTarget.path);
    for (let d = dirname(dbTarget.path); !existsSync(d) && d !== dirname(d); d = dirname(d)) created.push(d);
  }
  let opening: Promise<DocumentStore> | undefined;
  const open = (): Promise<DocumentStore> =>
    (opening ??= (async () => {
      db = await ctx.openDb();
      runId = await runs.startRun(db.db, 'ingest', redactArgs(process.argv.slice(2)));
      store = await ctx.openWarehouse(db);
      return store;
    })());

  const removeIfCreatedAndEmpty = async () => {
    if (created.length === 0 || !db) return;
    const rows = await db.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const docs = await db.db.selectFrom('documents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    if (Number(rows?.n) !== 0 || Number(docs?.n) !== 0) return; // someone else wrote to it meanwhile
    await closeAll();
    const [file, ...dirs] = created;
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
    for (const d of dirs) {
      try {
        rmdirSync(d); // only if empty
      } catch {
        break;
      }
    }
  };

  const closeAll = async () => {
    const s = store;
    const d = db;
    store = undefined;
    db = undefined;
    if (s && s.kind !== 'sql') await s.close();
    if (d) await d.close();
  };

  return {
    open,
    async finish(status: 'ok' | 'partial' | 'interrupted', counts: Record<string, unknown>) {
      if (!db || !runId) return;
      await runs.finishRun(db.db, runId, { status, counts });
      finished = true;
    },
    async fail(err: unknown) {
      if (!db || !runId || finished) return;
      try {
        if (err instanceof UsageError) {
          await runs.deleteRun(db.db, runId);
          await removeIfCreatedAndEmpty();
        } else {
          await runs.finishRun(db.db, runId, { status: 'failed', counts: {}, error: errorMessage(err).split('\n')[0] });
        }
      } catch {
        // the error being reported matters more
      }
    },
    close: closeAll,
  };
}
