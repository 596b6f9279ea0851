import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../core/logger.js';
import type { TurnRegistry } from './turn-control.js';

/**
 * Which connections carry a request right now. Node's closeIdleConnections() spares a
 * connection that never sent a request (browsers and fetch open spare ones ahead of time),
 * so a shutdown would wait for its header timeout; this knows they can go.
 */
export function trackConnections(server: Server): { closeUnused(): void } {
  const busy = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    busy.set(socket, 0);
    socket.once('close', () => busy.delete(socket));
  });
  server.on('request', (req, res: ServerResponse) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      if (busy.has(socket)) busy.set(socket, busy.get(socket)! - 1);
    });
  });
  return {
    closeUnused() {
      for (const [socket, n] of busy) if (n <= 0) socket.destroy();
    },
  };
}

/**
 * Stops accepting at once (new connections are refused; requests on open connections get
 * 503), lets answers in flight finish, and past `graceMs` stops them (their clients get an
 * error event) and cuts what is left.
 */
export async function closeGracefully(
  parts: { app: FastifyInstance; turns: TurnRegistry; connections: { closeUnused(): void } },
  opts: { graceMs: number; logger: Logger },
): Promise<void> {
  const { app, turns, connections } = parts;
  const inFlight = turns.size;
  if (inFlight > 0) opts.logger.info(`serve: shutting down; waiting up to ${Math.round(opts.graceMs / 1000)}s for ${inFlight} answer(s) in flight`);
  const closed = app.close();
  // Connections free themselves as their last response ends: close them as that happens.
  connections.closeUnused();
  const reap = setInterval(() => connections.closeUnused(), 50);
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
