import type { Answer } from '../answer/answer-types.js';
import type { ChatState } from './chat-parts.js';
import type { SessionStore, StoredChatMessage } from '../store/chat-types.js';
import type { Context } from './context.js';
import { citationLine } from './print-answer.js';
import { printRows } from './print.js';
import { displayWidth, oneLine, terminalColumns, terminalText, truncate } from './terminal-text.js';

const CHAT_HELP = [
  'Type a question and press Enter; the answer cites its sources as [1], [2].',
  '  /sources     the sources the last answer cites, with links',
  '  /new         start a new conversation (with the next question)',
  '  /sessions    your conversations, most recent first (* is this one)',
  '  /help        this list',
  '  /quit        leave (also Ctrl-D)',
  'Ctrl-C stops an answer as it is written; at the prompt, twice in a row leaves.',
].join('\n');

/** What a slash command asks of the loop that runs it. */
export type CommandOutcome = 'continue' | 'quit';

/**
 * Runs `/name`. What it shows goes to stdout, except when stdout is NDJSON (piped, or --json):
 * then stdout gets only records (`/sources`, `/sessions`), so that every line of it parses,
 * and the lines meant for a person (`/help`, `/new`'s note, an unknown command) go to stderr.
 */
export async function runChatCommand(line: string, ctx: Context, state: ChatState, sessions: SessionStore): Promise<CommandOutcome> {
  const [name] = line.trim().split(/\s+/, 1);
  const say = ctx.json ? toStderr : toStdout;
  switch (name) {
    case '/help':
    case '/?':
      say(CHAT_HELP);
      return 'continue';
    case '/sources':
      if (ctx.json) process.stdout.write(`${JSON.stringify({ command: '/sources', sources: state.lastAnswer?.citations ?? [] })}\n`);
      else showSources(state.lastAnswer);
      return 'continue';
    case '/new':
      state.sessionId = undefined;
      state.lastAnswer = undefined;
      say('(a new conversation starts with your next question)');
      return 'continue';
    case '/sessions':
      await listSessions(ctx, state, sessions, say);
      return 'continue';
    case '/quit':
    case '/exit':
      return 'quit';
    default:
      say(`unknown command ${name} (/help lists them)`);
      return 'continue';
  }
}

type Say = (text: string) => void;
const toStdout: Say = (text) => process.stdout.write(`${text}\n`);
const toStderr: Say = (text) => process.stderr.write(`${text}\n`);

function showSources(answer: Answer | undefined): void {
  const say = toStdout;
  if (!answer) return say('(no answer yet)');
  if (answer.citations.length === 0) return say('(the last answer cites no source)');
  const width = terminalColumns();
  for (const c of answer.citations) {
    say(citationLine(c));
    if (c.snippet) say(`    ${truncate(oneLine(c.snippet), Math.max(20, width - 4))}`);
  }
}

async function listSessions(ctx: Context, state: ChatState, sessions: SessionStore, say: Say): Promise<void> {
  const list = await sessions.list(state.user, { limit: 50 });
  if (list.length === 0) return say('(no conversations yet)');
  const current = (id: string) => id === state.sessionId;
  if (ctx.json) return printRows(ctx, list.map((s) => ({ current: current(s.id), ...s })));
  // One a line, the id whole (it is what --session takes); only the title is cut to fit.
  const width = terminalColumns();
  for (const s of list) {
    const head = `${current(s.id) ? '*' : ' '} ${s.id}  ${s.updated_at.slice(0, 16).replace('T', ' ')}  ${s.message_count} messages  `;
    say(head + truncate(oneLine(s.title ?? '(untitled)'), Math.max(10, width - displayWidth(head))));
  }
}

const SHOWN_ON_RESUME = 20;

/** A resumed conversation's latest messages, so the person sees where it was left. */
export function showHistory(messages: StoredChatMessage[]): void {
  const shown = messages.slice(-SHOWN_ON_RESUME);
  if (messages.length > shown.length) toStdout(`(… ${messages.length - shown.length} earlier messages)`);
  for (const m of shown) toStdout(`${m.role === 'user' ? 'you' : 'answer'}: ${terminalText(m.content)}`);
}
