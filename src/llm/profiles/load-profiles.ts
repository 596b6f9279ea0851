import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { packageRoot } from '../../core/package-root.js';
import { registerSecret } from '../../core/redact.js';
import { checkUserModuleFile, isModuleSpec } from '../../core/user-module.js';
import { formatIssues } from '../../config/format-issues.js';
import { isBuiltinProvider, profilesFileSchema, type Profile, type ProfilesFile, type Provider } from './profiles-schema.js';
import { BUILTIN_HOOKS } from '../hooks/builtin-hooks.js';

export type ResolvedEnv = {
  file: string;
  /** The file as the user named it, for error messages. */
  shown: string;
  env: string;
  profileName: string;
  profile: Profile;
  hookset: { name: string; before: string[]; after: string[] };
  redactPatterns: string[];
  baseDir: string;
};

/** Where profiles come from: --profiles, LLMOPS_PROFILES, ./profiles/profiles.toml, else the shipped file. */
function locateProfiles(explicit?: string, cwd = process.cwd()): { file: string; shown: string } {
  const named = explicit ?? process.env.LLMOPS_PROFILES;
  if (named) {
    const which = explicit ? '--profiles' : 'LLMOPS_PROFILES';
    const file = resolve(cwd, named);
    if (!existsSync(file)) throw new UsageError(`${which}: no such file: ${named}`);
    if (statSync(file).isDirectory()) throw new UsageError(`${which}: ${named} is a folder, not a profiles file (profiles.toml)`);
    return { file, shown: named };
  }
  const local = resolve(cwd, 'profiles/profiles.toml');
  if (existsSync(local)) return { file: local, shown: 'profiles/profiles.toml' };
  const shipped = join(packageRoot(), 'profiles', 'profiles.toml');
  return { file: shipped, shown: shipped };
}

async function readProfilesFile(file: string, shown: string): Promise<ProfilesFile> {
  const { parse, TomlError } = await import('smol-toml');
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if (err instanceof TomlError) throw new UsageError(`${shown}:${err.line}:${err.column}: invalid TOML: ${err.message.split('\n')[0]}`);
    throw err;
  }
  const parsed = profilesFileSchema.safeParse(data);
  if (!parsed.success) throw new UsageError(formatIssues(shown, parsed.error.issues).join('\n'));
  return parsed.data;
}

const API_KEY_ENV: Record<Provider, string | null> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  // Never OPENAI_API_KEY: that key must not be sent to another server unasked.
  'openai-compatible': null,
  ollama: null,
  local: null,
};

/** The variable holding the profile's API key: `api_key_env`, else the provider's own, else none. */
export function apiKeyVar(profile: Profile): string | null {
  return profile.api_key_env ?? (isBuiltinProvider(profile.provider) ? API_KEY_ENV[profile.provider] : null);
}

/**
 * Picks the env (--env, LLMOPS_ENV, else the file's default_env) and checks everything a run
 * needs before any work starts: the profile and hookset exist, every hook resolves, the
 * provider's API key is set. Every problem is one line naming the file and the key.
 */
export async function resolveEnv(opts: { profiles?: string; env?: string; cwd?: string }): Promise<ResolvedEnv> {
  const { file, shown } = locateProfiles(opts.profiles, opts.cwd);
  const data = await readProfilesFile(file, shown);
  const env = opts.env ?? process.env.LLMOPS_ENV ?? data.default_env;
  if (env === undefined) throw new UsageError(`${shown}: default_env: not set, and neither --env nor LLMOPS_ENV names an env (have: ${Object.keys(data.envs).join(', ')})`);
  const envEntry = Object.hasOwn(data.envs, env) ? data.envs[env] : undefined;
  if (!envEntry) {
    const which = opts.env ? '--env' : process.env.LLMOPS_ENV ? 'LLMOPS_ENV' : `${shown}: default_env`;
    throw new UsageError(`${which}: no env "${env}" in ${shown} (have: ${Object.keys(data.envs).join(', ')})`);
  }
  const profile = Object.hasOwn(data.profiles, envEntry.profile) ? data.profiles[envEntry.profile] : undefined;
  if (!profile) throw new UsageError(`${shown}: envs.${env}.profile: no profile "${envEntry.profile}" in [profiles]`);
  const hookset = Object.hasOwn(data.hooksets, envEntry.hookset) ? data.hooksets[envEntry.hookset] : undefined;
  if (!hookset) throw new UsageError(`${shown}: envs.${env}.hookset: no hookset "${envEntry.hookset}" in [hooksets]`);
  const baseDir = dirname(file);

  for (const phase of ['before', 'after'] as const) {
    hookset[phase].forEach((spec, i) => checkHookSpec(spec, `${shown}: hooksets.${envEntry.hookset}.${phase}[${i}]`, baseDir));
  }
  checkProvider(profile, `${shown}: profiles.${envEntry.profile}`, baseDir);
  if (profile.provider === 'local') {
    const { LOCAL_MODELS, resolveLocalModel } = await import('../adapters/local-model.js');
    if (resolveLocalModel(profile.model) === undefined) {
      throw new UsageError(`${shown}: profiles.${envEntry.profile}.model: the local provider has no model "${profile.model}" (have: ${LOCAL_MODELS.join(', ')})`);
    }
  }
  const usesLangfuse = [...hookset.before, ...hookset.after].includes('langfuse');
  if (usesLangfuse) {
    for (const v of ['LANGFUSE_PUBLIC_KEY', 'LANGFUSE_SECRET_KEY']) {
      if (!process.env[v]) throw new UsageError(`${shown}: hooksets.${envEntry.hookset}: the langfuse hook needs ${v}, which is not set`);
    }
  }
  return {
    file,
    shown,
    env,
    profileName: envEntry.profile,
    profile,
    hookset: { name: envEntry.hookset, before: hookset.before, after: hookset.after },
    redactPatterns: data.redact?.patterns ?? [],
    baseDir,
  };
}

/** A hook is a built-in name or `path/to/module.js#export` (relative to the profiles file). */
function checkHookSpec(spec: string, where: string, baseDir: string): void {
  if (BUILTIN_HOOKS.includes(spec)) return;
  if (!isModuleSpec(spec)) {
    throw new UsageError(`${where}: unknown hook "${spec}" (built-in: ${BUILTIN_HOOKS.join(', ')}; or a module path like ./hooks/my-hook.js#fn)`);
  }
  checkUserModuleFile({ kind: 'hook', spec, baseDir, where });
}

/** The provider's key is set (and masked from here on); a provider module's file exists. */
function checkProvider(profile: Profile, where: string, baseDir: string): void {
  const keyVar = apiKeyVar(profile);
  if (keyVar && !process.env[keyVar]) {
    if (profile.api_key_env) throw new UsageError(`${where}.api_key_env: ${keyVar} is not set`);
    throw new UsageError(`${where}.provider: ${profile.provider} needs ${keyVar}, which is not set (or pick another env: --env offline)`);
  }
  // A variable not named like a secret (VLLM_KEY) is masked all the same.
  if (keyVar) registerSecret(process.env[keyVar]);
  if (!isBuiltinProvider(profile.provider)) checkUserModuleFile({ kind: 'provider', spec: profile.provider, baseDir, where: `${where}.provider` });
}
