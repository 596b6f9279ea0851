/**
 * Text every engine stores and gives back byte for byte. Two things valid in JSON are not:
 * - a lone UTF-16 surrogate (`"\ud800"`): UTF-8 cannot encode it, so SQLite kept 3 bytes that
 *   read back as 3 U+FFFD while the hash was of the original, and PostgreSQL refused it;
 * - NUL (`"\u0000"`): PostgreSQL's text and jsonb cannot hold it at all.
 * Ingest repairs both, the same on every engine, before the id and the hash are computed:
 * a lone surrogate becomes U+FFFD (what every UTF-8 encoder writes for it), a NUL is removed.
 * Each repaired record is reported as a warning. The call log repairs its rows the same way
 * (a question with a NUL failed the whole batch of calls it was flushed with, on PostgreSQL).
 */

export type TextRepairs = {
  surrogates: number;
  nul: number;
  /** Invalid UTF-8 sequences replaced by U+FFFD in a text file that is otherwise UTF-8. */
  invalidUtf8?: number;
};

type WellFormedString = string & { isWellFormed(): boolean; toWellFormed(): string };

function repairString(s: string, r: TextRepairs): string {
  const w = s as WellFormedString;
  if (!w.isWellFormed()) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        const next = s.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) i++;
        else r.surrogates++;
      } else if (c >= 0xdc00 && c <= 0xdfff) r.surrogates++;
    }
    s = w.toWellFormed();
  }
  if (s.indexOf('\0') !== -1) {
    const cleaned = s.replaceAll('\0', '');
    r.nul += s.length - cleaned.length;
    s = cleaned;
  }
  return s;
}

/** `s` as every store keeps it: lone surrogates as U+FFFD, NUL removed. */
export const storableString = (s: string): string => repairString(s, { surrogates: 0, nul: 0 });

/** Repairs every string in `value` (object keys too), in place where it can; returns the value. */
export function repairStrings(value: unknown, r: TextRepairs): unknown {
  if (typeof value === 'string') return repairString(value, r);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = repairStrings(value[i], r);
    return value;
  }
  const obj = value as Record<string, unknown>;
  let keyRepaired = false;
  for (const k of Object.keys(obj)) {
    if (repairString(k, { surrogates: 0, nul: 0 }) !== k) keyRepaired = true;
    const v = obj[k];
    const repaired = repairStrings(v, r);
    if (repaired !== v) setOwn(obj, k, repaired);
  }
  if (!keyRepaired) return obj;
  // A repaired key: rebuild the object so the keys keep their order.
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) setOwn(out, repairString(k, r), v);
  return out;
}

/** `obj[k] = v` that also works for a key named `__proto__` (an own key in parsed JSON). */
export function setOwn(obj: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(obj, k, { value: v, writable: true, enumerable: true, configurable: true });
}

export function describeRepairs(r: TextRepairs): string {
  const parts: string[] = [];
  if (r.surrogates > 0) parts.push(`replaced ${r.surrogates} lone surrogate${r.surrogates === 1 ? '' : 's'} with U+FFFD`);
  if (r.invalidUtf8) parts.push(`replaced ${r.invalidUtf8} invalid UTF-8 sequence${r.invalidUtf8 === 1 ? '' : 's'} with U+FFFD`);
  if (r.nul > 0) parts.push(`removed ${r.nul} NUL character${r.nul === 1 ? '' : 's'} (\\u0000)`);
  return parts.join('; ');
}
