import { isIP } from 'node:net';
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../core/duration.js';
import { UsageError } from '../core/errors.js';

// Parsers for `llmops serve`'s limits: each refuses a bad value with what it expected.

const WINDOWS: Record<string, number> = { s: 1000, sec: 1000, second: 1000, m: 60_000, min: 60_000, minute: 60_000, h: 3_600_000, hour: 3_600_000 };

/** `60/min`, `5/s`, `1000/h`, or a plain number (a minute). */
export function toRate(value: string): { max: number; windowMs: number } {
  const m = /^\s*(\d+)\s*(?:\/\s*([a-z]+))?\s*$/i.exec(value);
  const windowMs = m ? WINDOWS[(m[2] ?? 'min').toLowerCase()] : undefined;
  if (!m || !windowMs || Number(m[1]) <= 0) throw new InvalidArgumentError('expected requests per window, e.g. 60/min, 5/s or 1000/h');
  return { max: Number(m[1]), windowMs };
}

const UNITS: Record<string, number> = { b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2 };

/** `64kb`, `1mb`, or bytes. */
export function toByteSize(value: string): number {
  const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || !unit || Number(m[1]) <= 0) throw new InvalidArgumentError('expected a size, e.g. 64kb or 1mb');
  return Number(m[1]) * unit;
}

/**
 * A duration in milliseconds: `30s`, `5m`, `1h`, with its unit: a bare `3600` meant as seconds
 * (a token's lifetime, a timeout) would be 3.6 s.
 */
export function toDuration(value: string): number {
  try {
    return parseDuration(value, '', { unitRequired: true });
  } catch (err) {
    if (err instanceof UsageError) throw new InvalidArgumentError('expected a duration with its unit, e.g. 30s, 5m or 1h');
    throw err;
  }
}

/** A token's lifetime: a JWT's expiry is in whole seconds, so under 1 s a token was issued already expired. */
export function toTokenTtl(value: string): number {
  const ms = toDuration(value);
  if (ms < 1000) throw new InvalidArgumentError('at least 1s (a token expires on a whole second)');
  return ms;
}

/** `--cors-origin https://a.example,https://b.example` (repeatable): origins as a browser sends them. */
export function toOrigins(value: string, previous: string[] = []): string[] {
  const origins = value.split(',').map((o) => o.trim()).filter(Boolean);
  for (const o of origins) {
    if (o === '*') continue;
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== o.replace(/\/$/, '')) throw new InvalidArgumentError(`expected origins like https://app.example.com (scheme, host, port; no path), got ${o}`);
  }
  return [...previous, ...origins.map((o) => o.replace(/\/$/, ''))];
}

/** `--trust-proxy 10.0.0.0/8,127.0.0.1` (repeatable): IPv4 or IPv6 addresses, with an optional prefix length. */
export function toAddressList(value: string, previous: string[] = []): string[] {
  const items = value.split(',').map((a) => a.trim()).filter(Boolean);
  for (const a of items) {
    const [ip, bits, extra] = a.split('/');
    const family = isIP(ip ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !okBits || extra !== undefined) throw new InvalidArgumentError(`expected addresses or CIDR ranges like 10.0.0.0/8 or ::1, got ${a}`);
  }
  return [...previous, ...items];
}
