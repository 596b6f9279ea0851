import { UsageError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { isModuleSpec, loadUserFactory } from '../core/user-module.js';
import type { Embedder } from './embedder.js';
import { awaitUserCode } from '../core/user-code-wait.js';

const EMBEDDER_NAMES = ['auto', 'minilm', 'hashing', 'openai'] as const;

export type EmbedderChoice = {
  name: string;
  modelsDir?: string;
  /** transformers.js model id for minilm (a local folder name under modelsDir). */
  model?: string;
  dimension?: number;
  openaiBaseURL?: string;
  logger?: Logger;
  /** Where a module name (`./my-embedder.js#embedder`) starts: the config file's folder, or the working directory. */
  baseDir?: string;
};

/**
 * Builds the embedder asked for. `auto` is MiniLM when its weights load (from the local
 * models folder, never the network) and the hashing embedder otherwise, saying so on stderr.
 * A module path (`./my-embedder.js#embedder`) names the user's own.
 */
export async function createEmbedder(choice: EmbedderChoice): Promise<Embedder> {
  switch (choice.name) {
    case 'hashing': {
      const { createHashingEmbedder } = await import('./hashing-embedder.js');
      return createHashingEmbedder({ dimension: choice.dimension });
    }
    case 'minilm': {
      const { createTransformersEmbedder } = await import('./transformers-embedder.js');
      return createTransformersEmbedder({ model: choice.model, modelsDir: choice.modelsDir, allowDownload: process.env.HF_HUB_OFFLINE !== '1' });
    }
    case 'openai': {
      const { createOpenAIEmbedder } = await import('./openai-embedder.js');
      return createOpenAIEmbedder({ model: choice.model, baseURL: choice.openaiBaseURL, dimensions: choice.dimension });
    }
    case 'auto': {
      const { createTransformersEmbedder, defaultModelsDir } = await import('./transformers-embedder.js');
      try {
        return await createTransformersEmbedder({ model: choice.model, modelsDir: choice.modelsDir, allowDownload: false });
      } catch (err) {
        const dir = choice.modelsDir ?? defaultModelsDir();
        const why = errorMessage(err).replace(/^embedder: /, '').replace(/ \(download it once.*$/, '');
        choice.logger?.warn(
          `embedder auto: FALLING BACK to the offline hashing embedder (lexical vectors, not semantic): MiniLM could not be loaded: ${why}. ` +
            `To use MiniLM, put it under ${dir} or run once with --embedder minilm where the Hugging Face hub is reachable.`,
        );
        const { createHashingEmbedder } = await import('./hashing-embedder.js');
        return createHashingEmbedder({ dimension: choice.dimension });
      }
    }
    default:
      if (isModuleSpec(choice.name)) return loadEmbedderModule(choice);
      throw new UsageError(`--embedder: unknown embedder "${choice.name}" (expected ${EMBEDDER_NAMES.join(', ')}, or a module like ./my-embedder.js#embedder)`);
  }
}

const isEmbedder = (v: unknown) => {
  const e = v as Partial<Embedder> | null;
  return typeof e?.id === 'string' && typeof e.dimension === 'number' && typeof e.maxTokens === 'number' && typeof e.countTokens === 'function' && typeof e.embedBatch === 'function';
};

/** An Embedder object, or a function ({model, dimension, logger}) returning one. */
async function loadEmbedderModule(choice: EmbedderChoice): Promise<Embedder> {
  const ref = { kind: 'embedder', spec: choice.name, baseDir: choice.baseDir ?? process.cwd(), where: '--embedder' };
  const expected = 'an embedder (an object with id, dimension, maxTokens, countTokens and embedBatch)';
  const e = await loadUserFactory<Embedder>(ref, expected, isEmbedder, { model: choice.model, dimension: choice.dimension, logger: choice.logger });
  return {
    name: e.name ?? 'module',
    id: e.id,
    dimension: e.dimension,
    maxTokens: e.maxTokens,
    tokenizer: e.tokenizer ?? 'its own',
    countTokens: (text) => e.countTokens(text),
    // Awaited as user code: a call that never settles is then named when the process runs dry.
    embedBatch: async (texts, signal) => checkedVectors(choice.name, e.dimension, texts.length, await awaitUserCode(`--embedder ${choice.name}: its embedBatch`, e.embedBatch(texts, signal))),
    close: async () => e.close?.(),
  };
}

/**
 * A module's vectors, refused unless one per text, each of its dimension and finite: a NaN or
 * an Infinity was stored and marked done, and such a point then never matched a query.
 */
function checkedVectors(spec: string, dimension: number, count: number, vectors: ArrayLike<number>[]): Float32Array[] {
  const bad = (why: string) => new UsageError(`--embedder ${spec}: embedBatch ${why}`);
  if (!Array.isArray(vectors)) throw bad('returned no array of vectors');
  if (vectors.length !== count) throw bad(`returned ${vectors.length} vectors for ${count} texts`);
  return vectors.map((v, i) => {
    if (v?.length !== dimension) throw bad(`returned a vector of ${v?.length ?? 'no'} dimensions for text ${i + 1} of ${count} (its dimension is ${dimension})`);
    const f = v instanceof Float32Array ? v : Float32Array.from(v);
    for (let d = 0; d < f.length; d++) {
      if (!Number.isFinite(f[d])) throw bad(`returned ${f[d]} at dimension ${d} of the vector for text ${i + 1} of ${count} (every value must be a finite number)`);
    }
    return f;
  });
}

/**
 * The embedder that wrote a collection, rebuilt from the id it recorded, so that queries are
 * embedded the same way as the vectors (`inspect search` needs no --embedder).
 */
export async function embedderFromId(id: string, opts: { modelsDir?: string; openaiBaseURL?: string } = {}): Promise<Embedder> {
  const colon = id.indexOf(':');
  const kind = colon < 0 ? id : id.slice(0, colon);
  const rest = colon < 0 ? '' : id.slice(colon + 1);
  if (kind === 'hashing') {
    const { createHashingEmbedder, parseHashingId } = await import('./hashing-embedder.js');
    const settings = parseHashingId(rest);
    const e = await createHashingEmbedder(settings);
    if (e.id !== id) throw new UsageError(`collection embedder ${id}: this llmops makes ${e.id}; re-featurize with --recreate`);
    return e;
  }
  if (kind === 'minilm') {
    const { createTransformersEmbedder } = await import('./transformers-embedder.js');
    return createTransformersEmbedder({ model: rest, modelsDir: opts.modelsDir, allowDownload: process.env.HF_HUB_OFFLINE !== '1' });
  }
  if (kind === 'openai') {
    const m = /^(.*?)(?:-d(\d+))?$/.exec(rest)!;
    const { createOpenAIEmbedder } = await import('./openai-embedder.js');
    return createOpenAIEmbedder({ model: m[1], dimensions: m[2] ? Number(m[2]) : undefined, baseURL: opts.openaiBaseURL });
  }
  throw new UsageError(`collection embedder ${id}: not one llmops can rebuild from its id (your own module?); name it with --embedder, e.g. --embedder ./my-embedder.js#embedder`);
}
