import { isAbsolute, resolve } from 'node:path';
import type { Command, Option } from 'commander';
import { didYouMean as suggest } from '../core/did-you-mean.js';

/** Top-level keys that are not command sections: the file's own (config/llmops-config.ts). */
const FILE_KEYS = ['db', 'warehouse'];

type Where = { shown: string; dir: string };
type Sections = { problems: string[]; values: Map<Command, [Option, unknown][]> };

/**
 * Checks every command section of llmops.yaml against the commands' options (all problems at
 * once, one line each) and parses each value as its flag's would be. A section is keyed by the
 * command's name (`analyse:`), a subcommand's nested in it (`inspect: { search: { k: 5 } }`).
 * Where a name is both a subcommand and an option (`dedup ledger`, `dedup --ledger`), a mapping
 * is the subcommand's section and a value is the option's.
 */
export function readSections(program: Command, config: Record<string, unknown>, where: Where): Sections {
  const out: Sections = { problems: [], values: new Map() };
  const commands = new Map(program.commands.flatMap((c) => [c.name(), ...c.aliases()].map((n) => [n, c] as const)));
  for (const [key, value] of Object.entries(config)) {
    if (FILE_KEYS.includes(key)) continue;
    const cmd = commands.get(key);
    if (cmd) readSection(cmd, value, [key], where, out);
    else out.problems.push(`${where.shown}: ${key}: unknown key${suggest(key, [...FILE_KEYS, ...commands.keys()])}`);
  }
  return out;
}

function readSection(cmd: Command, data: unknown, path: string[], where: Where, out: Sections): void {
  if (data === null || data === undefined) return; // an empty section (`analyse:`) sets nothing
  const at = `${where.shown}: ${path.join('.')}`;
  if (!isMapping(data)) {
    out.problems.push(`${at}: expected a mapping of options for ${commandPath(cmd)} (option: value); got ${shown(data)}`);
    return;
  }
  const options = settableOptions(cmd);
  const subcommands = new Map(cmd.commands.flatMap((c) => [c.name(), ...c.aliases()].map((n) => [n, c] as const)));
  const seen = new Map<string, string>();
  const values: [Option, unknown][] = [];
  for (const [key, value] of Object.entries(data)) {
    const here = `${at}.${key}`;
    const sub = subcommands.get(key);
    const option = options.get(key);
    if (sub && (isMapping(value) || !option)) {
      readSection(sub, value, [...path, key], where, out);
      continue;
    }
    if (!option) {
      out.problems.push(`${here}: unknown option${suggest(key, [...options.keys(), ...subcommands.keys()]) || ` (see llmops ${commandPath(cmd)} --help)`}`);
      continue;
    }
    const attr = option.attributeName();
    if (seen.has(attr)) out.problems.push(`${here}: the same option as ${seen.get(attr)}; give it once`);
    seen.set(attr, key);
    if (option.mandatory) {
      out.problems.push(`${here}: required on the command line (--${longName(option)}); llmops.yaml cannot give it`);
      continue;
    }
    const parsed = optionValue(option, key, value, where.dir);
    if ('problem' in parsed) out.problems.push(`${here}: ${parsed.problem}`);
    else if (parsed.value !== undefined) values.push([option, parsed.value]);
  }
  out.values.set(cmd, [...(out.values.get(cmd) ?? []), ...values]); // `analyse:` and `analyze:` add up
}

/**
 * The options a section may set, by key: the long name (`batch-size`), in snake case
 * (`batch_size`), and a `--no-x` option also by its positive name (`cache: false`). An option
 * named like a global one (crawl's --config) is set by its other name (links).
 */
function settableOptions(cmd: Command): Map<string, Option> {
  const global = new Set(rootOf(cmd).options.map((o) => o.attributeName()));
  const keys = new Map<string, Option>();
  for (const option of cmd.options) {
    const long = longName(option);
    if (!long || global.has(option.attributeName())) continue;
    for (const k of [long, long.replaceAll('-', '_')]) keys.set(k, option);
    if (option.negate) for (const k of positiveKeys(option)) keys.set(k, option);
  }
  return keys;
}

type Parsed = { value: unknown } | { problem: string };

/** A YAML value as the flag would take it: a boolean for a switch, else the flag's own parser on each value. */
function optionValue(option: Option, key: string, value: unknown, dir: string): Parsed {
  if (value === null) return { value: undefined }; // `concurrency:` with nothing: the default
  const takesValue = option.required || option.optional;
  if (!takesValue) {
    if (typeof value !== 'boolean') return { problem: `expected true or false; got ${shown(value)}` };
    // `no-cache: true` and `cache: false` both turn the cache off; a plain switch set false is its default.
    if (option.negate) return { value: positiveKeys(option).includes(key) ? value : !value };
    return { value: value ? true : undefined };
  }
  const items = Array.isArray(value) ? value : [value];
  const form = `--${longName(option)} ${/<[^>]+>|\[[^\]]+\]/.exec(option.flags)?.[0] ?? ''}`.trim();
  if (items.some((v) => typeof v !== 'string' && typeof v !== 'number')) return { problem: `expected a value as for ${form}; got ${shown(value)}` };
  let result: unknown;
  try {
    for (const item of items) result = parseOne(option, fileRelative(option, String(item), dir), result);
  } catch (err) {
    return { problem: `${(err as Error).message}; got ${shown(value)}` };
  }
  if (Array.isArray(value) && !Array.isArray(result) && items.length !== 1) return { problem: `takes one value (${form}); got a list` };
  return { value: result };
}

/** What commander does with one value typed after the flag. */
function parseOne(option: Option, value: string, previous: unknown): unknown {
  if (option.parseArg) return option.parseArg(value, previous);
  if (option.variadic) return [...((previous as string[] | undefined) ?? []), value];
  return value;
}

/**
 * A relative file or folder in llmops.yaml is relative to the file's folder (`--task` only when
 * it is a path); kept as written when that is the working folder.
 */
function fileRelative(option: Option, value: string, dir: string): string {
  if (dir === process.cwd()) return value;
  const kinds = (/<([^>]+)>/.exec(option.flags)?.[1] ?? '').split('|');
  if (!kinds.includes('file') && !kinds.includes('dir')) return value;
  if (value === '-' || isAbsolute(value) || (kinds.includes('name') && !value.includes('/'))) return value;
  return resolve(dir, value);
}

/** `cache`, for `--no-cache`. */
const positiveKeys = (option: Option): string[] => [longName(option).slice(3), longName(option).slice(3).replaceAll('-', '_')];
const longName = (option: Option): string => option.long?.replace(/^--/, '') ?? '';
const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function shown(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (isMapping(v)) return 'a mapping';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}
