import type { Kysely } from 'kysely';

// Frozen once landed. Streamed calls: how long the first text took (ms from sending the
// request), next to latency_ms (the whole call). Null for calls recorded before this column,
// and for calls that failed before any text arrived. `status` gains 'cancelled' (text column:
// no schema change), for a stream its caller aborted or stopped reading.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('llm_calls').addColumn('time_to_first_token_ms', 'real').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('llm_calls').dropColumn('time_to_first_token_ms').execute();
}
