import { sdkLogger } from './sdk-logger.js';
import { undiciFetch } from './undici-fetch.js';

/** How an adapter reaches its provider's API: what the Anthropic and OpenAI adapters share. */
export type ProviderClientOptions = {
  apiKey: string;
  baseURL?: string;
  /** Per request; for a streamed answer also the longest silence between two events. */
  timeoutMs?: number;
  /** Network retries (429, 5xx, timeouts, resets) with backoff, jitter and retry-after: the SDK's own. */
  maxRetries?: number;
  /** Where the SDK's own messages go (debug level). */
  logger?: { debug(message: string): void };
};

/**
 * The constructor options both official SDKs take alike: our fetch (undici-fetch.ts says why),
 * our logger instead of their console, and four retries unless told otherwise.
 */
export function sdkClientOptions(opts: ProviderClientOptions) {
  return {
    apiKey: opts.apiKey,
    baseURL: opts.baseURL,
    timeout: opts.timeoutMs,
    maxRetries: opts.maxRetries ?? 4,
    fetch: undiciFetch,
    logger: sdkLogger(opts.logger),
  };
}
