import type { Logger } from '../core/logger.js';
import type { ServeApp } from './create-serve-app.js';

export type ListenOptions = {
  port: number;
  host: string;
  /** Aborted by SIGTERM/SIGINT: stop accepting, finish what is in flight, return. */
  signal: AbortSignal;
  /** How long streams in flight may take to finish before they are stopped. */
  graceMs: number;
  logger: Logger;
  onListening(url: string): void;
};

/**
 * Serves until `signal`, then shuts down gracefully: the port closes at once (new connections
 * are refused), requests on open keep-alive connections get 503, streams in flight run to
 * their end — or, past the grace period, get an error event and are cut.
 */
export async function listenUntil({ app, turns }: ServeApp, opts: ListenOptions): Promise<void> {
  await app.listen({ port: opts.port, host: opts.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  opts.onListening(`http://${host}:${port}`);
  if (!opts.signal.aborted) await new Promise((resolve) => opts.signal.addEventListener('abort', resolve, { once: true }));

  const inFlight = turns.size;
  if (inFlight > 0) opts.logger.info(`serve: shutting down; waiting up to ${Math.round(opts.graceMs / 1000)}s for ${inFlight} answer(s) in flight`);
  const closed = app.close();
  // A finished stream leaves its keep-alive connection idle: close those as they appear, so
  // close() is not held up by connections nobody uses.
  const reap = setInterval(() => app.server.closeIdleConnections(), 100);
  const grace = setTimeout(() => {
    opts.logger.warn(`serve: ${turns.size} answer(s) still running after ${Math.round(opts.graceMs / 1000)}s: stopping them`);
    turns.stopAll('the server is shutting down');
    // Their error events are written; give them a moment to leave, then cut what remains.
    setTimeout(() => app.server.closeAllConnections(), 500).unref();
  }, opts.graceMs);
  try {
    await closed;
  } finally {
    clearInterval(reap);
    clearTimeout(grace);
  }
}
