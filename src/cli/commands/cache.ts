import type { Command } from 'commander';
import { createContext } from '../../app/context.js';
import type { CacheClearFlags } from '../../app/cache.js';

const app = () => import('../../app/cache.js');
const context = (cmd: Command) => createContext(cmd.optsWithGlobals());

export function register(program: Command): void {
  const cache = program
    .command('cache')
    .description('The response cache: answers kept so that an identical request (same provider, model, parameters, prompt) is not asked twice')
    .addHelpText(
      'after',
      `
Examples:
  llmops cache stats
  llmops cache clear --older-than 30d --dry-run      how many would go
  llmops cache clear --task sentiment --model openai/gpt-4o-mini
  llmops analyse --no-cache …                        skip the cache for one run instead`,
    );

  cache
    .command('stats')
    .description('Entries, size in bytes, oldest and newest, hits (stored results answered from the cache), by task and model')
    .addHelpText('after', '\nExample:\n  llmops cache stats --json | jq .by')
    .action(async (_f, cmd: Command) => (await app()).cacheStats(await context(cmd)));

  cache
    .command('clear')
    .description('Remove cache entries (all, or those selected); calls and results stay. Prints how many were removed')
    .option('--older-than <when>', 'only entries kept before this: a duration back from now, with its unit (30d, 12h), or a date (2025-01-31)')
    .option('--task <name>', 'only answers to this task')
    .option('--model <name>', 'only answers of this model (model or provider/model)')
    .option('--dry-run', 'count what would be removed; remove nothing')
    .addHelpText('after', '\nExamples:\n  llmops cache clear --older-than 30d\n  llmops cache clear --task topic --dry-run')
    .action(async (f: CacheClearFlags, cmd: Command) => (await app()).cacheClear(await context(cmd), f));
}
