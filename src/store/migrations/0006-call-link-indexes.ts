import type { Kysely } from 'kysely';

// Frozen once landed. `inspect calls <id>` (the results of a call), `cache stats` (answers
// reused by results) and `cache clear --task` (entries of a task's calls) look rows up by
// the call they link to; without these indexes each of them scans the whole table.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('results_llm_call_id').ifNotExists().on('results').column('llm_call_id').execute();
  await db.schema.createIndex('llm_cache_llm_call_id').ifNotExists().on('llm_cache').column('llm_call_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('llm_cache_llm_call_id').ifExists().execute();
  await db.schema.dropIndex('results_llm_call_id').ifExists().execute();
}
