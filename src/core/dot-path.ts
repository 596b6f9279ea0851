/**
 * One way to name a field inside a record, for every command that takes one (ingest's
 * --text-field, split and analyse --in, dedup --key/--field, monitor extractors):
 *
 * - `a.b.0.c` walks nested objects and arrays; `-1` is the last element of an array.
 * - A key that itself holds dots is found when the remaining path matches it whole
 *   (`metadata.user.id` finds `{metadata: {"user.id": …}}`); such an exact key wins.
 * - A string that holds JSON is walked into: Langfuse hands observation input and output as
 *   JSON strings, and `input.context` must reach the context inside one.
 */
export function getPath(value: unknown, path: string): unknown {
  if (path === '' || path === '.') return value;
  const parts = path.split('.');
  let cur: unknown = value;
  for (let i = 0; i < parts.length; i++) {
    if (typeof cur === 'string') cur = parseJsonContainer(cur);
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    const part = parts[i]!;
    if (Array.isArray(cur)) {
      if (!/^-?\d+$/.test(part)) return undefined;
      const n = Number(part);
      cur = cur[n < 0 ? cur.length + n : n];
      continue;
    }
    const obj = cur as Record<string, unknown>;
    if (i < parts.length - 1) {
      const rest = parts.slice(i).join('.');
      if (Object.hasOwn(obj, rest)) return obj[rest];
    }
    if (!Object.hasOwn(obj, part)) return undefined;
    cur = obj[part];
  }
  return cur;
}

/** The object or array a string holds as JSON, else undefined (plain text has no fields). */
function parseJsonContainer(s: string): unknown {
  if (!/^\s*[[{]/.test(s)) return undefined;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

/** Text for a metric or a key: strings as they are, anything else as JSON. */
export function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('\n\n');
  return JSON.stringify(value);
}
