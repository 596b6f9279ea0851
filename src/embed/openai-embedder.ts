import { UsageError, errorMessage } from '../core/errors.js';
import { l2normalize, type Embedder } from './embedder.js';
import { TokenCounter } from './cl100k-tokenizer.js';

const DIMENSIONS: Record<string, number> = { 'text-embedding-3-small': 1536, 'text-embedding-3-large': 3072, 'text-embedding-ada-002': 1536 };

export type OpenAIEmbedderOptions = { model?: string; apiKey?: string; baseURL?: string; dimensions?: number; maxRetries?: number };

/**
 * OpenAI embeddings through the official SDK (retries on 429/5xx are the SDK's). Token counts
 * use cl100k_base, the tokenizer of these models; their limit is 8,191 tokens per input.
 */
export async function createOpenAIEmbedder(opts: OpenAIEmbedderOptions = {}): Promise<Embedder> {
  const model = opts.model ?? 'text-embedding-3-small';
  const apiKey = opts.apiKey ?? process.env.OPENAI_API_KEY;
  if (!apiKey) throw new UsageError('embedder openai: OPENAI_API_KEY is not set');
  const dimension = opts.dimensions ?? DIMENSIONS[model];
  if (!dimension) throw new UsageError(`embedder openai: unknown dimension of ${model} (pass dimensions)`);
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({ apiKey, baseURL: opts.baseURL ?? process.env.OPENAI_BASE_URL, maxRetries: opts.maxRetries ?? 3 });
  const counter = new TokenCounter();
  return {
    name: 'openai',
    id: `openai:${model}${opts.dimensions ? `-d${opts.dimensions}` : ''}`,
    dimension,
    maxTokens: 8191,
    tokenizer: 'cl100k_base',
    countTokens: (text) => counter.count(text),
    async embedBatch(texts, signal) {
      if (texts.length === 0) return [];
      let res;
      try {
        res = await client.embeddings.create({ model, input: texts, encoding_format: 'float', ...(opts.dimensions ? { dimensions: opts.dimensions } : {}) }, { signal });
      } catch (err) {
        throw new Error(`openai embeddings: ${errorMessage(err)}`, { cause: err });
      }
      const out: Float32Array[] = new Array(texts.length);
      for (const d of res.data) out[d.index] = l2normalize(Float32Array.from(d.embedding as number[]));
      if (out.some((v) => !v || v.length !== dimension)) throw new Error(`openai embeddings: expected ${texts.length} vectors of ${dimension} dimensions`);
      return out;
    },
  };
}
