import type { FastifyInstance } from 'fastify';
import { errorResponses, tokenBody } from './http-schemas.js';
import { HttpError } from './http-errors.js';
import { InvalidToken, type TokenIssuer } from './jwt-tokens.js';
import type { ServeDeps } from './serve-types.js';

/**
 * Every route needs `Authorization: Bearer <token>` unless its config says `public`. Checked
 * on request, before the body is read: a stranger's upload is never parsed.
 */
export function registerAuth(app: FastifyInstance, deps: ServeDeps, tokens: TokenIssuer): void {
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (request) => {
    // No route (a 404) or a public one: nothing to check.
    if (!request.routeOptions.url || request.routeOptions.config.public) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new HttpError(401, header ? 'expected Authorization: Bearer <token>' : 'missing bearer token (POST /auth/token first)');
    let token: { user: string; stamp: string };
    try {
      token = await tokens.verify(match[1]!);
    } catch (err) {
      if (err instanceof InvalidToken) throw new HttpError(401, err.message);
      throw err;
    }
    // Asked on every request, not kept with the verified token: a password change (the fix for a
    // stolen one) or the account's removal ends its tokens at once, and a token of a removed
    // account never opens a later account of the same name.
    const stamp = await deps.users.stamp(token.user);
    if (stamp === undefined) throw new HttpError(401, 'the account of this token no longer exists');
    if (stamp !== token.stamp) throw new HttpError(401, 'token issued under older credentials: log in again');
    request.user = token.user;
  });

  app.post(
    '/auth/token',
    {
      config: { public: true },
      schema: {
        summary: 'Log in: a signed token (JWT, HS256) for the Authorization header',
        security: [],
        body: tokenBody,
        response: {
          200: {
            type: 'object',
            properties: { token: { type: 'string' }, token_type: { type: 'string', enum: ['Bearer'] }, expires_in: { type: 'integer', description: 'seconds' } },
            required: ['token', 'token_type', 'expires_in'],
          },
          ...errorResponses(400, 401, 413, 429),
        },
      },
    },
    async (request) => {
      const { username, password } = request.body as { username: string; password: string };
      // One answer for a wrong name and a wrong password: a guess learns nothing about accounts.
      const account = await deps.users.verify(username, password);
      if (!account) throw new HttpError(401, 'wrong username or password');
      const { token, expiresIn } = await tokens.issue(account.name, account.stamp);
      return { token, token_type: 'Bearer', expires_in: expiresIn };
    },
  );
}
