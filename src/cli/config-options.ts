import { dirname } from 'node:path';
import type { Command } from 'commander';
import { openProject } from '../app/locations.js';
import { UsageError } from '../core/errors.js';

/**
 * llmops.yaml sets every command's options, from commander's own definitions: for the command
 * being run (and the commands above it), each option not typed on the command line takes the
 * file's value, parsed as the flag's would be, with the source 'config'. Flags win over the
 * file; the file wins over built-in defaults. Runs before the command's action.
 */
export async function applyConfigOptions(program: Command, actionCommand: Command): Promise<void> {
  const { config } = await openProject(llmopsConfigFlag(actionCommand));
  if (!config.path) return;
  const { readSections } = await import('./config-sections.js');
  const { problems, values } = readSections(program, config.config, { shown: config.shown!, dir: dirname(config.path) });
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  for (let cmd: Command | null = actionCommand; cmd; cmd = cmd.parent) {
    for (const [key, value] of values.get(cmd) ?? []) {
      const source = cmd.getOptionValueSource(key);
      if (source === undefined || source === 'default') cmd.setOptionValueWithSource(key, value, 'config');
    }
  }
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
