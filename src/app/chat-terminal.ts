import { createInterface, type Interface } from 'node:readline';
import { errorMessage } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import type { ChatParts } from './chat-parts.js';
import { runChatCommand, showHistory } from './chat-commands.js';
import { colorAllowed, createTerminalTextFilter, oneLine } from './terminal-text.js';

// The conversation on a terminal. Readline edits each question (arrows, history); while an
// answer streams there is no line editor, so keys typed then are not echoed into the answer.
// The terminal stays in raw mode for the whole chat, between prompts too: Ctrl-C always arrives
// as a byte (never a signal, which would stop the program) and stops just what is going on.

const PROMPT = '> ';

type Read = { kind: 'line'; text: string } | { kind: 'ctrl-c' } | { kind: 'eof' };

/** One line from the prompt; the line editor lives only while it is read. */
function readQuestion(history: string[]): Promise<Read> {
  const rl: Interface = createInterface({ input: process.stdin, output: process.stdout, terminal: true, history, historySize: 500, removeHistoryDuplicates: true, prompt: PROMPT });
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: Read) => {
      if (done) return;
      done = true;
      // Kept for the next prompt's up-arrow (readline keeps its own copy).
      const kept = (rl as unknown as { history?: string[] }).history;
      if (kept && kept !== history) history.splice(0, history.length, ...kept);
      rl.close();
      process.stdin.setRawMode(true); // close() left it; a key typed before the next prompt must stay a key
      resolve(r);
    };
    rl.on('line', (text) => finish({ kind: 'line', text }));
    rl.on('SIGINT', () => {
      process.stdout.write('^C\n');
      finish({ kind: 'ctrl-c' });
    });
    rl.on('close', () => finish({ kind: 'eof' }));
    rl.prompt();
  });
}

/** Calls `stop` on Ctrl-C until the returned function is called; other keys are dropped. */
function onCtrlC(stop: () => void): () => void {
  const input = process.stdin;
  input.setRawMode(true);
  input.resume();
  const onData = (chunk: Buffer | string) => {
    if ((typeof chunk === 'string' ? Buffer.from(chunk) : chunk).includes(3)) stop();
  };
  input.on('data', onData);
  return () => {
    input.off('data', onData);
    input.pause();
  };
}

const dim = (text: string) => (colorAllowed() ? `\u001b[2m${text}\u001b[22m` : text);
const say = (text: string) => process.stdout.write(`${text}\n`);

export async function chatOnTerminal(parts: ChatParts): Promise<void> {
  const { scope, sessions, state } = parts;
  const where = sessions.kind === 'redis' ? 'Redis' : (await scope.db()).display;
  say(dim(`llmops chat · ${parts.answeredBy} · conversations of ${state.user} in ${where} · /help, Ctrl-D to leave`));
  if (state.sessionId) await showResumed(parts);
  try {
    await converse(parts);
  } finally {
    process.stdin.setRawMode(false);
  }
}

async function converse(parts: ChatParts): Promise<void> {
  const { scope, sessions, state } = parts;
  const history: string[] = [];
  let ctrlCs = 0;
  while (!scope.ctx.signal.aborted) {
    const read = await readQuestion(history);
    if (read.kind === 'eof') break;
    if (read.kind === 'ctrl-c') {
      if (++ctrlCs >= 2) break;
      say(dim('(Ctrl-C again to leave, or Ctrl-D)'));
      continue;
    }
    ctrlCs = 0;
    const line = read.text.trim();
    if (line === '') continue;
    if (line.startsWith('/')) {
      if ((await runChatCommand(line, scope.ctx, state, sessions)) === 'quit') break;
      continue;
    }
    await answerOnTerminal(parts, line);
  }
}

async function showResumed(parts: ChatParts): Promise<void> {
  const { sessions, state } = parts;
  const session = await sessions.get(state.sessionId!, state.user);
  const messages = (await sessions.messages(state.sessionId!, state.user)) ?? [];
  say(dim(`resuming ${session?.title ? `"${oneLine(session.title)}"` : 'a conversation'} (${messages.length} messages)`));
  showHistory(messages);
}

/** One turn, streamed; Ctrl-C stops it (nothing of it is kept) and the conversation goes on. */
async function answerOnTerminal(parts: ChatParts, question: string): Promise<void> {
  const { scope, state, conversation } = parts;
  const stopper = new AbortController();
  const release = onCtrlC(() => stopper.abort());
  const hadSession = state.sessionId !== undefined;
  let wrote = false;
  const safe = createTerminalTextFilter(); // the model's text, without its escape sequences
  try {
    const r = await conversation.turn({
      user: state.user,
      question,
      sessionId: state.sessionId,
      signal: AbortSignal.any([stopper.signal, scope.ctx.signal]),
      onSession: (id) => (state.sessionId = id),
      onText: (text) => {
        wrote = true;
        process.stdout.write(safe(text));
      },
    });
    state.sessionId = r.session.id;
    state.lastAnswer = r.answer;
    const n = r.answer.citations.length;
    say(`\n${dim(n === 0 ? '(no source cited)' : `(${n} source${n === 1 ? '' : 's'}: /sources)`)}`);
  } catch (err) {
    // A conversation made for this turn is dropped with it (nothing was kept).
    if (!hadSession) state.sessionId = undefined;
    if (wrote) process.stdout.write('\n');
    if (stopper.signal.aborted || scope.ctx.signal.aborted) say(dim('(stopped; this turn is not kept)'));
    else say(`llmops: ${redactText(errorMessage(err))}`);
  } finally {
    release();
  }
}
