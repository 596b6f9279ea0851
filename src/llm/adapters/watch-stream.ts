import { LlmopsError, errorMessage } from '../../core/errors.js';

/**
 * When a profile sets no `timeout_s`: the longest silence between two events of a streamed
 * answer. Providers send something (a token, a ping) every few seconds while a model works;
 * a minute of nothing is a stalled connection, not a slow model.
 */
export const DEFAULT_STREAM_IDLE_MS = 60_000;

/** A streamed answer that failed after it started: stalled, cut off, or garbled. Not retried (text was already handed out). */
export class LlmStreamError extends LlmopsError {}

export type WatchOptions = {
  /** Names the provider in errors. */
  provider: string;
  /** The longest wait for the next event once the answer started. */
  idleMs: number;
  /** The caller's: aborting it aborts the request, and the iteration throws its reason. */
  signal?: AbortSignal;
};

/**
 * Runs a provider SDK's event stream (`open` sends the request; the SDK parses the SSE) under
 * an idle timeout, and turns the ways it can end into one behaviour each:
 * - the caller aborts → the request is aborted and the abort reason is thrown (the SDKs end the
 *   iteration silently on an abort, which would look like a short answer);
 * - no event for `idleMs` → the request is aborted and an LlmStreamError says it stalled;
 * - the connection drops, or an event is not valid JSON → an LlmStreamError, one line;
 * - the consumer stops reading → the SDK aborts the request (its iterator's return()).
 * Errors before the answer starts (HTTP status, connection refused) pass through as the SDK
 * throws them, after its own retries, bounded by its own timeout.
 */
export async function* watchStream<E>(open: (signal: AbortSignal) => Promise<AsyncIterable<E>>, opts: WatchOptions): AsyncGenerator<E> {
  const { signal, idleMs, provider } = opts;
  signal?.throwIfAborted();
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, idleMs);
  };
  try {
    const events = await open(controller.signal);
    arm();
    try {
      for await (const event of events) {
        // Only the provider's silence counts, not the time the consumer holds an event.
        clearTimeout(timer);
        yield event;
        arm();
      }
    } catch (err) {
      if (!stalled && !signal?.aborted) throw new LlmStreamError(`${provider}: the answer broke off mid-stream: ${describe(err)}`, { cause: err });
    }
    if (stalled) throw new LlmStreamError(`${provider}: the answer stalled: no event for ${seconds(idleMs)} (profile parameters.timeout_s)`);
    signal?.throwIfAborted();
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function describe(err: unknown): string {
  if (err instanceof SyntaxError) return `an event that is not valid JSON (${firstLine(err.message)})`;
  const message = firstLine(errorMessage(err));
  return /other side closed|terminated|socket|ECONNRESET/i.test(message) ? `the connection closed (${message})` : message;
}

const firstLine = (text: string) => text.split('\n')[0]!.trim();
const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`);
