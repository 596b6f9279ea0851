import { SignJWT, jwtVerify, errors } from 'jose';

// jose rather than a hand-rolled HMAC: algorithm pinning, expiry and clock handling are the
// parts people get wrong.

const ISSUER = 'llmops';
const AUDIENCE = 'llmops-serve';

export type TokenIssuer = {
  /** A signed token for `user`, valid for the configured time. */
  issue(user: string): Promise<{ token: string; expiresIn: number }>;
  /** The user a token was issued to; throws `InvalidToken` for a bad, tampered or expired one. */
  verify(token: string): Promise<string>;
};

export class InvalidToken extends Error {}

export function createTokenIssuer(secret: string, ttlSeconds: number): TokenIssuer {
  const key = new TextEncoder().encode(secret);
  return {
    async issue(user) {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(user)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key);
      return { token, expiresIn: ttlSeconds };
    },
    async verify(token) {
      try {
        // Only HS256: a token claiming `alg: none` or another algorithm is refused outright.
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
        if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidToken('token names no user');
        return payload.sub;
      } catch (err) {
        if (err instanceof InvalidToken) throw err;
        if (err instanceof errors.JWTExpired) throw new InvalidToken('token expired');
        throw new InvalidToken('invalid token');
      }
    },
  };
}
