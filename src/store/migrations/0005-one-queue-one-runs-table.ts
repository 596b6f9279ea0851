import { sql, type Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

// Frozen once landed. One runs table and one work queue (issue #12): a monitor run is a `runs`
// row with its own `details`, and the ledger keeps only done keys: a key being worked on is a
// lease in work_claims, like every other command's work item.

const LEDGER_CLAIM_COLUMNS = ['status', 'pid', 'host', 'expires_at'];

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  await db.schema.alterTable('runs').addColumn('details', t.json).execute();
  await copyMonitorRuns(db);
  await db.schema.dropTable('monitor_runs').execute();
  // Claims are transient (a run in progress, or one killed before the next cleared it): dropped,
  // their keys are simply not done yet and the next run scores them.
  await db.deleteFrom('monitor_ledger').where('status', '<>', 'done').execute();
  await db.schema.dropIndex('monitor_ledger_claims').execute();
  // One column a statement: SQLite drops no more at once.
  for (const c of LEDGER_CLAIM_COLUMNS) await db.schema.alterTable('monitor_ledger').dropColumn(c).execute();
}

const fromJson = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>;

/**
 * Each monitor_runs row becomes a `runs` row of command `monitor`, same id (monitor_items and
 * monitor_scores name it). A failed run kept its reason in counts ({error}): it moves to `error`.
 * The process that ran it is unknown (pid 0, no host).
 */
async function copyMonitorRuns(db: Kysely<any>): Promise<void> {
  const old = await db.selectFrom('monitor_runs').selectAll().orderBy('started_at').execute();
  const rows = old.map((r) => {
    const counts = fromJson(r.counts);
    const failed = r.status === 'failed' && typeof counts.error === 'string' && Object.keys(counts).length === 1;
    return {
      id: r.id,
      command: 'monitor',
      args: JSON.stringify(['monitor', r.config_file]),
      started_at: r.started_at,
      finished_at: r.finished_at,
      status: r.status,
      counts: JSON.stringify(failed ? {} : counts),
      error: failed ? counts.error : null,
      pid: 0,
      host: '',
      details: JSON.stringify({ monitor: r.monitor, source: r.source, config_file: r.config_file }),
    };
  });
  for (let i = 0; i < rows.length; i += 200) await db.insertInto('runs').values(rows.slice(i, i + 200)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('monitor_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('monitor', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('config_file', 'text', (c) => c.notNull())
    .addColumn('started_at', t.timestamp, (c) => c.notNull())
    .addColumn('finished_at', t.timestamp)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('counts', t.json, (c) => c.notNull())
    .execute();
  const runs = await db.selectFrom('runs').selectAll().where('command', '=', 'monitor').execute();
  for (const r of runs) {
    const d = fromJson(r.details ?? '{}');
    const counts = r.error ? { error: r.error } : fromJson(r.counts);
    await db
      .insertInto('monitor_runs')
      .values({ id: r.id, monitor: d.monitor, source: d.source, config_file: d.config_file, started_at: r.started_at, finished_at: r.finished_at, status: r.status, counts: JSON.stringify(counts) })
      .execute();
  }
  await db.deleteFrom('runs').where('command', '=', 'monitor').execute();
  await db.schema.alterTable('runs').dropColumn('details').execute();
  const ledger = db.schema.alterTable('monitor_ledger');
  await ledger.addColumn('status', 'text', (c) => c.notNull().defaultTo('done')).execute();
  await ledger.addColumn('pid', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await ledger.addColumn('host', 'text', (c) => c.notNull().defaultTo('')).execute();
  await ledger.addColumn('expires_at', t.timestamp).execute();
  await db.schema.createIndex('monitor_ledger_claims').on('monitor_ledger').columns(['worker', 'namespace']).where(sql.ref('status'), '=', sql.lit('claimed')).execute();
}
