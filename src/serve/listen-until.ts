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
export async function listenUntil(server: ServeApp, opts: ListenOptions): Promise<void> {
  const { app } = server;
  await app.listen({ port: opts.port, host: opts.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  opts.onListening(`http://${host}:${port}`);
  if (!opts.signal.aborted) await new Promise((resolve) => opts.signal.addEventListener('abort', resolve, { once: true }));

  await server.close(opts.graceMs);
}
