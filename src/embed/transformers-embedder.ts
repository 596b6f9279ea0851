import { existsSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError, errorMessage } from '../core/errors.js';
import { l2normalize, type Embedder } from './embedder.js';

export const MINILM_MODEL = 'Xenova/all-MiniLM-L6-v2';
// all-MiniLM-L6-v2 was trained on 256 word pieces (its tokenizer says 512; longer is silently worse).
const MINILM_MAX_TOKENS = 256;

/** Where models live: LLMOPS_MODELS_DIR, else ~/.cache/llmops/models. */
export function defaultModelsDir(): string {
  return resolve(process.env.LLMOPS_MODELS_DIR ?? join(homedir(), '.cache', 'llmops', 'models'));
}

export type TransformersEmbedderOptions = {
  /** Hub id, also the folder under `modelsDir` (`<modelsDir>/<model>/onnx/model.onnx`). */
  model?: string;
  modelsDir?: string;
  /** Download from the Hugging Face hub into `modelsDir` when the folder is missing. */
  allowDownload?: boolean;
  maxTokens?: number;
  /** Short kind recorded with the vectors. */
  name?: string;
  /** ONNX Runtime's intra-op threads: one batch's matrix work spread over this many cores (default: all). */
  threads?: number;
};

/**
 * A sentence-transformers model run locally with transformers.js (ONNX): mean pooling and
 * L2 normalisation, as the model was trained. Loads from `<modelsDir>/<model>` fully offline;
 * with `allowDownload` a missing model is fetched once into that folder.
 */
export async function createTransformersEmbedder(opts: TransformersEmbedderOptions = {}): Promise<Embedder> {
  const model = opts.model ?? MINILM_MODEL;
  const modelsDir = opts.modelsDir ?? defaultModelsDir();
  const local = existsSync(join(modelsDir, model, 'config.json'));
  if (!local && !opts.allowDownload) {
    throw new UsageError(`embedder: model ${model} is not in ${modelsDir} (download it once with internet: llmops featurize --embedder minilm, or set LLMOPS_MODELS_DIR)`);
  }
  const { pipeline, env, AutoTokenizer } = await import('@huggingface/transformers');
  env.allowLocalModels = true;
  env.localModelPath = `${modelsDir}/`;
  env.allowRemoteModels = !local && Boolean(opts.allowDownload);
  // A mirror of the hub, named as huggingface_hub names it.
  if (process.env.HF_ENDPOINT) env.remoteHost = process.env.HF_ENDPOINT.replace(/\/*$/, '/');
  env.cacheDir = modelsDir;
  let extractor: Awaited<ReturnType<typeof pipeline<'feature-extraction'>>>;
  let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(model);
    // Chunks are embedded in batches (--embed-batch), each one ONNX run over every core.
    const session_options = { intraOpNumThreads: opts.threads ?? availableParallelism() };
    extractor = await pipeline('feature-extraction', model, { dtype: 'fp32', session_options });
  } catch (err) {
    // Offline, the download fails: say where a copy of the model would be found instead.
    const where = local ? '' : ` (offline? copy the model to ${join(modelsDir, model)}, or point --models-dir or LLMOPS_MODELS_DIR at a folder holding ${model})`;
    throw new UsageError(`embedder: cannot load ${model} from ${local ? modelsDir : 'the Hugging Face hub'}: ${errorMessage(err).split('\n')[0]}${where}`);
  }
  const tokMax = Number((tokenizer as unknown as { model_max_length?: number }).model_max_length) || 512;
  const maxTokens = opts.maxTokens ?? (model === MINILM_MODEL ? MINILM_MAX_TOKENS : Math.min(tokMax, 100_000));
  const probe = await extractor(['dimension probe'], { pooling: 'mean', normalize: true });
  const dimension = probe.dims[1]!;
  return {
    name: opts.name ?? 'minilm',
    id: `${opts.name ?? 'minilm'}:${model}`,
    dimension,
    maxTokens,
    tokenizer: `${model} (WordPiece)`,
    countTokens: (text) => tokenizer.encode(text).length,
    async embedBatch(texts) {
      if (texts.length === 0) return [];
      // Inputs longer than the limit are cut by the tokenizer; featurize caps chunks first.
      const out = await extractor(texts, { pooling: 'mean', normalize: true, truncation: true, max_length: maxTokens } as never);
      const data = out.data as Float32Array;
      return texts.map((_, i) => l2normalize(Float32Array.from(data.subarray(i * dimension, (i + 1) * dimension))));
    },
    async close() {
      await extractor.dispose();
    },
  };
}
