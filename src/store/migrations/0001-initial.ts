import { sql, type Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

// Frozen: once landed, a migration never changes. Add a new file instead.

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('link', 'text')
    .addColumn('author', 'text')
    .addColumn('title', 'text')
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('metadata', t.json, (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('documents_category').on('documents').column('category').execute();
  await db.schema.createIndex('documents_link').on('documents').column('link').execute();

  await db.schema
    .createTable('sentences')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('start_offset', 'integer', (c) => c.notNull())
    .addColumn('end_offset', 'integer', (c) => c.notNull())
    .addUniqueConstraint('sentences_document_idx', ['document_id', 'idx'])
    .execute();

  await db.schema
    .createTable('document_splits')
    .addColumn('document_id', 'text', (c) => c.primaryKey().references('documents.id').onDelete('cascade'))
    .addColumn('splitter_version', 'integer', (c) => c.notNull())
    .addColumn('sentence_count', 'integer', (c) => c.notNull())
    .addColumn('split_at', t.timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('command', 'text', (c) => c.notNull())
    .addColumn('args', t.json, (c) => c.notNull())
    .addColumn('started_at', t.timestamp, (c) => c.notNull())
    .addColumn('finished_at', t.timestamp)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('counts', t.json, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('error', 'text')
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runs_command_started').on('runs').columns(['command', 'started_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['runs', 'document_splits', 'sentences', 'documents']) await db.schema.dropTable(table).execute();
}
