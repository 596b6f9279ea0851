import { sql, type Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

// Frozen once landed. The monitor: a ledger of scored items (shared with `dedup --ledger`),
// and the normalised runs / items / scores the `sql` publisher writes.

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // One row per (namespace, item, metric, version). status 'claimed' is a lease (a worker is
  // scoring it; expires_at bounds a crash); 'done' means its score was published.
  await db.schema
    .createTable('monitor_ledger')
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('metric_version', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('worker', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('expires_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('monitor_ledger_pk', ['namespace', 'item_id', 'metric', 'metric_version'])
    .execute();
  // Only live claims are indexed by worker (a partial index, a few thousand entries at a time):
  // marking a batch done, renewing and releasing leases find a worker's claims through it,
  // while done rows, the millions, carry no second index.
  await db.schema
    .createIndex('monitor_ledger_claims')
    .on('monitor_ledger')
    .columns(['worker', 'namespace'])
    .where(sql.ref('status'), '=', sql.lit('claimed'))
    .execute();

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

  await db.schema
    .createTable('monitor_items')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('monitor', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('trace_id', 'text')
    .addColumn('input', 'text')
    .addColumn('output', 'text')
    .addColumn('context', 'text')
    .addColumn('metadata', t.json, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('monitor_items_pk', ['run_id', 'item_id'])
    .execute();

  await db.schema
    .createTable('monitor_scores')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('monitor', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('trace_id', 'text')
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('metric_version', 'text', (c) => c.notNull())
    .addColumn('value', 'real')
    .addColumn('pass', 'integer')
    .addColumn('comment', 'text')
    .addColumn('scorer', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    // Keyed like the ledger (not by the hashed id): rows land in item order, not at random.
    .addPrimaryKeyConstraint('monitor_scores_pk', ['source', 'monitor', 'item_id', 'metric', 'metric_version'])
    .execute();
  // Queries by monitor and metric use the primary key's prefix (source, monitor); no second
  // index to keep up on every one of a run's hundred thousand score writes.
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['monitor_scores', 'monitor_items', 'monitor_runs', 'monitor_ledger']) await db.schema.dropTable(table).execute();
}
