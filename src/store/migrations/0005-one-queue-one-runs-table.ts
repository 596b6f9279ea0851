import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

// Frozen once landed. One runs table and one work queue (issue #12): a monitor run is a `runs`
// row with its own `details`, and the ledger keeps only done keys: a key being worked on is a
// lease in work_claims, like every other command's work item. No `down`: the dropped claims
// and the processes of old monitor runs cannot be brought back.

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
