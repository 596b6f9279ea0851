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
