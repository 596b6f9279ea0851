import type { Logger } from '../../core/logger.js';
import type { PromptRef } from '../metrics/judge-runtime.js';

/**
 * Judge prompts from Langfuse prompt management, by name and label, kept in a TTL cache of our
 * own (so the webhook can drop an entry the moment a new version lands); when Langfuse cannot
 * be reached the prompt's `fallback` (or the built-in prompt) is used and the run goes on.
 */
type PromptClientLike = { prompt: { get(name: string, opts: { label?: string; cacheTtlSeconds?: number; type?: 'text' }): Promise<{ prompt: unknown; version?: number }> } };

let client: PromptClientLike | null | undefined;
const cache = new Map<string, { text: string | undefined; expires: number; stale?: boolean }>();
const warned = new Set<string>();

const promptTtlMs = () => Number(process.env.LLMOPS_PROMPT_TTL_S ?? 300) * 1000;

async function langfuse(): Promise<PromptClientLike | null> {
  if (client !== undefined) return client;
  if (!process.env.LANGFUSE_PUBLIC_KEY || !process.env.LANGFUSE_SECRET_KEY) return (client = null);
  const { LangfuseClient } = await import('@langfuse/client');
  client = new LangfuseClient({ baseUrl: process.env.LANGFUSE_BASE_URL ?? process.env.LANGFUSE_HOST }) as unknown as PromptClientLike;
  return client;
}

/** Drops cached versions of a prompt (every label); returns how many entries went. */
export function invalidatePrompt(name: string): number {
  let n = 0;
  for (const k of cache.keys()) if (k.startsWith(`${name}\u0000`)) n += Number(cache.delete(k));
  return n;
}

export async function promptText(ref: PromptRef | undefined, logger: Logger): Promise<string | undefined> {
  if (!ref) return undefined;
  const key = `${ref.name}\u0000${ref.label}`;
  const hit = cache.get(key);
  if (hit && hit.expires > Date.now()) return hit.text;
  const lf = await langfuse();
  const fallback = () => {
    // A stale copy of the real prompt beats the fallback when Langfuse is down.
    if (hit && !hit.stale) return hit.text;
    return ref.fallback;
  };
  if (!lf) {
    if (!warned.has(key)) logger.warn(`prompt ${ref.name}@${ref.label}: LANGFUSE_PUBLIC_KEY/SECRET_KEY not set; using the ${ref.fallback ? 'fallback' : 'built-in'} prompt`);
    warned.add(key);
    return fallback();
  }
  try {
    const p = await lf.prompt.get(ref.name, { label: ref.label, cacheTtlSeconds: 0, type: 'text' });
    if (typeof p.prompt !== 'string') throw new Error('not a text prompt');
    cache.set(key, { text: p.prompt, expires: Date.now() + promptTtlMs() });
    warned.delete(key);
    return p.prompt;
  } catch (err) {
    if (!warned.has(key)) logger.warn(`prompt ${ref.name}@${ref.label}: Langfuse unreachable (${(err as Error).message.split('\n')[0]}); using the ${hit ? 'cached' : ref.fallback ? 'fallback' : 'built-in'} prompt`);
    warned.add(key);
    // Retry Langfuse after a TTL, not on every item.
    if (!hit) cache.set(key, { text: ref.fallback, expires: Date.now() + promptTtlMs(), stale: true });
    return fallback();
  }
}
