import { UsageError } from '../core/errors.js';
import type { PreparerThreads } from '../featurize/featurize-preparer.js';
import type { ChunkOut } from '../featurize/run-featurize.js';
import { runCommand } from './command-scope.js';
import type { Context } from './context.js';
import { databaseTarget } from './stores.js';

export type FeaturizeFlags = {
  embedder: string;
  model?: string;
  modelsDir?: string;
  dimension?: number;
  vectors: string;
  category?: string;
  limit?: number;
  batchSize?: number;
  embedBatch?: number;
  /** Threads for the CPU work, the writer included (default: the cores; 1 = all in this thread). */
  workers?: number;
  recreate?: boolean;
  featurizeConfig?: string;
  out?: string;
  withVectors?: boolean;
};

/** What featurize reports (the summary the CLI prints). */
export type FeaturizeReport = {
  embedder: string;
  vector_store: string;
  documents: number;
  chunks: number;
  tokens: number;
  capped_at_token_limit: number;
  collections: string | undefined;
  workers: number;
  chunks_per_s: number;
  mb_per_s: number;
  note: string | undefined;
};

/** `llmops featurize`: clean, chunk and embed the documents not featurized yet by this embedder. */
export async function featurize(ctx: Context, flags: FeaturizeFlags): Promise<FeaturizeReport> {
  if (!['auto', 'sqlite', 'qdrant'].includes(flags.vectors)) throw new UsageError(`--vectors: expected auto, sqlite or qdrant, got ${flags.vectors}`);
  if (flags.withVectors && !flags.out) throw new UsageError('--with-vectors goes with --out');
  const { workerCount } = await import('../core/worker-pool.js');
  const { startPreparerThreads, threadsCanHelp } = await import('../featurize/featurize-preparer.js');
  // The worker threads load their script while this one opens the database and the embedder.
  const ahead = workerCount(flags.workers, Infinity, () => {});
  const early = ahead > 1 && threadsCanHelp(flags.embedder) ? startPreparerThreads(ahead - 1) : undefined;
  try {
    return await featurizeWith(ctx, flags, early);
  } finally {
    await early?.pool.close();
  }
}

async function featurizeWith(ctx: Context, flags: FeaturizeFlags, early: PreparerThreads | undefined): Promise<FeaturizeReport> {
  const { loadFeaturizeConfig } = await import('../featurize/featurize-config.js');
  const config = await loadFeaturizeConfig(flags.featurizeConfig);
  const { createEmbedder } = await import('../embed/create-embedder.js');
  const { runFeaturize, pendingCount, FEATURIZE_BATCH } = await import('../featurize/run-featurize.js');
  const { workerCount } = await import('../core/worker-pool.js');
  await databaseTarget(ctx); // a bad --db is refused before a model loads
  return runCommand(ctx, async (scope) => {
    const embedder = scope.use(await createEmbedder({ name: flags.embedder, model: flags.model, modelsDir: flags.modelsDir, dimension: flags.dimension, logger: ctx.logger }), (e) => e.close?.());
    ctx.logger.info(`featurize: embedder ${embedder.id} (${embedder.dimension} dimensions, ${embedder.maxTokens} tokens max, ${embedder.tokenizer})`);
    const db = await scope.db();
    const vectors = await scope.vectors(flags.vectors as 'auto');
    const out = flags.out === undefined ? null : scope.ndjson(flags.out);
    const store = await scope.warehouse();
    const fdb = db.db;
    const pending = await pendingCount(fdb, store, embedder.id, flags.category);
    const progress = { label: 'featurize', total: flags.limit === undefined ? pending : Math.min(pending, flags.limit), unit: 'documents' };
    let done = 0;
    const started = performance.now();
    const s = await scope.run({ command: 'featurize', details: { vector_store: vectors.kind }, progress }, (bar) =>
      runFeaturize(fdb, store, vectors, {
        embedder,
        config,
        category: flags.category,
        limit: flags.limit,
        batchSize: flags.batchSize,
        embedBatch: flags.embedBatch,
        workers: workerCount(flags.workers, progress.total / (flags.batchSize ?? FEATURIZE_BATCH), (m) => ctx.logger.warn(`featurize: ${m}`)),
        threads: early,
        recreate: flags.recreate,
        signal: ctx.signal,
        onBatch: async (b) => {
          done += b.documents;
          bar.update(done);
          if (out) for (const c of b.chunks) await out.write(chunkRecord(c, Boolean(flags.withVectors)));
        },
      }),
    );
    const seconds = Math.max((performance.now() - started) / 1000, 1e-6);
    const report: FeaturizeReport = {
      embedder: s.embedder,
      vector_store: vectors.kind,
      documents: s.documents,
      chunks: s.chunks,
      tokens: s.tokens,
      capped_at_token_limit: s.capped,
      collections: s.collections.join(', ') || undefined,
      workers: s.workers,
      chunks_per_s: Number((s.chunks / seconds).toFixed(1)),
      mb_per_s: Number((s.characters / 1e6 / seconds).toFixed(2)),
      note: s.interrupted ? 'interrupted: the next run carries on' : s.documents === 0 ? 'nothing new to featurize' : undefined,
    };
    await scope.finish('featurize', report);
    return report;
  });
}

/** A chunk as `--out` writes it: its index as chunk_index, its vector only with --with-vectors. */
function chunkRecord(c: ChunkOut, withVectors: boolean): Record<string, unknown> {
  const { vector, idx, ...rest } = c;
  return { ...rest, chunk_index: idx, ...(withVectors ? { vector: Array.from(vector) } : {}) };
}
