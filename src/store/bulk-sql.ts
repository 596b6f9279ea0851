import { CompiledQuery, PostgresAdapter, type Kysely } from 'kysely';

export function isPostgres(db: Kysely<any>): boolean {
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
  const params: unknown[] = shared.map((c) => c.value);
  for (const r of rows) for (const v of r) params.push(v);
  return CompiledQuery.raw(sharedInsertSql(isPostgres(db), table, shared, columns, rows.length, tail), params);
}

/** A sharedInsert whose rows' values come flat, row after row (no array per row to build). */
export function flatInsert(db: Kysely<any>, table: string, columns: SqlColumn[], values: unknown[], tail = ''): CompiledQuery {
  return CompiledQuery.raw(sharedInsertSql(isPostgres(db), table, [], columns, values.length / columns.length, tail), values);
}

// The SQL of the shapes last used, per column list: a batch writer sends the same few over and
// over, and building a text of thousands of placeholders cost as much as binding them.
const sqlTexts = new WeakMap<SqlColumn[], Map<string, string>>();

function sharedInsertSql(pg: boolean, table: string, shared: SqlColumn[], columns: SqlColumn[], rowCount: number, tail: string): string {
  let texts = sqlTexts.get(columns);
  if (!texts) sqlTexts.set(columns, (texts = new Map()));
  const key = `${pg}\u0000${table}\u0000${shared.map((c) => `${c.name}:${c.pg ?? ''}`).join(',')}\u0000${rowCount}\u0000${tail}`;
  const hit = texts.get(key);
  if (hit !== undefined) return hit;
  const cast = (c: SqlColumn) => (pg && c.pg ? `::${c.pg}` : '');
  // SQLite numbers `?` in text order: the shared ones (in the SELECT list) come before VALUES.
  const select = [...shared.map((c, i) => `${pg ? `$${i + 1}` : '?'}${cast(c)}`), ...columns.map((c, i) => `v.column${i + 1}${cast(c)}`)];
  let n = shared.length;
  const tuples = Array.from({ length: rowCount }, () => `(${columns.map(() => (pg ? `$${++n}` : '?')).join(',')})`);
  const names = [...shared.map((c) => c.name), ...columns.map((c) => c.name)];
  // `where true`: SQLite needs it to tell an upsert clause after INSERT … SELECT from a join.
  const text = `insert into ${table} (${names.join(',')}) select ${select.join(', ')} from (values ${tuples.join(',')}) as v where true ${tail}`;
  texts.set(key, text);
  if (texts.size > 32) texts.delete(texts.keys().next().value!);
  return text;
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

/**
 * Cuts `n` rows into statements of `maxRows`, then powers of two: a dozen statement shapes in
 * all, each parsed once (database.ts keeps prepared statements by SQL text). Cut by what was
 * left, each batch's last statement had a size of its own, parsed anew: ~10% of split's writer time.
 */
export function statementSizes(n: number, maxRows: number): [from: number, rows: number][] {
  const parts: [number, number][] = [];
  let from = 0;
  while (n - from >= maxRows) {
    parts.push([from, maxRows]);
    from += maxRows;
  }
  for (let size = 1 << Math.floor(Math.log2(maxRows)); size >= 1; size >>= 1) {
    if (n - from >= size) {
      parts.push([from, size]);
      from += size;
    }
  }
  return parts;
}
