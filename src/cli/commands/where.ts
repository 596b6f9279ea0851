import type { Command } from 'commander';
import { createContext } from '../../app/context.js';

const HELP = `
Each line says where a command run here finds the database, the document warehouse, the vector
store and llmops.yaml, why (a flag, the environment, llmops.yaml, a .llmops/ found in a parent
folder, the default) and whether it exists (servers are not contacted). Nothing is created.

Examples:
  llmops where
  llmops --db other.db where --json | jq -r 'select(.what == "database") | .location'
  cd src/deep/folder && llmops where         finds the project's .llmops/ above`;

/** `llmops where`, also reachable as `llmops inspect path` beside the other looks inside. */
export function register(program: Command): void {
  const action = async (_flags: unknown, cmd: Command) => {
    const { where } = await import('../../app/where.js');
    await where(await createContext(cmd.optsWithGlobals()));
  };
  program.command('where').description('Where the data lives: database, warehouse, vector store and config in use, and why').addHelpText('after', HELP).action(action);
  program.commands
    .find((c) => c.name() === 'inspect')
    ?.command('path')
    .description('The same as `llmops where`: database, warehouse, vector store and config in use, and why')
    .action(action);
}
