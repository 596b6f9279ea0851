/** JSON columns come back parsed from PostgreSQL (jsonb) and as text from SQLite. */
export function readJson<T = Record<string, unknown>>(value: unknown): T {
  if (typeof value === 'string') return JSON.parse(value) as T;
  return value as T;
}

export function writeJson(value: unknown): string {
  return JSON.stringify(value ?? {});
}
