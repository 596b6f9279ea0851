import type { Answer } from '../answer/answer-types.js';
import type { SessionStore } from '../store/chat-types.js';
import type { AnswerFlags } from './answerer.js';
import type { CommandScope } from './command-scope.js';
import type { Conversation } from './conversation.js';

// What `llmops chat`'s modules share: its flags, where a conversation stands, what it talks to.

export type ChatFlags = AnswerFlags & {
  /** Resume this conversation. */
  session?: string;
  /** Whose conversations (default $USER). */
  user?: string;
};

/** Everything a chat loop talks to, opened once for the whole conversation. */
export type ChatParts = { scope: CommandScope; sessions: SessionStore; conversation: Conversation; state: ChatState; answeredBy: string; flags: ChatFlags };

/** Where a conversation stands: whose it is, which session (none until the first question), the last answer. */
export type ChatState = { user: string; sessionId?: string; lastAnswer?: Answer };
