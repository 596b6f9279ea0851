import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { createContext } from '../../app/context.js';
import type { FeaturizeFlags } from '../../app/featurize.js';
import { toPositiveInt } from '../options.js';

export function register(program: Command): void {
  program
    .command('featurize')
    .description('Clean, chunk and embed documents not yet featurized into cleaned_<category> and embedded_<category> collections (+ a lexical index)')
    .option('--embedder <name|module>', 'auto (MiniLM if its weights load, else hashing), minilm, hashing, openai, or your own module ./my-embedder.js#embedder (inspect search then needs the same --embedder)', 'auto')
    .option('--model <id>', 'minilm: transformers.js model folder/hub id (default Xenova/all-MiniLM-L6-v2); openai: model (default text-embedding-3-small)')
    .option('--models-dir <dir>', 'where local models live (env LLMOPS_MODELS_DIR; default ~/.cache/llmops/models)')
    .option('--dimension <n>', 'hashing: vector length (default 1024, at most 16384); openai: shortened embeddings', toPositiveInt)
    .option('--vectors <store>', 'auto (Qdrant when QDRANT_URL is set, else sqlite-vec), sqlite or qdrant', 'auto')
    .option('--category <name>', 'only documents of this category')
    .option('--limit <n>', 'featurize at most n documents', toPositiveInt)
    .option('--batch-size <n>', 'documents per committed batch (default 256; a batch also ends at 512 K characters of text)', toPositiveInt)
    .option('--embed-batch <n>', 'chunks per embedding call (default 64)', toPositiveInt)
    .option('--workers <n>', `threads that clean, chunk, count tokens and hash, the one that writes included: n−1 worker threads beside it, and it prepares batches too while it waits (default: the cores, ${availableParallelism()} here, or fewer when there are fewer batches of work; at most 4 per core; 1 = all in one thread); hashing and openai use them, minilm runs its model on every core itself`, toPositiveInt)
    .option('--recreate', 'drop and rebuild the collections touched (e.g. after switching embedder; with --limit, those of the documents featurized)')
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
  llmops featurize --embedder ./my-embedder.js#embedder   your own: an object (or a function returning one)
                                                    with id, dimension, maxTokens, countTokens, embedBatch

Resumable: kill it at any point and run it again; finished documents are skipped.`,
    )
    .action(async (flags: FeaturizeFlags, cmd: Command) => {
      const { featurize } = await import('../../app/featurize.js');
      await featurize(await createContext(cmd.optsWithGlobals()), flags);
    });
}
