import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { createContext, withRun } from '../context.js';
import { toPositiveInt } from '../options.js';
import { printSummary } from '../print.js';
import { createProgress } from '../progress.js';

type SplitFlags = {
  in?: string;
  out?: string;
  limit?: number;
  watch?: string;
  batchSize?: number;
  textField?: string;
  skipInvalid?: boolean;
};

export function register(program: Command): void {
  program
    .command('split')
    .description('Split documents into sentences with character offsets (only documents not split yet)')
    .option('--in <file|->', 'read NDJSON documents from a file or stdin instead of the store')
    .option('--out <file|->', 'write the sentences as NDJSON to a file or stdout')
    .option('--limit <n>', 'split at most n documents', toPositiveInt)
    .option('--watch <interval>', 'keep polling for new documents every interval (e.g. 30s) until Ctrl-C')
    .option('--batch-size <n>', 'documents per transaction (default 256)', toPositiveInt)
    .option('--text-field <path>', 'with --in: field holding the text, a dot path such as payload.text (default: text, content or body)')
    .option('--skip-invalid', 'with --in: skip bad records (reported on stderr, exit 3)')
    .addHelpText(
      'after',
      `
Examples:
  llmops split                                   split what ingest stored
  llmops split --watch 30s                       keep splitting new documents
  cat docs.jsonl | llmops split --in - --out -   no store: NDJSON documents in, sentences out`,
    )
    .action(async (flags: SplitFlags, cmd: Command) => {
      const ctx = await createContext(cmd.optsWithGlobals());
      const { parseDuration } = await import('../../core/duration.js');
      const watchMs = flags.watch === undefined ? undefined : parseDuration(flags.watch, '--watch');
      const { createNdjsonWriter } = await import('../../core/ndjson-writer.js');

      if (flags.in !== undefined) {
        if (flags.watch !== undefined) throw new UsageError('split: --watch works on the store, not with --in');
        const { splitStream, finishStream } = await import('../../split/split-stream.js');
        const out = createNdjsonWriter(flags.out ?? '-');
        let summary;
        try {
          summary = await splitStream(flags.in, out, { textField: flags.textField, skipInvalid: flags.skipInvalid, signal: ctx.signal });
          await out.close();
        } catch (err) {
          await out.abort();
          throw err;
        }
        printSummary(ctx, 'split', summary, true);
        finishStream(summary);
        return;
      }

      if (ctx.warehouseUrl) {
        // Sentences reference their document in the SQL database; a MongoDB warehouse would
        // first have to be mirrored there, which split does not do (yet).
        throw new UsageError('split: reads documents from the --db database; with a MongoDB --warehouse, use split --in/--out on exported documents');
      }
      const { runSplit, pendingDocuments, watchLoop } = await import('../../split/run-split.js');
      const { countSentences } = await import('../../store/sentences-repo.js');
      const { countDocuments } = await import('../../store/documents-repo.js');
      const db = await ctx.openDb();
      const out = flags.out === undefined ? null : createNdjsonWriter(flags.out);
      try {
        const once = async () => {
          const pending = await pendingDocuments(db);
          const total = flags.limit === undefined ? pending : Math.min(pending, flags.limit);
          const progress = await createProgress(ctx, 'split', total, 'documents');
          let done = 0;
          const started = performance.now();
          const result = await withRun(db, 'split', async () => {
            try {
              const s = await runSplit(db, {
                limit: flags.limit,
                batchSize: flags.batchSize ?? ctx.config.split?.batch_size,
                signal: ctx.signal,
                onBatch: async (b) => {
                  done += b.documents;
                  progress.update(done);
                  if (out) for (const s of b.sentences) await out.write(s);
                },
              });
              return { ...s, counts: { ...s }, status: s.interrupted ? 'interrupted' : 'ok' } as const;
            } finally {
              progress.stop();
            }
          });
          if (watchMs !== undefined && result.documents === 0) return; // quiet polls
          const seconds = (performance.now() - started) / 1000;
          printSummary(
            ctx,
            'split',
            {
              documents: result.documents,
              sentences: result.sentences,
              mb_per_s: Number((result.characters / 1e6 / Math.max(seconds, 1e-6)).toFixed(2)),
              documents_in_store: await countDocuments(db.db),
              sentences_in_store: await countSentences(db.db),
              note: result.interrupted ? 'interrupted: the next run carries on' : result.documents === 0 ? 'nothing new to split' : undefined,
            },
            out !== null && out.kind === 'stdout',
          );
        };
        if (watchMs === undefined) await once();
        else await watchLoop(watchMs, ctx.signal, once);
        await out?.close();
      } catch (err) {
        await out?.abort();
        throw err;
      } finally {
        await db.close();
      }
    });
}
