/**
 * `a.b.0.c` into nested objects and arrays; `-1` is the last element. A key that itself holds
 * dots is reached when the whole remaining path matches it (`metadata.user.id` finds
 * `{metadata: {"user.id": …}}`).
 */
export function getPath(value: unknown, path: string): unknown {
  if (path === '' || path === '.') return value;
  const parts = path.split('.');
  let cur: unknown = value;
  for (let i = 0; i < parts.length; i++) {
    if (cur === null || cur === undefined) return undefined;
    const part = parts[i]!;
    if (Array.isArray(cur)) {
      const n = Number(part);
      if (!Number.isInteger(n)) return undefined;
      cur = cur[n < 0 ? cur.length + n : n];
      continue;
    }
    if (typeof cur !== 'object') return undefined;
    const obj = cur as Record<string, unknown>;
    if (part in obj) {
      cur = obj[part];
      continue;
    }
    const rest = parts.slice(i).join('.');
    return rest in obj ? obj[rest] : undefined;
  }
  return cur;
}

/** Text for a metric: strings as they are, anything else as JSON. */
export function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('\n\n');
  return JSON.stringify(value);
}
