import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * Langfuse webhook signatures: header `x-langfuse-signature: t=<unix seconds>,v1=<hex>`, where
 * hex = HMAC-SHA256(secret, "<t>.<raw body>"). Constant-time comparison; a timestamp outside
 * the tolerance is refused, so a captured delivery cannot be replayed later.
 */
export function verifySignature(header: string | undefined, rawBody: Buffer, secret: string, toleranceS: number, nowMs = Date.now()): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing signature' };
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2) as [string, string | undefined];
    if (k === 't' && v) t = v;
    else if (k === 'v1' && v) v1.push(v);
  }
  if (!t || !/^\d+$/.test(t) || v1.length === 0) return { ok: false, reason: 'malformed signature' };
  const ts = Number(t);
  if (Math.abs(nowMs / 1000 - ts) > toleranceS) return { ok: false, reason: 'stale timestamp' };
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  for (const sig of v1) {
    if (!/^[0-9a-f]+$/i.test(sig) || sig.length !== expected.length * 2) continue;
    if (timingSafeEqual(Buffer.from(sig, 'hex'), expected)) return { ok: true, timestamp: ts };
  }
  return { ok: false, reason: 'signature mismatch' };
}

export function signBody(rawBody: string | Buffer, secret: string, tSeconds = Math.floor(Date.now() / 1000)): string {
  const hex = createHmac('sha256', secret).update(`${tSeconds}.`).update(rawBody).digest('hex');
  return `t=${tSeconds},v1=${hex}`;
}
