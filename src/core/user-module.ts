import { existsSync, statSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError, errorMessage } from './errors.js';
import { redactText } from './redact.js';
import { awaitUserCode } from './user-code-wait.js';

/**
 * The one way users plug their own code in: `path/to/module.js#export` for hooks, extractors,
 * metrics, tasks, embedders and providers. A relative path starts at the folder of the file that
 * names it (the flag's: the working directory); no `#export` means the default export. Every
 * problem is one line: `[file: field: ]kind "spec": reason`.
 */
export type UserModuleRef = {
  /** What the export is for: hook, extractor, metric, task, embedder, provider. */
  kind: string;
  spec: string;
  /** Where relative paths start: the naming file's folder, or the working directory for a flag. */
  baseDir: string;
  /** The file and field (or flag) that name the module, e.g. `profiles.toml: hooksets.std.before[1]`. */
  where?: string;
};

const EXPORT_NAME = /^[A-Za-z_$][\w$]*$/;

/** `./x.js#audit` → path `./x.js`, export `audit`; no (valid) `#name` → the default export. */
export function parseModuleSpec(spec: string): { path: string; exportName: string } {
  const hash = spec.lastIndexOf('#');
  if (hash > 0 && EXPORT_NAME.test(spec.slice(hash + 1))) return { path: spec.slice(0, hash), exportName: spec.slice(hash + 1) };
  return { path: spec, exportName: 'default' };
}

/** A name that is a path rather than a built-in (`./x.js`, `lib/x.mjs#fn`, `x.yaml`). */
export function isModuleSpec(spec: string): boolean {
  return /[/\\#]/.test(spec) || /\.(m?js|cjs|ts|ya?ml)$/i.test(spec);
}

function userModulePath(ref: UserModuleRef): string {
  const { path } = parseModuleSpec(ref.spec);
  return isAbsolute(path) ? path : resolve(ref.baseDir, path);
}

/** The one error format of user modules; the reason is masked like every message that leaves. */
export function userModuleError(ref: UserModuleRef, reason: string): UsageError {
  return new UsageError(`${ref.where ? `${ref.where}: ` : ''}${ref.kind} "${ref.spec}": ${redactText(reason)}`);
}

/** Fails early (before a database is opened) when the module's file is not there. */
export function checkUserModuleFile(ref: UserModuleRef): string {
  const full = userModulePath(ref);
  if (!existsSync(full)) throw userModuleError(ref, `no such file (looked in ${full})`);
  if (statSync(full).isDirectory()) throw userModuleError(ref, `${full} is a folder, not a module`);
  return full;
}

async function importModule(ref: UserModuleRef): Promise<Record<string, unknown>> {
  const full = checkUserModuleFile(ref);
  try {
    return (await awaitUserCode(`${ref.where ? `${ref.where}: ` : ''}${ref.kind} "${ref.spec}": its import`, import(pathToFileURL(full).href))) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION') throw userModuleError(ref, `cannot import a ${extname(full)} file (give a .js or .mjs module)`);
    const name = err instanceof Error && err.name !== 'Error' ? `${err.name}: ` : '';
    throw userModuleError(ref, `cannot import it: ${name}${errorMessage(err).split('\n')[0]}`);
  }
}

/**
 * Imports the module and returns its named (or default) export once `accepts` says it has the
 * right shape; `expected` says what that shape is, for the error.
 */
export async function loadUserExport<T>(ref: UserModuleRef, expected: string, accepts: (value: unknown) => boolean): Promise<T> {
  const { exportName } = parseModuleSpec(ref.spec);
  const mod = await importModule(ref);
  if (!(exportName in mod)) {
    const names = Object.keys(mod).sort();
    throw userModuleError(ref, `no export "${exportName}" (exports: ${names.length > 0 ? names.join(', ') : 'none'})`);
  }
  const value = mod[exportName];
  if (!accepts(value)) throw userModuleError(ref, `export "${exportName}" is not ${expected}`);
  return value as T;
}

/**
 * An export that is the thing itself or a factory of it (called with `settings`): the common
 * shape of hooks, embedders and providers. The factory's own failure is reported as the module's.
 */
export async function loadUserFactory<T>(ref: UserModuleRef, expected: string, accepts: (value: unknown) => boolean, settings: unknown): Promise<T> {
  const exported = await loadUserExport<unknown>(ref, `${expected}, or a function returning one`, (v) => typeof v === 'function' || accepts(v));
  if (typeof exported !== 'function') return exported as T;
  let made: unknown;
  try {
    made = await awaitUserCode(`${ref.where ? `${ref.where}: ` : ''}${ref.kind} "${ref.spec}": its function`, (exported as (s: unknown) => unknown)(settings));
  } catch (err) {
    throw userModuleError(ref, `the function failed: ${errorMessage(err).split('\n')[0]}`);
  }
  if (!accepts(made)) throw userModuleError(ref, `the function returned something that is not ${expected}`);
  return made as T;
}
