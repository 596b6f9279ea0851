import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { UsageError, errorMessage } from '../core/errors.js';
import { formatIssues } from './format-issues.js';
import { describePathError } from '../core/path-errors.js';

/**
 * `llmops.yaml` (or `--config <file>`): defaults for every command. Flags win over the file,
 * the file wins over built-in defaults. Unknown keys are errors, so a typo is never ignored.
 */
const llmopsConfigSchema = z.strictObject({
  db: z.string().optional(),
  warehouse: z.string().optional(),
  ingest: z
    .strictObject({
      text_field: z.string().optional(),
      title_field: z.string().optional(),
      id_field: z.string().optional(),
      link_field: z.string().optional(),
      author_field: z.string().optional(),
      category_field: z.string().optional(),
      category: z.string().optional(),
      author: z.string().optional(),
      source: z.string().optional(),
      max_record_mb: z.number().positive().optional(),
    })
    .optional(),
  split: z
    .strictObject({
      batch_size: z.number().int().positive().optional(),
    })
    .optional(),
});

export type LlmopsConfig = z.infer<typeof llmopsConfigSchema>;

const DEFAULT_CONFIG_FILE = 'llmops.yaml';

/** Loads the config: the named file (which must exist), else `llmops.yaml` if present, else {}. */
export async function loadLlmopsConfig(explicit: string | undefined, cwd = process.cwd()): Promise<{ config: LlmopsConfig; path?: string }> {
  const path = explicit ? resolve(cwd, explicit) : resolve(cwd, DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (explicit) throw new UsageError(`--config: no such file: ${explicit}`);
    return { config: {} };
  }
  const shown = explicit ?? DEFAULT_CONFIG_FILE;
  const data = await parseYamlFile(path, shown);
  const parsed = llmopsConfigSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const lines = formatIssues(shown, parsed.error.issues, { data });
    throw new UsageError(lines.join('\n'));
  }
  return { config: parsed.data, path };
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
  return doc.toJS();
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
