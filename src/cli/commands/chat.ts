import type { Command } from 'commander';
import type { ChatFlags } from '../../app/chat-parts.js';
import { createContext } from '../../app/context.js';
import { toPositiveInt } from '../options.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  program
    .command('chat')
    .description('A conversation over the featurized collections: each answer cites its sources as [1], [2]; conversations are kept (the database, or Redis with REDIS_URL) and can be resumed')
    .option('--session <id>', 'resume this conversation (in a chat, /sessions lists them)')
    .option('--user <name>', 'whose conversations (default $USER)')
    .option('--collection <name>', 'search this collection (repeatable; default every embedded one)', collect)
    .option('--k <n>', 'how many chunks to retrieve for each question', toPositiveInt, 5)
    .option('--budget <tokens>', 'tokens the prompt may take: instructions, question, retrieved chunks, then as many earlier turns as fit (the oldest dropped first)', toPositiveInt, 6000)
    .option('--max-tokens <n>', 'longest answer a model may write, in tokens', toPositiveInt, 1024)
    .option('--env <name>', 'profiles env: offline (default: extractive, no key), anthropic, openai, ollama, … (env LLMOPS_ENV)')
    .option('--profiles <file>', 'profiles file (env LLMOPS_PROFILES; default ./profiles/profiles.toml, else the shipped one)')
    .option('--extractive', 'no model, whatever the env: the sources\' sentences that best match the question')
    .option('--models-dir <dir>', 'where local models live (for minilm collections)')
    .addHelpText(
      'after',
      `
On a terminal: type a question, the answer streams as it is written. Ctrl-C stops an answer
(the conversation goes on; a stopped turn is not kept); at the prompt, Ctrl-C twice or Ctrl-D
leaves. Commands: /sources (the last answer's sources, with links), /new (a new conversation),
/sessions (yours, most recent first), /help, /quit.

Not a terminal: one question a line on stdin, one answer each on stdout: NDJSON (the Answer of
llmops ask --json plus session_id) when piped or with --json, else the text and its sources.
The same / commands work on their own line.

Conversations belong to --user (default $USER) and live in the --db database, or in Redis when
REDIS_URL is set (kept 30 days after their last turn).

Examples:
  llmops chat                                         offline: extractive answers
  llmops chat --env anthropic                         ANTHROPIC_API_KEY: a model answers
  llmops chat --session 0b6f…                         carry on where it was left
  printf 'What is RAG?\\nHow is it evaluated?\\n' | llmops chat | jq -r .answer`,
    )
    .action(async (flags: ChatFlags, cmd: Command) => {
      const { chat } = await import('../../app/chat.js');
      await chat(await createContext(cmd.optsWithGlobals()), flags);
    });
}
