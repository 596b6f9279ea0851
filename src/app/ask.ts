import { Interrupted, UsageError } from '../core/errors.js';
import type { Answer } from '../answer/answer-types.js';
import { openAnswerer, type AnswerFlags, type Answerer } from './answerer.js';
import { runCommand, type CommandScope } from './command-scope.js';
import type { Context } from './context.js';
import { createTerminalTextFilter } from './terminal-text.js';

export type AskFlags = AnswerFlags & {
  /** false (`--no-stream`): print the answer once whole. */
  stream: boolean;
  in?: string;
  out?: string;
  concurrency: number;
};

/** `llmops ask "question"`, or with `--in` one answer per NDJSON question. */
export async function ask(ctx: Context, question: string | undefined, flags: AskFlags): Promise<void> {
  if (question !== undefined && flags.in !== undefined) throw new UsageError('ask: give a question or --in, not both');
  if (question === undefined && flags.in === undefined) throw new UsageError('ask: no question (llmops ask "…", or --in questions.jsonl)');
  if (question !== undefined && question.trim() === '') throw new UsageError('ask: the question is empty');
  if (flags.out !== undefined && flags.in === undefined) throw new UsageError('ask: --out goes with --in (one question prints its answer on stdout)');
  await runCommand(ctx, async (scope) => {
    const answerer = await openAnswerer(scope, flags);
    if (flags.in === undefined) return askOne(scope, answerer, question!, flags);
    const { askStream } = await import('./ask-stream.js');
    await askStream(scope, answerer, flags.in, { out: flags.out ?? '-', concurrency: flags.concurrency });
  });
}

/** One answer, returned (the library's `ask`): nothing printed. */
export function answerOne(ctx: Context, question: string, flags: AnswerFlags): Promise<Answer> {
  if (question.trim() === '') throw new UsageError('ask: the question is empty');
  return runCommand(ctx, async (scope) => (await openAnswerer(scope, flags)).answer(question, { signal: ctx.signal }));
}

async function askOne(scope: CommandScope, answerer: Answerer, question: string, flags: AskFlags): Promise<void> {
  const { ctx } = scope;
  const streaming = ctx.printing && !ctx.json && flags.stream;
  let answer: Answer;
  let printed = false;
  // Streaming is terminal-only: the model's text reaches it without its escape sequences.
  const safe = createTerminalTextFilter();
  const onText = (t: string) => {
    printed = true;
    process.stdout.write(safe(t));
  };
  try {
    answer = await answerer.answer(question, { signal: ctx.signal, onText: streaming ? onText : undefined });
  } catch (err) {
    // The error (or the note that it stopped) goes on its own line, after the text so far.
    if (printed) process.stdout.write('\n');
    if (!ctx.signal.aborted) throw err;
    throw new Interrupted('ask: stopped (Ctrl-C)', ctx.signal.reason);
  }
  if (!ctx.printing) return;
  const { printAnswer } = await import('./print-answer.js');
  printAnswer(ctx, answer, { streamed: streaming });
}
