import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

// Frozen once landed. The answer side's own tables (issue #14): chat sessions and their
// messages (`llmops chat`, `serve`), `serve` accounts, and secrets the application generates
// once and keeps (the JWT signing key).

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // `user_name`, not `user`: a reserved word in PostgreSQL.
  await db.schema
    .createTable('chat_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('message_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  // A user's sessions, most recently used first.
  await db.schema.createIndex('chat_sessions_user_updated').on('chat_sessions').columns(['user_name', 'updated_at']).execute();

  // seq numbers a session's messages from 1; the primary key forbids two messages at one place.
  await db.schema
    .createTable('chat_messages')
    .addColumn('session_id', 'text', (c) => c.notNull().references('chat_sessions.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('citations', t.json)
    .addColumn('trace_id', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_messages_pk', ['session_id', 'seq'])
    .execute();

  // The hash keeps its own scrypt parameters, so they can be raised later without locking
  // out the accounts hashed before.
  await db.schema
    .createTable('serve_users')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('password_salt', 'text', (c) => c.notNull())
    .addColumn('scrypt_n', 'integer', (c) => c.notNull())
    .addColumn('scrypt_r', 'integer', (c) => c.notNull())
    .addColumn('scrypt_p', 'integer', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('app_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['app_secrets', 'serve_users', 'chat_messages', 'chat_sessions']) await db.schema.dropTable(table).execute();
}
