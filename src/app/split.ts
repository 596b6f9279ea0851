import { OutputError, UsageError } from '../core/errors.js';
import { WATCH_INTERVAL, parseDuration } from '../core/duration.js';
import type { NdjsonWriter } from '../core/ndjson-writer.js';
import { runCommand, type CommandScope } from './command-scope.js';
import type { Context } from './context.js';
import { watchLoop } from './watch.js';

export type SplitFlags = {
  in?: string;
  out?: string;
  limit?: number;
  watch?: string;
  batchSize?: number;
  /** Worker threads that find sentences (default: the cores; 1 = all in this thread). */
  workers?: number;
  textField?: string;
  skipInvalid?: boolean;
};

/** `llmops split`: the stored documents not split yet, or NDJSON documents with --in. */
export async function split(ctx: Context, flags: SplitFlags): Promise<void> {
  const watchMs = flags.watch === undefined ? undefined : parseDuration(flags.watch, '--watch', WATCH_INTERVAL);
  if (flags.in !== undefined) {
    if (flags.watch !== undefined) throw new UsageError('split: --watch works on the store, not with --in');
    return runCommand(ctx, (scope) => splitFromStream(scope, flags.in!, flags));
  }
  checkSqlWarehouse(ctx);
  await runCommand(ctx, async (scope) => {
    await scope.db();
    const out = flags.out === undefined ? null : scope.ndjson(flags.out);
    const once = async () => void (await splitStored(scope, out, flags, watchMs !== undefined));
    if (watchMs === undefined) await once();
    else {
      scope.runsUntilInterrupted = true;
      await watchLoop(watchMs, ctx.signal, once);
    }
  });
}

/** One pass over the stored documents not split yet (`llmops split` without --watch). */
export function splitDocuments(ctx: Context, flags: Pick<SplitFlags, 'limit' | 'batchSize' | 'workers'>): Promise<SplitReport> {
  checkSqlWarehouse(ctx);
  return runCommand(ctx, (scope) => splitStored(scope, null, flags, false));
}

function checkSqlWarehouse(ctx: Context): void {
  // Sentences reference their document in the SQL database; a MongoDB warehouse would
  // first have to be mirrored there, which split does not do (yet).
  if (ctx.warehouseUrl) throw new UsageError('split: reads documents from the --db database; with a MongoDB --warehouse, use split --in/--out on exported documents');
}

async function splitFromStream(scope: CommandScope, input: string, flags: SplitFlags): Promise<void> {
  const { splitStream, finishStream } = await import('../split/split-stream.js');
  const out = scope.ndjson(flags.out ?? '-', { input });
  const summary = await splitStream(input, out, { textField: flags.textField, skipInvalid: flags.skipInvalid, signal: scope.ctx.signal });
  await scope.finish('split', summary, true);
  finishStream(summary);
}

/** What a split of the store reports (the summary the CLI prints). */
export type SplitReport = { documents: number; sentences: number; workers: number; mb_per_s: number; documents_in_store: number; sentences_in_store: number; note: string | undefined };

/** One pass over the documents not split yet; with --watch, a pass that found none is quiet. */
async function splitStored(scope: CommandScope, out: NdjsonWriter | null, flags: Pick<SplitFlags, 'limit' | 'batchSize' | 'workers'>, watching: boolean): Promise<SplitReport> {
  const { runSplit, pendingDocuments, SPLIT_BATCH } = await import('../split/run-split.js');
  const { workerCount } = await import('../core/worker-pool.js');
  const { countSentences } = await import('../store/sentences-repo.js');
  const { countDocuments } = await import('../store/documents-repo.js');
  const db = await scope.db();
  const pending = await pendingDocuments(db);
  // A --watch poll that finds nothing records no run (a row a poll filled `inspect runs`).
  if (watching && pending === 0) return idleReport();
  const total = flags.limit === undefined ? pending : Math.min(pending, flags.limit);
  let done = 0;
  const started = performance.now();
  let stored = 0;
  const result = await scope.run({ command: 'split', progress: { label: 'split', total, unit: 'documents' } }, (progress) =>
    runSplit(db, {
      limit: flags.limit,
      batchSize: flags.batchSize,
      workers: workerCount(flags.workers, total / (flags.batchSize ?? SPLIT_BATCH), (m) => scope.ctx.logger.warn(`split: ${m}`)),
      signal: scope.ctx.signal,
      texts: out !== null,
      onBatch: async (b) => {
        done += b.documents;
        progress.update(done);
        if (!out || !b.sentences) return;
        try {
          for (const s of b.sentences) await out.write(s);
          await out.flush(); // a failing output stops the run at the batch it failed on
        } catch (err) {
          // The batches before were stored (and split marked) with their sentences written to an
          // output this failure discards: said, so that the user knows where they are.
          if (!(err instanceof OutputError)) throw err;
          throw new OutputError(`${err.message} (${stored + b.documents} document(s) were split and stored before this: their sentences are in the store, not in this output; \`llmops inspect sentences\` shows them, and the next run splits only the documents after them)`, { cause: err });
        }
        stored += b.documents;
      },
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const report: SplitReport = {
    documents: result.documents,
    sentences: result.sentences,
    workers: result.workers,
    mb_per_s: Number((result.characters / 1e6 / Math.max(seconds, 1e-6)).toFixed(2)),
    documents_in_store: await countDocuments(db.db),
    sentences_in_store: await countSentences(db.db),
    note: result.interrupted ? 'interrupted: the next run carries on' : result.documents === 0 ? 'nothing new to split' : undefined,
  };
  if (!(watching && result.documents === 0)) scope.summary('split', report); // quiet polls
  return report;
}

const idleReport = (): SplitReport => ({ documents: 0, sentences: 0, workers: 0, mb_per_s: 0, documents_in_store: 0, sentences_in_store: 0, note: 'nothing new to split' });
