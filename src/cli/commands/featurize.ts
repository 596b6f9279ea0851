import type { Command } from 'commander';
import { createContext, withRun } from '../context.js';
import { toPositiveInt } from '../options.js';
import { printSummary } from '../print.js';
import { createProgress } from '../progress.js';

type FeaturizeFlags = {
  embedder: string;
  model?: string;
  modelsDir?: string;
  dimension?: number;
  vectors: string;
  category?: string;
  limit?: number;
  batchSize?: number;
  embedBatch?: number;
  recreate?: boolean;
  featurizeConfig?: string;
  out?: string;
  withVectors?: boolean;
};

export function register(program: Command): void {
  program
    .command('featurize')
    .description('Clean, chunk and embed documents not yet featurized into cleaned_<category> and embedded_<category> collections (+ a lexical index)')
    .option('--embedder <name>', 'auto (MiniLM if its weights load, else hashing), minilm, hashing or openai', 'auto')
    .option('--model <id>', 'minilm: transformers.js model folder/hub id (default Xenova/all-MiniLM-L6-v2); openai: model (default text-embedding-3-small)')
    .option('--models-dir <dir>', 'where local models live (env LLMOPS_MODELS_DIR; default ~/.cache/llmops/models)')
    .option('--dimension <n>', 'hashing: vector length (default 1024); openai: shortened embeddings', toPositiveInt)
    .option('--vectors <store>', 'auto (Qdrant when QDRANT_URL is set, else sqlite-vec), sqlite or qdrant', 'auto')
    .option('--category <name>', 'only documents of this category')
    .option('--limit <n>', 'featurize at most n documents', toPositiveInt)
    .option('--batch-size <n>', 'documents per committed batch (default 64)', toPositiveInt)
    .option('--embed-batch <n>', 'chunks per embedding call (default 64)', toPositiveInt)
    .option('--recreate', 'drop and rebuild the collections touched (e.g. after switching embedder)')
    .option('--featurize-config <file>', 'cleaning and chunking per category (default ./configs/featurize.yaml, else the shipped one)')
    .option('--out <file|->', 'also write the new chunks as NDJSON to a file or stdout')
    .option('--with-vectors', 'with --out: include each chunk\'s vector')
    .addHelpText(
      'after',
      `
Examples:
  llmops featurize                                  everything new, best embedder available
  llmops featurize --embedder hashing               offline, no model weights
  llmops featurize --category articles --limit 100 --out - | jq .token_count
  QDRANT_URL=http://127.0.0.1:6333 llmops featurize --embedder minilm
  llmops featurize --embedder openai --recreate     (OPENAI_API_KEY; rebuilds the collections)

Resumable: kill it at any point and run it again; finished documents are skipped.`,
    )
    .action(async (flags: FeaturizeFlags, cmd: Command) => {
      const ctx = await createContext(cmd.optsWithGlobals());
      const { UsageError } = await import('../../core/errors.js');
      if (!['auto', 'sqlite', 'qdrant'].includes(flags.vectors)) throw new UsageError(`--vectors: expected auto, sqlite or qdrant, got ${flags.vectors}`);
      if (flags.withVectors && !flags.out) throw new UsageError('--with-vectors goes with --out');
      const { loadFeaturizeConfig } = await import('../../featurize/featurize-config.js');
      const config = await loadFeaturizeConfig(flags.featurizeConfig);
      const { createEmbedder } = await import('../../embed/create-embedder.js');
      const { parseDatabaseUrl } = await import('../../store/database-url.js');
      const { openVectorStore } = await import('../../featurize/open-vector-store.js');
      const { createNdjsonWriter } = await import('../../core/ndjson-writer.js');
      const { runFeaturize, pendingCount } = await import('../../featurize/run-featurize.js');

      const target = parseDatabaseUrl(ctx.dbUrl);
      const embedder = await createEmbedder({ name: flags.embedder, model: flags.model, modelsDir: flags.modelsDir, dimension: flags.dimension, logger: ctx.logger });
      ctx.logger.info(`featurize: embedder ${embedder.id} (${embedder.dimension} dimensions, ${embedder.maxTokens} tokens max, ${embedder.tokenizer})`);
      const db = await ctx.openDb();
      const vectors = await openVectorStore(target, flags.vectors as 'auto').catch(async (err) => {
        await db.close();
        throw err;
      });
      const out = flags.out === undefined ? null : createNdjsonWriter(flags.out);
      try {
        const store = await ctx.openWarehouse(db);
        const fdb = db.db;
        const pending = await pendingCount(fdb, store, embedder.id, flags.category);
        const progress = await createProgress(ctx, 'featurize', flags.limit === undefined ? pending : Math.min(pending, flags.limit), 'documents');
        let done = 0;
        const started = performance.now();
        const s = await withRun(db, 'featurize', async () => {
          try {
            const r = await runFeaturize(fdb, store, vectors, {
              embedder,
              config,
              category: flags.category,
              limit: flags.limit,
              batchSize: flags.batchSize,
              embedBatch: flags.embedBatch,
              recreate: flags.recreate,
              signal: ctx.signal,
              onBatch: async (b) => {
                done += b.documents;
                progress.update(done);
                if (out) {
                  for (const c of b.chunks) {
                    const { vector, idx, ...rest } = c;
                    await out.write({ ...rest, chunk_index: idx, ...(flags.withVectors ? { vector } : {}) });
                  }
                }
              },
            });
            return { ...r, counts: { ...r, vector_store: vectors.kind }, status: r.interrupted ? 'interrupted' : 'ok' } as const;
          } finally {
            progress.stop();
            if (store.kind !== 'sql') await store.close();
          }
        });
        await out?.close();
        const seconds = Math.max((performance.now() - started) / 1000, 1e-6);
        printSummary(
          ctx,
          'featurize',
          {
            embedder: s.embedder,
            vector_store: vectors.kind,
            documents: s.documents,
            chunks: s.chunks,
            tokens: s.tokens,
            capped_at_token_limit: s.capped,
            collections: s.collections.join(', ') || undefined,
            chunks_per_s: Number((s.chunks / seconds).toFixed(1)),
            note: s.interrupted ? 'interrupted: the next run carries on' : s.documents === 0 ? 'nothing new to featurize' : undefined,
          },
          out !== null && out.kind === 'stdout',
        );
      } catch (err) {
        await out?.abort();
        throw err;
      } finally {
        await vectors.close();
        await embedder.close?.();
        await db.close();
      }
    });
}
