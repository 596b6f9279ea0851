import { SignJWT, jwtVerify, errors } from 'jose';

// jose rather than a hand-rolled HMAC: algorithm pinning, expiry and clock handling are the
// parts people get wrong.

const ISSUER = 'llmops';
const AUDIENCE = 'llmops-serve';

export type TokenIssuer = {
  /** A signed token for `user` under the account's credential `stamp`, valid for the configured time. */
  issue(user: string, stamp: string): Promise<{ token: string; expiresIn: number }>;
  /** The user a token was issued to and the stamp it carries; throws `InvalidToken` for a bad, tampered or expired one. */
  verify(token: string): Promise<{ user: string; stamp: string }>;
};

export class InvalidToken extends Error {}

// Tokens whose signature was checked, with their user and expiry: a client sends the same
// token with every request, and checking its HMAC and claims again was ~0.5 ms a request.
// Only good tokens are kept, under the key that signed them; the expiry is checked each time.
const MAX_VERIFIED = 10_000;

export function createTokenIssuer(secret: string, ttlSeconds: number): TokenIssuer {
  const key = new TextEncoder().encode(secret);
  const verified = new Map<string, { user: string; stamp: string; exp: number }>();
  return {
    async issue(user, stamp) {
      const token = await new SignJWT({ ver: stamp })
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
      const known = verified.get(token);
      if (known) {
        // As jose decides it: expired once `exp` is not after the current second.
        if (known.exp > Math.floor(Date.now() / 1000)) return { user: known.user, stamp: known.stamp };
        verified.delete(token);
        throw new InvalidToken('token expired');
      }
      try {
        // Only HS256: a token claiming `alg: none` or another algorithm is refused outright.
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
        if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidToken('token names no user');
        // Tokens of llmops before the stamp have none: their holders log in again.
        if (typeof payload.ver !== 'string') throw new InvalidToken('token issued under older credentials: log in again');
        const found = { user: payload.sub, stamp: payload.ver };
        if (typeof payload.exp === 'number') {
          if (verified.size >= MAX_VERIFIED) verified.clear();
          verified.set(token, { ...found, exp: payload.exp });
        }
        return found;
      } catch (err) {
        if (err instanceof InvalidToken) throw err;
        if (err instanceof errors.JWTExpired) throw new InvalidToken('token expired');
        throw new InvalidToken('invalid token');
      }
    },
  };
}
