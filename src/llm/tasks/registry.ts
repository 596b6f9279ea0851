import { UsageError } from '../../core/errors.js';
import { isModuleSpec, loadUserExport, userModuleError, type UserModuleRef } from '../../core/user-module.js';
import type { ResolvedEnv } from '../profiles/load-profiles.js';
import type { ChatMessage } from '../types.js';
import { defineTask, type SentenceTask } from './define-task.js';
import { sentimentTask } from './sentiment-task.js';

/** Tasks `llmops analyse --task` knows by name. */
const BUILTIN_TASKS: Record<string, SentenceTask> = {
  sentiment: sentimentTask as SentenceTask,
};

/**
 * `--task`: a built-in name, a YAML task file (`./tasks/topic.yaml`) or a module export
 * (`./tasks/x.js#task`, made with defineTask), relative to the working directory.
 */
export async function loadSentenceTask(spec: string, cwd = process.cwd()): Promise<SentenceTask> {
  const builtin = BUILTIN_TASKS[spec];
  if (builtin) return builtin;
  if (!isModuleSpec(spec)) {
    throw new UsageError(`--task: unknown task "${spec}" (built-in: ${Object.keys(BUILTIN_TASKS).join(', ')}; or your own, e.g. ./tasks/topic.yaml or ./tasks/x.js#task)`);
  }
  const ref: UserModuleRef = { kind: 'task', spec, baseDir: cwd, where: '--task' };
  const task = /\.ya?ml$/i.test(spec) ? await (await import('./yaml-task.js')).loadYamlTask(ref) : await loadModuleTask(ref);
  if (BUILTIN_TASKS[task.name]) throw userModuleError(ref, `name "${task.name}" is a built-in task; give yours another name`);
  return task;
}

/** The offline model answers the built-in sentiment task only: a task of your own needs a model. */
export function checkTaskModel(task: SentenceTask, env: ResolvedEnv): void {
  if (env.profile.provider !== 'local' || BUILTIN_TASKS[task.name] === task) return;
  throw new UsageError(`--task: env "${env.env}" answers offline, and the offline model knows only ${Object.keys(BUILTIN_TASKS).join(', ')}; task "${task.name}" needs a model (--env anthropic, openai, ollama, or a profile of your own)`);
}

type ModuleTask = { name: string; version: number; system?: string; prompt(input: { text: string }): ChatMessage[] | string; schema: SentenceTask['schema'] } & Partial<SentenceTask>;

const isTask = (v: unknown) => {
  const t = v as Partial<ModuleTask> | null;
  return typeof t?.name === 'string' && typeof t.prompt === 'function' && typeof (t.schema as { safeParse?: unknown } | undefined)?.safeParse === 'function';
};

/** `./tasks/x.js#task`: defineTask({name, version, system?, prompt(input), schema, labelField?, confidenceField?}). */
async function loadModuleTask(ref: UserModuleRef): Promise<SentenceTask> {
  const t = await loadUserExport<ModuleTask>(ref, 'a task (defineTask({name, version, prompt, schema}))', isTask);
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(t.name)) throw userModuleError(ref, `name: "${t.name}" is not letters, digits, _ . - starting with a letter`);
  if (!Number.isInteger(t.version) || t.version < 1) throw userModuleError(ref, `version: must be a whole number from 1 (got ${String(t.version)})`);
  return defineTask({
    ...t,
    system: t.system ?? '',
    prompt: (input) => {
      const p = t.prompt(input);
      return typeof p === 'string' ? [{ role: 'user', content: p }] : p;
    },
  });
}
