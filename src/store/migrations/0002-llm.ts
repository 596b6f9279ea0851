import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

// Frozen once landed. The LLM layer: the call log, the response cache, task results and the
// leases that let several workers share the work.

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('llm_calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('trace_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('task', 'text')
    .addColumn('system', 'text')
    .addColumn('messages', t.json, (c) => c.notNull())
    .addColumn('parameters', t.json, (c) => c.notNull())
    .addColumn('response', 'text')
    .addColumn('raw', t.json)
    .addColumn('input_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_usd', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('latency_ms', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('finish_reason', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('repaired_from', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('llm_calls_trace').on('llm_calls').column('trace_id').execute();
  await db.schema.createIndex('llm_calls_created').on('llm_calls').column('created_at').execute();

  await db.schema
    .createTable('llm_cache')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('input_tokens', 'integer', (c) => c.notNull())
    .addColumn('output_tokens', 'integer', (c) => c.notNull())
    .addColumn('finish_reason', 'text', (c) => c.notNull())
    .addColumn('llm_call_id', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('results')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sentence_id', 'text', (c) => c.notNull().references('sentences.id').onDelete('cascade'))
    .addColumn('task', 'text', (c) => c.notNull())
    .addColumn('task_version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('label', 'text')
    .addColumn('confidence', 'real')
    .addColumn('value', t.json)
    .addColumn('error', 'text')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('trace_id', 'text', (c) => c.notNull())
    .addColumn('llm_call_id', 'text')
    .addColumn('cached', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addUniqueConstraint('results_sentence_task', ['sentence_id', 'task', 'task_version'])
    .execute();
  await db.schema.createIndex('results_task_status').on('results').columns(['task', 'task_version', 'status']).execute();

  await db.schema
    .createTable('work_claims')
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('worker', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('work_claims_pk', ['queue', 'item_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['work_claims', 'results', 'llm_cache', 'llm_calls']) await db.schema.dropTable(table).execute();
}
