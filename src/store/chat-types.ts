/**
 * Conversations and accounts of the answer side (ask, chat, serve). The answer side reads the
 * documents and vectors and writes only these. One interface, two homes: the database
 * (SQLite or PostgreSQL) or Redis (REDIS_URL); one contract suite runs against each.
 */

export type ChatSession = {
  id: string;
  /** Who owns it: a `serve` account name, or the local user for `llmops chat`. */
  user: string;
  /** The first question, cut short; null until the first turn. */
  title: string | null;
  created_at: string;
  updated_at: string;
  message_count: number;
};

export type ChatRole = 'user' | 'assistant';

export type NewChatMessage = {
  role: ChatRole;
  content: string;
  /** The answer's resolved citations (assistant turns). */
  citations?: unknown[];
  /** The turn's trace id: the call log and Langfuse find the call by it. */
  trace_id?: string;
};

export type StoredChatMessage = NewChatMessage & { seq: number; created_at: string };

export interface SessionStore {
  readonly kind: 'sql' | 'redis';
  create(user: string, title?: string): Promise<ChatSession>;
  /** The session when it exists and is `user`'s; null otherwise (someone else's looks missing). */
  get(id: string, user: string): Promise<ChatSession | null>;
  /** `user`'s sessions, most recently used first. */
  list(user: string, opts?: { limit?: number }): Promise<ChatSession[]>;
  /**
   * Adds a turn's messages in order, atomically (both or neither), after those already there;
   * sets the title from the first user message. False when the session is not `user`'s.
   */
  append(id: string, user: string, messages: NewChatMessage[]): Promise<boolean>;
  /** The session's messages in order; null when the session is not `user`'s. */
  messages(id: string, user: string): Promise<StoredChatMessage[] | null>;
  /** False when there was no such session of `user`'s. */
  delete(id: string, user: string): Promise<boolean>;
  /** Reachable (serve's /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type ServeUser = { name: string; created_at: string };
/**
 * An account as a login sees it: `stamp` names its current credentials (it changes with the
 * password, and an account removed and made again under the same name has another), so that a
 * token issued under older ones stops working.
 */
export type ServeAccount = ServeUser & { stamp: string };

/** `serve` accounts: names and password hashes (scrypt), in the database. */
export interface UserStore {
  add(name: string, password: string): Promise<void>;
  /** The account when the password is right; null otherwise (same time either way). */
  verify(name: string, password: string): Promise<ServeAccount | null>;
  list(): Promise<ServeUser[]>;
  /** Whether the account is there. */
  exists(name: string): Promise<boolean>;
  /** The account's credential stamp (ServeAccount), undefined when there is no such account. */
  stamp(name: string): Promise<string | undefined>;
  remove(name: string): Promise<boolean>;
  setPassword(name: string, password: string): Promise<boolean>;
}
