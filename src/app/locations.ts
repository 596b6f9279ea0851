import { isAbsolute, join, relative, resolve } from 'node:path';
import type { LoadedConfig } from '../config/llmops-config.js';
import { DEFAULT_DB_FILE, PROJECT_DIR, findProjectRoot } from '../config/project-dir.js';

/**
 * Why a location was chosen, strongest first: a flag, the environment, llmops.yaml, a
 * `.llmops/` found in a parent folder (as git finds `.git`), or the default in this folder.
 */
export type Origin = 'flag' | 'env' | 'config' | 'parent' | 'default';

export type Located = { value: string | undefined; origin: Origin; why: string };

/** The project as seen from the working folder: its root (holding `.llmops/`) and its config. */
export type Project = { cwd: string; root?: string; config: LoadedConfig };

let loaded: { key: string; project: Promise<Project> } | undefined;

/**
 * Finds the project root and reads its llmops.yaml, once per process: the CLI reads the file
 * to fill in the command's options, then the command's context reads the same.
 */
export function openProject(configFlag: string | undefined, cwd = process.cwd()): Promise<Project> {
  const key = JSON.stringify([configFlag ?? null, cwd]);
  if (loaded?.key !== key) {
    const root = findProjectRoot(cwd);
    const project = import('../config/llmops-config.js').then(async ({ loadLlmopsConfig }) => ({ cwd, root, config: await loadLlmopsConfig(configFlag, cwd, root) }));
    loaded = { key, project };
  }
  return loaded.project;
}

/**
 * The database: --db, else LLMOPS_DB (empty is unset, as shells use it), else llmops.yaml's
 * `db`, else the nearest `.llmops/llmops.db` in this folder or a parent, else
 * `./.llmops/llmops.db`, which the first command that writes creates.
 */
export function locateDatabase(db: string | undefined, project: Project, env: NodeJS.ProcessEnv = process.env): Located & { value: string } {
  if (db !== undefined) return { value: db, origin: 'flag', why: '--db' };
  if (env.LLMOPS_DB) return { value: env.LLMOPS_DB, origin: 'env', why: 'LLMOPS_DB' };
  const { config, shown, path } = project.config;
  if (config.db !== undefined) return { value: relativeToFile(config.db, join(path!, '..')), origin: 'config', why: `${shown}: db` };
  if (project.root && project.root !== project.cwd) {
    return { value: join(project.root, PROJECT_DIR, DEFAULT_DB_FILE), origin: 'parent', why: `found in a parent folder (${project.root})` };
  }
  return { value: join(project.cwd, PROJECT_DIR, DEFAULT_DB_FILE), origin: 'default', why: `default: ${PROJECT_DIR}/ in this folder` };
}

/** The document warehouse: --warehouse, LLMOPS_WAREHOUSE, llmops.yaml's `warehouse`, else the database itself. */
export function locateWarehouse(warehouse: string | undefined, project: Project, env: NodeJS.ProcessEnv = process.env): Located {
  if (warehouse !== undefined) return { value: warehouse, origin: 'flag', why: '--warehouse' };
  if (env.LLMOPS_WAREHOUSE !== undefined) return { value: env.LLMOPS_WAREHOUSE, origin: 'env', why: 'LLMOPS_WAREHOUSE' };
  const { config, shown } = project.config;
  if (config.warehouse !== undefined) return { value: config.warehouse, origin: 'config', why: `${shown}: warehouse` };
  return { value: undefined, origin: 'default', why: "default: the database's own tables" };
}

/** Which llmops.yaml is in use, and why. */
export function locateConfig(project: Project): Located {
  const { path, origin } = project.config;
  if (!path) return { value: undefined, origin: 'default', why: 'no llmops.yaml here or in the project root' };
  if (origin === 'flag') return { value: path, origin: 'flag', why: '--config' };
  if (origin === 'project') return { value: path, origin: 'parent', why: `found in the project root (${project.root})` };
  return { value: path, origin: 'default', why: 'default: llmops.yaml in this folder' };
}

/** A SQLite path in llmops.yaml is relative to the file's folder, as paths in config files are. */
function relativeToFile(value: string, dir: string): string {
  const [, scheme = '', path = ''] = /^(sqlite:(?:\/\/)?|file:(?:\/\/)?)?(.*)$/is.exec(value.trim())!;
  if (!scheme && /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return value; // postgres://…
  if (path === '' || path === ':memory:' || isAbsolute(path)) return value;
  return `${scheme}${resolve(dir, path)}`;
}

/** A path as a person in the working folder would type it: relative when near, else absolute. */
export function shownPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  const ups = rel.split('/').filter((part) => part === '..').length;
  return rel === '' || isAbsolute(rel) || ups > 2 ? path : rel;
}
