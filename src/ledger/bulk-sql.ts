import { CompiledQuery, PostgresAdapter, type Kysely } from 'kysely';

/** `where col in (…)` pieces for raw statements, numbered from `start`. */
export function placeholders(db: Kysely<any>, n: number, start: number): string {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  return Array.from({ length: n }, (_, i) => (pg ? `$${start + i}` : '?')).join(',');
}

export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export type SqlColumn = { name: string; /** PostgreSQL type to cast to (parameters and VALUES columns arrive as text). */ pg?: string };

/**
 * INSERT … SELECT over a VALUES list that carries only the columns that differ per row; the
 * columns every row of the batch shares are bound once. Binding parameters dominated the cost
 * of the ledger and score writes; this binds a third to two thirds as many.
 * Returns the number of rows inserted (or upserted).
 */
export async function insertShared(
  db: Kysely<any>,
  table: string,
  shared: (SqlColumn & { value: unknown })[],
  columns: SqlColumn[],
  rows: unknown[][],
  tail = '',
): Promise<number> {
  if (rows.length === 0) return 0;
  const pg = isPostgres(db);
  const params: unknown[] = shared.map((c) => c.value);
  const cast = (c: SqlColumn) => (pg && c.pg ? `::${c.pg}` : '');
  // SQLite numbers `?` in text order: the shared ones (in the SELECT list) come before VALUES.
  const select = [...shared.map((c, i) => `${pg ? `$${i + 1}` : '?'}${cast(c)}`), ...columns.map((c, i) => `v.column${i + 1}${cast(c)}`)];
  const tuples = rows.map((r) => {
    const ph = r.map((v) => {
      params.push(v);
      return pg ? `$${params.length}` : '?';
    });
    return `(${ph.join(',')})`;
  });
  const names = [...shared.map((c) => c.name), ...columns.map((c) => c.name)];
  // `where true`: SQLite needs it to tell an upsert clause after INSERT … SELECT from a join.
  const text = `insert into ${table} (${names.join(',')}) select ${select.join(', ')} from (values ${tuples.join(',')}) as v where true ${tail}`;
  const res = await db.executeQuery(CompiledQuery.raw(text, params));
  return Number(res.numAffectedRows ?? 0);
}
