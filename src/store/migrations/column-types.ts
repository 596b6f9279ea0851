import { PostgresAdapter, type Kysely } from 'kysely';

/** Column types that differ between the engines (used by migrations only). */
export function columnTypes(db: Kysely<any>) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    json: pg ? ('jsonb' as const) : ('text' as const),
    timestamp: pg ? ('timestamptz' as const) : ('text' as const),
  };
}
