import { userInfo } from 'node:os';
import { Interrupted, UsageError } from '../core/errors.js';
import type { Answer } from '../answer/answer-types.js';
import { runCommand, type CommandScope } from './command-scope.js';
import type { Context } from './context.js';
import type { ChatFlags, ChatParts } from './chat-parts.js';

function localUser(flags: ChatFlags): string {
  const user = (flags.user ?? process.env.USER ?? userInfo().username).trim();
  if (user === '') throw new UsageError('--user: empty (and $USER is not set)');
  return user;
}

/**
 * `llmops chat`: on a terminal a conversation (chat-terminal.ts); otherwise one question a
 * line from stdin, one answer each, so a script can hold a conversation too.
 */
export async function chat(ctx: Context, flags: ChatFlags): Promise<void> {
  const user = localUser(flags);
  await runCommand(ctx, async (scope) => {
    const parts = await openChat(scope, flags, user);
    if (process.stdin.isTTY && process.stdout.isTTY) {
      const { chatOnTerminal } = await import('./chat-terminal.js');
      await chatOnTerminal(parts);
    } else await chatFromLines(parts);
  });
}

async function openChat(scope: CommandScope, flags: ChatFlags, user: string): Promise<ChatParts> {
  // The answerer first: it needs the database to exist, and a chat in the wrong folder must not create one.
  const { openAnswerer } = await import('./answerer.js');
  const answerer = await openAnswerer(scope, flags, 'chat');
  const { openSessionStore } = await import('../store/open-session-store.js');
  const sessions = scope.use(await openSessionStore({ db: () => scope.db() }), (s) => s.close());
  if (flags.session !== undefined && !(await sessions.get(flags.session, user))) {
    throw new UsageError(`--session ${flags.session}: no conversation of ${user}'s has this id (in a chat, /sessions lists them)`);
  }
  const { newTraceId } = await import('../llm/trace-id.js');
  const { createConversation } = await import('./conversation.js');
  const conversation = createConversation({
    sessions,
    newTraceId,
    logger: scope.ctx.logger,
    answer: (turn) => answerer.answer(turn.question, { signal: turn.signal, onText: turn.onText, history: turn.history, traceId: turn.traceId, sessionId: turn.sessionId }),
  });
  return { scope, sessions, conversation, state: { user, sessionId: flags.session }, answeredBy: answerer.answeredBy, flags };
}

/**
 * One question per line in, one answer per question out: NDJSON (the Answer with its
 * session_id) when stdout is not a terminal or with --json, else the text and its sources.
 * Lines starting with `/` are the chat's commands. Ctrl-C stops (exit 130).
 */
async function chatFromLines(parts: ChatParts): Promise<void> {
  const { scope, state, conversation, sessions } = parts;
  const { ctx } = scope;
  const { createInterface } = await import('node:readline');
  const { runChatCommand } = await import('./chat-commands.js');
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (ctx.signal.aborted) break;
      const question = line.trim();
      if (question === '') continue;
      if (question.startsWith('/')) {
        if ((await runChatCommand(question, ctx, state, sessions)) === 'quit') break;
        continue;
      }
      const answer = await answerLine(parts, question);
      await printLineAnswer(ctx, answer, state.sessionId!);
    }
  } finally {
    lines.close();
  }
  if (ctx.signal.aborted) throw new Interrupted('chat: stopped (Ctrl-C)', ctx.signal.reason);
}

async function answerLine(parts: ChatParts, question: string): Promise<Answer> {
  const { scope, state, conversation } = parts;
  try {
    const r = await conversation.turn({ user: state.user, question, sessionId: state.sessionId, signal: scope.ctx.signal });
    state.sessionId = r.session.id;
    state.lastAnswer = r.answer;
    return r.answer;
  } catch (err) {
    if (scope.ctx.signal.aborted) throw new Interrupted('chat: stopped (Ctrl-C)', scope.ctx.signal.reason);
    throw err;
  }
}

async function printLineAnswer(ctx: Context, answer: Answer, sessionId: string): Promise<void> {
  if (ctx.json) {
    process.stdout.write(`${JSON.stringify({ session_id: sessionId, ...answer })}\n`);
    return;
  }
  const { printAnswer } = await import('./print-answer.js');
  printAnswer(ctx, answer, { streamed: false });
}
