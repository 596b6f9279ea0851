import type { ColumnType, Kysely } from 'kysely';

/** Table types of migration 0004 (kept here rather than in src/store/types.ts). */
export interface MonitorLedgerTable {
  namespace: string;
  item_id: string;
  metric: string;
  metric_version: string;
  status: 'claimed' | 'done';
  worker: string;
  pid: number;
  host: string;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface MonitorRunsTable {
  id: string;
  monitor: string;
  source: string;
  config_file: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  counts: ColumnType<unknown, string, string>;
}

export interface MonitorItemsTable {
  run_id: string;
  item_id: string;
  monitor: string;
  source: string;
  trace_id: string | null;
  input: string | null;
  output: string | null;
  context: string | null;
  metadata: ColumnType<unknown, string, string>;
  status: string;
  error: string | null;
  created_at: string;
}

export interface MonitorScoresTable {
  id: string;
  run_id: string;
  monitor: string;
  source: string;
  item_id: string;
  trace_id: string | null;
  metric: string;
  metric_version: string;
  value: number | null;
  pass: number | null;
  comment: string | null;
  scorer: string | null;
  created_at: string;
}

export type MonitorTables = {
  monitor_ledger: MonitorLedgerTable;
  monitor_runs: MonitorRunsTable;
  monitor_items: MonitorItemsTable;
  monitor_scores: MonitorScoresTable;
};

export type MonitorDb = Kysely<MonitorTables>;

/** Our tables on any kysely instance of the project's database. */
export function monitorDb(db: Kysely<any>): MonitorDb {
  return db.withTables<MonitorTables>() as unknown as MonitorDb;
}
