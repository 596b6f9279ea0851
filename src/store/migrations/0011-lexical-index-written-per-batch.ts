import { sql, type Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

// Frozen once landed. SQLite only: the lexical index (FTS5 over featurize_chunks) is no longer
// filled by a trigger per inserted row; saveFeaturized (featurize-repo.ts) indexes a batch's
// new rows with one INSERT … SELECT in the same transaction. bench/featurize.ts section 7
// measured the trigger at about twice the cost of that statement for the same rows (SciFact ×1:
// 6,230 chunks). The delete and update triggers stay: those rows are few and scattered.

export async function up(db: Kysely<any>): Promise<void> {
  if (columnTypes(db).json === 'jsonb') return;
  await sql`drop trigger if exists featurize_chunks_ai`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (columnTypes(db).json === 'jsonb') return;
  await sql`create trigger if not exists featurize_chunks_ai after insert on featurize_chunks begin
    insert into featurize_chunks_fts(rowid, text) values (new.seq, new.text); end`.execute(db);
}
