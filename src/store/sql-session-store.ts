import { sql, type Kysely, type Selectable } from 'kysely';
import { storableMessages, storableTitle, isSessionId, newSessionId, titleFromMessages } from './chat-session-rules.js';
import type { ChatRole, ChatSession, NewChatMessage, SessionStore, StoredChatMessage } from './chat-types.js';
import { readJson } from './json-column.js';
import type { ChatMessagesTable, ChatSessionsTable, Database } from './types.js';

const toSession = (r: Selectable<ChatSessionsTable>): ChatSession => ({
  id: r.id,
  user: r.user_name,
  title: r.title,
  created_at: r.created_at,
  updated_at: r.updated_at,
  message_count: Number(r.message_count),
});

function toMessage(r: Selectable<ChatMessagesTable>): StoredChatMessage {
  const m: StoredChatMessage = { seq: Number(r.seq), role: r.role as ChatRole, content: r.content, created_at: r.created_at };
  if (r.citations != null) m.citations = readJson<unknown[]>(r.citations);
  if (r.trace_id != null) m.trace_id = r.trace_id;
  return m;
}

/**
 * Sessions in the --db database (SQLite or PostgreSQL). An append is one transaction that first
 * bumps the session's message_count (its row lock, or SQLite's write lock, makes concurrent
 * appends to one session wait their turn) and numbers the new messages from the count it got
 * back: no two messages share a seq, none is lost. The owner is part of every WHERE, so another
 * user's session is indistinguishable from a missing one.
 */
export class SqlSessionStore implements SessionStore {
  readonly kind = 'sql' as const;

  /** `close` is the database's when this store owns it; by default the caller closes it. */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly closeDb: () => Promise<void> = async () => {},
  ) {}

  async create(user: string, given?: string): Promise<ChatSession> {
    const title = storableTitle(given);
    const now = new Date().toISOString();
    const row = { id: newSessionId(), user_name: user, title: title ?? null, message_count: 0, created_at: now, updated_at: now };
    await this.db.insertInto('chat_sessions').values(row).execute();
    return toSession(row);
  }

  async get(id: string, user: string): Promise<ChatSession | null> {
    if (!isSessionId(id)) return null;
    const row = await this.db.selectFrom('chat_sessions').selectAll().where('id', '=', id).where('user_name', '=', user).executeTakeFirst();
    return row ? toSession(row) : null;
  }

  async list(user: string, opts: { limit?: number } = {}): Promise<ChatSession[]> {
    let q = this.db.selectFrom('chat_sessions').selectAll().where('user_name', '=', user).orderBy('updated_at', 'desc').orderBy('created_at', 'desc').orderBy('id');
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return (await q.execute()).map(toSession);
  }

  async append(id: string, user: string, messages: NewChatMessage[]): Promise<boolean> {
    messages = storableMessages(messages);
    if (!isSessionId(id)) return false;
    if (messages.length === 0) return (await this.get(id, user)) !== null;
    const now = new Date().toISOString();
    const title = titleFromMessages(messages);
    return this.db.transaction().execute(async (tx) => {
      const bumped = await tx
        .updateTable('chat_sessions')
        .set((eb) => ({
          message_count: eb('message_count', '+', messages.length),
          updated_at: now,
          ...(title === null ? {} : { title: eb.fn.coalesce('title', sql.val(title)) }),
        }))
        .where('id', '=', id)
        .where('user_name', '=', user)
        .returning('message_count')
        .executeTakeFirst();
      if (!bumped) return false;
      const first = Number(bumped.message_count) - messages.length + 1;
      const rows = messages.map((m, i) => ({
        session_id: id,
        seq: first + i,
        role: m.role,
        content: m.content,
        citations: m.citations === undefined ? null : JSON.stringify(m.citations),
        trace_id: m.trace_id ?? null,
        created_at: now,
      }));
      await tx.insertInto('chat_messages').values(rows).execute();
      return true;
    });
  }

  async messages(id: string, user: string): Promise<StoredChatMessage[] | null> {
    if (!(await this.get(id, user))) return null;
    const rows = await this.db.selectFrom('chat_messages').selectAll().where('session_id', '=', id).orderBy('seq').execute();
    return rows.map(toMessage);
  }

  async delete(id: string, user: string): Promise<boolean> {
    if (!isSessionId(id)) return false;
    // The messages go with it (ON DELETE CASCADE).
    const r = await this.db.deleteFrom('chat_sessions').where('id', '=', id).where('user_name', '=', user).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  close(): Promise<void> {
    return this.closeDb();
  }
}
