import { randomUUID } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import { storableString } from '../core/storable-text.js';
import type { ChatRole, NewChatMessage } from './chat-types.js';

// What both session stores (SQL, Redis) agree on, so they behave the same to their callers.

/** Random and unguessable: knowing one session's id tells nothing about another's. */
export const newSessionId = (): string => randomUUID();

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are ours (UUIDs): anything else names no session, and never reaches a key or a query. */
export const isSessionId = (id: string): boolean => SESSION_ID.test(id);

const TITLE_LENGTH = 80;

/** A session's title: its first question on one line, cut short; null when the turn has none. */
export function titleFromMessages(messages: NewChatMessage[]): string | null {
  const question = messages.find((m) => m.role === 'user')?.content.replace(/\s+/g, ' ').trim();
  if (!question) return null;
  return question.length <= TITLE_LENGTH ? question : `${question.slice(0, TITLE_LENGTH - 1).trimEnd()}…`;
}

const ROLES: ReadonlySet<ChatRole> = new Set(['user', 'assistant']);

/**
 * A message a store would keep forever is checked before it is written, and its text made
 * storable (storable-text.ts: no NUL, no lone surrogate): PostgreSQL refused a NUL, and the three
 * stores each gave a lone surrogate back differently.
 */
export function storableMessages(messages: NewChatMessage[]): NewChatMessage[] {
  for (const m of messages) {
    if (!ROLES.has(m.role)) throw new UsageError(`chat message role: expected user or assistant, got ${JSON.stringify(m.role)}`);
    if (typeof m.content !== 'string') throw new UsageError('chat message content: expected a string');
  }
  return messages.map((m) => ({ ...m, content: storableString(m.content) }));
}

/** A session's title as every store keeps it. */
export const storableTitle = (title: string | undefined): string | undefined => (title === undefined ? undefined : storableString(title));
