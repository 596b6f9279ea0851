import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { createContext } from '../../app/context.js';
import type { SplitFlags } from '../../app/split.js';
import { toPositiveInt } from '../options.js';

export function register(program: Command): void {
  program
    .command('split')
    .description('Split documents into sentences with character offsets (only documents not split yet)')
    .option('--in <file|->', 'read NDJSON documents from a file or stdin instead of the store')
    .option('--out <file|->', 'write the sentences as NDJSON to a file or stdout')
    .option('--limit <n>', 'split at most n documents', toPositiveInt)
    .option('--watch <interval>', 'keep polling for new documents every interval, with its unit (e.g. 30s, 5m; at least 1s) until Ctrl-C; a poll that finds none records no run')
    .option('--batch-size <n>', 'documents per transaction (default 256)', toPositiveInt)
    .option('--workers <n>', `worker threads that find sentences (default: the cores, ${availableParallelism()} here, or fewer when there are fewer batches of work; at most 4 per core; 1 = all in one thread); on a SQLite file the workers also read the documents, and the main thread claims and writes`, toPositiveInt)
    .option('--text-field <path>', 'with --in: field holding the text, a dot path such as payload.text (default: text, content or body)')
    .option('--skip-invalid', 'with --in: skip bad records (reported on stderr, exit 3)')
    .addHelpText(
      'after',
      `
Examples:
  llmops split                                   split what ingest stored
  llmops split --watch 30s                       keep splitting new documents
  cat docs.jsonl | llmops split --in - --out -   no store: NDJSON documents in, sentences out`,
    )
    .action(async (flags: SplitFlags, cmd: Command) => {
      const { split } = await import('../../app/split.js');
      await split(await createContext(cmd.optsWithGlobals()), flags);
    });
}
