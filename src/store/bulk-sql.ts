import { CompiledQuery, PostgresAdapter, type Kysely } from 'kysely';

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export type SqlColumn = { name: string; /** PostgreSQL type to cast to (parameters and VALUES columns arrive as text). */ pg?: string };

/**
 * INSERT … SELECT over a VALUES list that carries only the columns that differ per row; the
 * columns every row of the batch shares are bound once. Binding parameters dominated the cost
 * of the ledger, lease and score writes; this binds a third to two thirds as many. `tail` is
 * the conflict clause (and a `returning`, whose rows the caller reads).
 */
export function sharedInsert(db: Kysely<any>, table: string, shared: (SqlColumn & { value: unknown })[], columns: SqlColumn[], rows: unknown[][], tail = ''): CompiledQuery {
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
  return CompiledQuery.raw(`insert into ${table} (${names.join(',')}) select ${select.join(', ')} from (values ${tuples.join(',')}) as v where true ${tail}`, params);
}

/** Runs a sharedInsert; returns the number of rows inserted (or upserted). */
export async function insertShared(
  db: Kysely<any>,
  table: string,
  shared: (SqlColumn & { value: unknown })[],
  columns: SqlColumn[],
  rows: unknown[][],
  tail = '',
): Promise<number> {
  if (rows.length === 0) return 0;
  const res = await db.executeQuery(sharedInsert(db, table, shared, columns, rows, tail));
  return Number(res.numAffectedRows ?? 0);
}
