import { UsageError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { errorMessage } from '../core/errors.js';
import type { Answer } from '../answer/answer-types.js';
import type { ChatMessage } from '../llm/types.js';
import type { ChatSession, SessionStore } from '../store/chat-types.js';

/**
 * One turn of a conversation, the same for `llmops chat` and `llmops serve`: the session
 * (found, or made for the first question), its history, the answer streamed, then the
 * question and the answer appended together (both or neither) with the citations and the
 * turn's trace id, so a message can be followed to its call in the call log and Langfuse.
 * Nothing here knows of HTTP or terminals.
 */

/** What answers one question (retrieval and the model, or the extractive fallback). */
export type AnswerTurn = (input: {
  question: string;
  /** Earlier turns, oldest first; the answer stage trims them to the context budget. */
  history: ChatMessage[];
  collections?: string[];
  k?: number;
  signal?: AbortSignal;
  onText?: (text: string) => void;
  traceId: string;
  /** Tagged on the model call: Langfuse groups a conversation's traces by it. */
  sessionId: string;
}) => Promise<Answer>;

export type TurnInput = {
  user: string;
  question: string;
  /** Continue this session; absent: a new one, titled by the question. */
  sessionId?: string;
  collections?: string[];
  k?: number;
  signal?: AbortSignal;
  /** Once the session is known, before any text. */
  onSession?: (id: string) => void;
  onText?: (text: string) => void;
};

export type TurnResult = { session: ChatSession; answer: Answer };

export type Conversation = { turn(input: TurnInput): Promise<TurnResult> };

export function createConversation(deps: { sessions: SessionStore; answer: AnswerTurn; newTraceId: () => string; logger: Logger }): Conversation {
  const { sessions } = deps;
  return {
    async turn(input) {
      if (input.question.trim() === '') throw new UsageError('the question is empty');
      const existing = input.sessionId !== undefined ? await sessions.get(input.sessionId, input.user) : null;
      if (input.sessionId !== undefined && !existing) throw new UsageError(`no session ${input.sessionId}`);
      const session = existing ?? (await sessions.create(input.user));
      input.onSession?.(session.id);
      try {
        const stored = existing ? ((await sessions.messages(session.id, input.user)) ?? []) : [];
        const history: ChatMessage[] = stored.map((m) => ({ role: m.role, content: m.content }));
        const traceId = deps.newTraceId();
        const answer = await deps.answer({ ...input, history, traceId, sessionId: session.id });
        const appended = await sessions.append(session.id, input.user, [
          { role: 'user', content: input.question, trace_id: traceId },
          { role: 'assistant', content: answer.answer, citations: answer.citations, trace_id: traceId },
        ]);
        if (!appended) throw new UsageError(`session ${session.id} was deleted while it was answering`);
        return { session: (await sessions.get(session.id, input.user)) ?? session, answer };
      } catch (err) {
        // A session made for this turn and left empty (stopped, failed) is not worth keeping.
        if (!existing) await sessions.delete(session.id, input.user).catch((e) => deps.logger.debug(`conversation: could not drop empty session: ${errorMessage(e)}`));
        throw err;
      }
    },
  };
}
