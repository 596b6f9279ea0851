// pg's words for a connection that went away under a command: the server restarted or shut
// down, an admin terminated the backend (SQLSTATE class 57), or the socket closed.
const LOST_CODES = new Set(['57P01', '57P02', '57P03']);
const LOST_MESSAGES = /^(Connection terminated unexpectedly|Client has encountered a connection error and is not queryable|Connection terminated)$/;

/** pg's own reason when `err` (or an error it wraps) is a lost PostgreSQL connection, else undefined. */
export function pgConnectionLost(err: unknown): string | undefined {
  for (let e = err as { message?: unknown; code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.message !== 'string') continue;
    if ((typeof e.code === 'string' && LOST_CODES.has(e.code)) || LOST_MESSAGES.test(e.message)) return e.message;
  }
  return undefined;
}
