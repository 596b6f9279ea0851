import type { Payload, PayloadFilter } from '../vector-store.js';

/**
 * What a filtered search precomputes: for every payload path a filter can name (`a`, `a.b`, …)
 * a 32-bit hash of the value there, kept per slot beside the codes. A filter `key=value` then
 * costs a comparison per slot inside the scan instead of parsing every payload's JSON.
 *
 * The hashes only narrow the candidates: the points that reach re-scoring are checked with the
 * same SQL the plain scan uses (json_extract(payload, '$.key') = ?), so a hash collision can
 * cost a re-score, never a wrong hit. For that the hash must never miss a value SQLite would
 * match, so it follows SQLite's equality on json_extract: numbers and booleans compare as
 * numbers (true = 1), strings as text, null matches nothing; an array or object compares as
 * its JSON text, so it is marked ANY (re-checked by SQL whatever the filter value).
 */
export const ABSENT = 0;
export const ANY = 1;

/** Nested paths deeper than this are not hashed; a filter on one takes the plain scan. */
const MAX_DEPTH = 4;
/**
 * Strings longer than this are marked ANY, not hashed: a chunk's `text` (~1,200 characters)
 * was most of the characters hashed, for a filter no one writes; one that does is checked by SQL.
 */
const MAX_HASHED = 256;
const SEGMENT = /^[A-Za-z0-9_]+$/;

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h >>>= 0;
  return h < 2 ? h + 2 : h; // 0 and 1 mean ABSENT and ANY
}

/** The hash of a scalar as SQLite compares it: a number or boolean by value, a string by text. */
function valueHash(v: string | number | boolean): number {
  if (typeof v === 'string') return fnv1a(`s${v}`);
  return fnv1a(`n${typeof v === 'boolean' ? (v ? 1 : 0) : String(v)}`);
}

/** Every filterable path of a payload with the hash of its value (ANY for arrays and objects). */
export function payloadHashes(payload: Payload): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (obj: Record<string, unknown>, prefix: string, depth: number) => {
    for (const [k, v] of Object.entries(obj)) {
      if (!SEGMENT.test(k)) continue; // no filter key can name it
      const path = prefix ? `${prefix}.${k}` : k;
      if (v === null || v === undefined) continue;
      if (typeof v === 'string') out.set(path, v.length > MAX_HASHED ? ANY : valueHash(v));
      else if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out.set(path, valueHash(v));
      else if (typeof v === 'object') {
        out.set(path, ANY);
        if (!Array.isArray(v) && depth < MAX_DEPTH) walk(v as Record<string, unknown>, path, depth + 1);
      }
    }
  };
  walk(payload, '', 1);
  return out;
}

/** The hash each filter key must have, or undefined when a key is one the hashes do not cover. */
export function filterHashes(filter: PayloadFilter): Map<string, number> | undefined {
  const out = new Map<string, number>();
  for (const [key, value] of Object.entries(filter)) {
    const segments = key.split('.');
    if (segments.length > MAX_DEPTH || !segments.every((s) => SEGMENT.test(s))) return undefined;
    out.set(key, valueHash(value));
  }
  return out;
}
