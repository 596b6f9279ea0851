import type { PayloadFilter } from './vector-store.js';

const bindable = (v: string | number | boolean) => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

/**
 * A payload filter as SQLite conditions on vector_points.payload (`json_extract = ?` per key,
 * all must hold): the one definition of what a filter matches, used by every search path.
 */
export function payloadFilterSql(filter: PayloadFilter | undefined): { conditions: string[]; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  for (const [k, v] of Object.entries(filter ?? {})) {
    conditions.push('json_extract(payload, ?) = ?');
    params.push(`$.${k}`, bindable(v));
  }
  return { conditions, params };
}
