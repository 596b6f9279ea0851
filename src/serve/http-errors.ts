import type { FastifyRequest } from 'fastify';

/** An answer with a status and a one-line `{error}` body (the error handler sends it). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The account a valid bearer token names; set by the auth hook. */
    user: string | null;
  }
  interface FastifyContextConfig {
    /** Reachable without a token (login, health, metrics, the page). */
    public?: boolean;
  }
}

/** The caller of a route behind the auth hook. */
export function userOf(request: FastifyRequest): string {
  if (!request.user) throw new HttpError(401, 'missing bearer token');
  return request.user;
}

type WellFormedString = string & { isWellFormed(): boolean };

/**
 * A text field every store can keep: no NUL (PostgreSQL's text and jsonb cannot hold one) and
 * no lone UTF-16 surrogate (UTF-8 cannot encode it: SQLite, PostgreSQL and Redis each kept
 * something else). Refused with 400 before any model is asked: the turn could not be stored.
 */
export function checkStorableText(field: string, value: string | undefined): void {
  if (value === undefined) return;
  if (value.includes('\u0000')) throw new HttpError(400, `${field}: contains a NUL character (\\u0000)`);
  if (!(value as WellFormedString).isWellFormed()) throw new HttpError(400, `${field}: contains a lone UTF-16 surrogate (not text)`);
}
