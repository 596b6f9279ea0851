import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The token limit of the embedder that wrote a collection, from the id it recorded, without
 * loading the model: what `inspect chunks` checks every chunk against.
 */
export function maxTokensOf(embedderId: string, modelsDir?: string): number | null {
  const [kind, rest = ''] = [embedderId.slice(0, embedderId.indexOf(':')), embedderId.slice(embedderId.indexOf(':') + 1)];
  if (kind === 'hashing') return 512;
  if (kind === 'openai') return 8191;
  if (kind === 'minilm') {
    if (rest === 'Xenova/all-MiniLM-L6-v2') return 256;
    const dir = modelsDir ?? process.env.LLMOPS_MODELS_DIR;
    const cfg = dir ? join(dir, rest, 'tokenizer_config.json') : '';
    if (cfg && existsSync(cfg)) return Number((JSON.parse(readFileSync(cfg, 'utf8')) as { model_max_length?: number }).model_max_length) || null;
  }
  return null;
}
