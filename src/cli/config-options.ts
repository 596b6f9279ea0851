import { dirname } from 'node:path';
import type { Command, Option } from 'commander';
import { openProject } from '../app/locations.js';
import { UsageError } from '../core/errors.js';

/**
 * llmops.yaml sets every command's options, from commander's own definitions: for the command
 * being run, each option not typed on the command line takes the file's value, parsed as the
 * flag's would be, with the source 'config'. Flags win over the file; the file wins over
 * built-in defaults. Runs before the command's action.
 */
export async function applyConfigOptions(program: Command, actionCommand: Command): Promise<void> {
  const { config } = await openProject(llmopsConfigFlag(actionCommand));
  if (!config.path) return;
  const { readSections } = await import('./config-sections.js');
  const { problems, values } = readSections(program, config.config, { shown: config.shown!, dir: dirname(config.path) });
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  // A section is for its own command: `dedup: { ledger: seen }` is not `dedup ledger list`'s filter.
  for (const [option, value] of values.get(actionCommand) ?? []) {
    if (!typed(actionCommand, option) && !setInEnvironment(option)) actionCommand.setOptionValueWithSource(option.attributeName(), value, 'config');
  }
}

/** Given on the command line: to this command, or to a parent that takes the same flag (`dedup ledger count --ledger x`). */
function typed(cmd: Command, option: Option): boolean {
  const key = option.attributeName();
  const own = cmd.getOptionValueSource(key);
  return (own !== undefined && own !== 'default') || cmd.getOptionValueSourceWithGlobals(key) === 'cli';
}

/**
 * An option whose help names its environment variable ("(env LLMOPS_ENV)") reads it where the
 * command runs: set, the variable wins over the file, as LLMOPS_DB does over `db:`.
 */
function setInEnvironment(option: Option): boolean {
  const name = /\(env ([A-Z][A-Z0-9_]*)/.exec(option.description)?.[1];
  return name !== undefined && Boolean(process.env[name]);
}

/**
 * The --config that names llmops.yaml. Commander hands `--config` to the program wherever it is
 * written, and for crawl, whose own --config names its links file, that is what it means there,
 * unless --links names the links.
 */
export function llmopsConfigFlag(cmd: Command): string | undefined {
  const given = cmd.optsWithGlobals().config as string | undefined;
  const ownConfig = cmd.options.some((o) => o.attributeName() === 'config');
  return ownConfig && cmd.getOptionValueSource('links') !== 'cli' ? undefined : given;
}

/** The options of `cmd` that llmops.yaml filled in (for checks that concern what was typed). */
export function fromConfig(cmd: Command): ReadonlySet<string> {
  return new Set(cmd.options.map((o) => o.attributeName()).filter((k) => cmd.getOptionValueSource(k) === 'config'));
}
