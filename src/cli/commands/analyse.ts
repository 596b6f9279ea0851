import type { Command } from 'commander';
import type { AnalyseFlags } from '../../app/analyse.js';
import { createContext } from '../../app/context.js';
import { toPositiveInt, toText } from '../options.js';

export function register(program: Command): void {
  program
    .command('analyse')
    .alias('analyze')
    .description('Ask a model about every sentence without a result yet (sentiment, or a task of your own), concurrently and resumably')
    .option('--env <name>', 'profiles env: offline (default, no key), anthropic, openai, ollama, … (env LLMOPS_ENV)')
    .option('--profiles <file>', 'profiles file (env LLMOPS_PROFILES; default ./profiles/profiles.toml, else the shipped one)')
    .option('--task <name|file>', 'task to run: sentiment, or your own: a YAML task file or a module (./tasks/topic.yaml, ./tasks/x.js#task)', 'sentiment')
    .option('--text <text>', 'analyse this one text and print the result', toText)
    .option('--in <file|->', 'read NDJSON objects with a text field instead of the store')
    .option('--out <file|->', 'write NDJSON results to a file or stdout')
    .option('--text-field <path>', 'with --in: field holding the text, a dot path such as payload.text (default: text, content or body)')
    .option('--concurrency <n>', 'calls in flight at once', toPositiveInt, 8)
    .option('--rpm <n>', 'at most n calls a minute, evenly spaced', toPositiveInt)
    .option('--limit <n>', 'analyse at most n sentences', toPositiveInt)
    .option('--watch <interval>', 'keep analysing new sentences every interval, with its unit (e.g. 30s, 5m; at least 1s) until Ctrl-C; a poll that finds none records no run')
    .option('--no-cache', 'always ask the model, even for a request answered before')
    .option('--skip-invalid', 'with --in: skip bad records (reported on stderr, exit 3)')
    .addHelpText(
      'after',
      `
Examples:
  llmops analyse                                        every stored sentence, offline model
  llmops analyse --env anthropic --concurrency 16 --rpm 500
  llmops analyse --text "The battery life is superb."
  llmops analyse --env anthropic --task ./tasks/topic.yaml   your own task (see tasks/)
  cat sentences.jsonl | llmops analyse --in - --out - | jq .label

Failed sentences are recorded with their reason and retried by the next run; exit 3 if any failed.`,
    )
    .action(async (flags: AnalyseFlags, cmd: Command) => {
      const { analyse } = await import('../../app/analyse.js');
      await analyse(await createContext(cmd.optsWithGlobals()), flags);
    });
}
