import { sql, type Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

// Frozen once landed. Featurize: chunks with their token counts, which documents are done for
// which embedder, the lexical index over the chunks, and (SQLite only) the sqlite-vec store.
// Vectors are float32 BLOBs in an ordinary table, searched with sqlite-vec's distance
// functions: a vec0 virtual table would make every connection that has not loaded the
// extension (kysely's, in every command) fail on schema introspection ("no such module: vec0").

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  const pg = t.json === 'jsonb';
  await db.schema
    .createTable('featurize_chunks')
    // An integer key the lexical index can point at (FTS5 external content needs a stable rowid).
    .addColumn('seq', pg ? 'bigserial' : 'integer', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('collection', 'text', (c) => c.notNull())
    .addColumn('document_id', 'text', (c) => c.notNull())
    .addColumn('embedder', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('token_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('featurize_chunks_collection').on('featurize_chunks').columns(['collection', 'id']).execute();
  await db.schema.createIndex('featurize_chunks_document').on('featurize_chunks').column('document_id').execute();

  await db.schema
    .createTable('featurized_documents')
    .addColumn('document_id', 'text', (c) => c.notNull())
    .addColumn('embedder', 'text', (c) => c.notNull())
    .addColumn('collection', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('chunk_count', 'integer', (c) => c.notNull())
    .addColumn('featurized_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('featurized_documents_pk', ['document_id', 'embedder'])
    .execute();

  if (pg) {
    await sql`create index featurize_chunks_fts on featurize_chunks using gin (to_tsvector('english', text))`.execute(db);
    return;
  }
  // BM25 over the chunks; porter stemming helps English recall and costs little.
  await sql`create virtual table featurize_chunks_fts using fts5(text, content='featurize_chunks', content_rowid='seq', tokenize='porter unicode61 remove_diacritics 2')`.execute(db);
  await sql`create trigger featurize_chunks_ai after insert on featurize_chunks begin
    insert into featurize_chunks_fts(rowid, text) values (new.seq, new.text); end`.execute(db);
  await sql`create trigger featurize_chunks_ad after delete on featurize_chunks begin
    insert into featurize_chunks_fts(featurize_chunks_fts, rowid, text) values ('delete', old.seq, old.text); end`.execute(db);
  await sql`create trigger featurize_chunks_au after update of text on featurize_chunks begin
    insert into featurize_chunks_fts(featurize_chunks_fts, rowid, text) values ('delete', old.seq, old.text);
    insert into featurize_chunks_fts(rowid, text) values (new.seq, new.text); end`.execute(db);

  await db.schema
    .createTable('vector_collections')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('embedder', 'text')
    .addColumn('dimension', 'integer')
    .addColumn('distance', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('vector_points')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('collection', 'text', (c) => c.notNull().references('vector_collections.name').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('embedding', 'blob')
    .addUniqueConstraint('vector_points_collection_id', ['collection', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const s of ['vector_points', 'vector_collections', 'featurize_chunks_fts']) await sql`drop table if exists ${sql.raw(s)}`.execute(db);
  await db.schema.dropTable('featurized_documents').execute();
  await db.schema.dropTable('featurize_chunks').execute();
}
