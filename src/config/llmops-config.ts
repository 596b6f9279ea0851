import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError, errorMessage } from '../core/errors.js';
import { formatIssues } from './format-issues.js';
import { describePathError } from '../core/path-errors.js';
import { findProjectRoot } from './project-dir.js';

/**
 * `llmops.yaml` (or `--config <file>`): where the data lives (`db`, `warehouse`) and defaults
 * for every command, one section per command keyed by its flags' long names. This layer checks
 * the file's own keys; the sections are checked against the commands' options by the CLI,
 * which knows them (cli/config-options.ts).
 */
const llmopsConfigSchema = z.looseObject({
  db: z.string().optional(),
  warehouse: z.string().optional(),
});

export type LlmopsConfig = z.infer<typeof llmopsConfigSchema>;

/** How the config file was found: named by --config, in the working folder, or in the project root. */
export type ConfigOrigin = 'flag' | 'here' | 'project';

export type LoadedConfig = {
  config: LlmopsConfig;
  /** Absolute path of the file read; undefined when there is none (built-in defaults). */
  path?: string;
  /** The file as messages name it: as given, or relative to the working folder. */
  shown?: string;
  origin?: ConfigOrigin;
};

const DEFAULT_CONFIG_FILE = 'llmops.yaml';

/**
 * Loads the config: the named file (which must exist); else `llmops.yaml` in the working folder;
 * else `llmops.yaml` in the project root (the folder holding the nearest `.llmops/`); else {}.
 */
export async function loadLlmopsConfig(explicit: string | undefined, cwd = process.cwd(), projectRoot = findProjectRoot(cwd)): Promise<LoadedConfig> {
  const found = locateConfig(explicit, cwd, projectRoot);
  if (!found) {
    if (explicit) throw new UsageError(`--config: no such file: ${explicit}`);
    return { config: {} };
  }
  const data = await parseYamlFile(found.path, found.shown);
  if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data))) {
    throw new UsageError(`${found.shown}: expected a mapping (key: value) at the top level`);
  }
  const parsed = llmopsConfigSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const lines = formatIssues(found.shown, parsed.error.issues, { data, schema: llmopsConfigSchema });
    throw new UsageError(lines.join('\n'));
  }
  return { config: parsed.data, ...found };
}

function locateConfig(explicit: string | undefined, cwd: string, projectRoot: string | undefined): Required<Omit<LoadedConfig, 'config'>> | undefined {
  if (explicit) {
    const path = resolve(cwd, explicit);
    return existsSync(path) ? { path, shown: explicit, origin: 'flag' } : undefined;
  }
  const here = resolve(cwd, DEFAULT_CONFIG_FILE);
  if (existsSync(here)) return { path: here, shown: DEFAULT_CONFIG_FILE, origin: 'here' };
  if (!projectRoot) return undefined;
  const there = join(projectRoot, DEFAULT_CONFIG_FILE);
  return existsSync(there) ? { path: there, shown: relative(cwd, there), origin: 'project' } : undefined;
}

/**
 * Parses YAML text; a syntax error is one line naming the file, line and column. The yaml
 * package fills in line positions only with prettyErrors, which also puts a code frame in the
 * message: a LineCounter gives the position without it.
 */
export async function parseYamlText(text: string, shown: string): Promise<unknown> {
  const { parseDocument, LineCounter } = await import('yaml');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    // The first error is the cause; the parser's later ones are mostly its consequences.
    const err = doc.errors[0]!;
    const pos = lineCounter.linePos(err.pos[0]);
    throw new UsageError(`${shown}:${pos.line}:${pos.col}: invalid YAML: ${err.message.split('\n')[0]}`);
  }
  try {
    return doc.toJS();
  } catch (err) {
    // toJS refuses a document whose aliases would expand beyond its bound (a "billion laughs"
    // file); its ReferenceError names neither the file nor what to do.
    throw new UsageError(`${shown}: invalid YAML: ${errorMessage(err).split('\n')[0]}`);
  }
}

/** Parses a YAML file; a syntax error names the file, line and column. */
export async function parseYamlFile(path: string, shown = path): Promise<unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${shown}: ${describePathError(err) ?? errorMessage(err)}`);
  }
  return parseYamlText(text, shown);
}
