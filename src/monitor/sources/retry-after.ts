import { setTimeout as sleep } from 'node:timers/promises';
import { LlmopsError } from '../../core/errors.js';

/**
 * The longest a source waits on one rate limit. Langfuse and Slack may answer 429 with an hour's
 * `retry-after`; waiting that out would hold an hourly job past its next run, so past this the
 * source fails at once and says how long the service asked for.
 */
const MAX_RETRY_AFTER_S = 60;

/** Seconds a `retry-after` header asks for (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/**
 * Waits `seconds` as a service asked, unless that is more than MAX_RETRY_AFTER_S (then fails
 * the source, `what` saying who asked). Ends at once when `signal` fires and resolves
 * false: the caller stops as after any interrupt.
 */
export async function waitRetryAfter(seconds: number, what: string, signal?: AbortSignal): Promise<boolean> {
  if (seconds > MAX_RETRY_AFTER_S) {
    throw new LlmopsError(`${what} asked to wait ${seconds} s before trying again (retry-after); a run waits at most ${MAX_RETRY_AFTER_S} s: try again later`);
  }
  if (signal?.aborted) return false;
  try {
    await sleep(seconds * 1000, undefined, { signal });
    return true;
  } catch (err) {
    if (signal?.aborted) return false;
    throw err;
  }
}
