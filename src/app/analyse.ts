import { PartialFailure, UsageError } from '../core/errors.js';
import { checkReadable } from '../core/path-errors.js';
import { WATCH_INTERVAL, parseDuration } from '../core/duration.js';
import type { AnalyseSummary } from '../analyse/summary.js';
import type { LlmClient } from '../llm/client.js';
import type { ResolvedEnv } from '../llm/profiles/load-profiles.js';
import type { SentenceTask } from '../llm/tasks/define-task.js';
import type { NdjsonWriter } from '../core/ndjson-writer.js';
import { runCommand, type CommandScope } from './command-scope.js';
import type { Context } from './context.js';
import { openLlmClient, resolveLlmEnv } from './llm-client.js';
import { watchLoop } from './watch.js';

export type AnalyseFlags = {
  env?: string;
  profiles?: string;
  /** A built-in task's name, a module path, or (from the library) the task itself. */
  task: string | SentenceTask;
  text?: string;
  in?: string;
  out?: string;
  textField?: string;
  concurrency: number;
  rpm?: number;
  limit?: number;
  watch?: string;
  cache: boolean;
  skipInvalid?: boolean;
};

/** What an analyse of the store reports (the summary the CLI prints). */
export type AnalyseReport = { task: string; model: string; done: number; cached: number; failed: number; note: string | undefined } & ReturnType<typeof usage>;

/** `llmops analyse`: one --text, an NDJSON stream with --in, else the stored sentences without a result. */
export async function analyse(ctx: Context, flags: AnalyseFlags): Promise<void> {
  if (flags.text !== undefined && flags.in !== undefined) throw new UsageError('analyse: --text and --in do not go together');
  if (flags.watch !== undefined && (flags.text !== undefined || flags.in !== undefined)) throw new UsageError('analyse: --watch works on the store only');
  const watchMs = flags.watch === undefined ? undefined : parseDuration(flags.watch, '--watch', WATCH_INTERVAL);
  const { task, env } = await taskAndEnv(ctx, flags);
  if (flags.in !== undefined) return runCommand(ctx, (scope) => analyseStream(scope, flags.in!, flags, env, task));
  await runCommand(ctx, async (scope) => {
    const db = await scope.db();
    const client = await openLlmClient(scope, env, { db, cache: flags.cache, rpm: flags.rpm });
    if (flags.text !== undefined) return analyseText(scope, client, task, flags.text);
    await analyseStored(scope, client, env, task, flags, watchMs);
  });
}

/** One pass over the stored sentences without a result (`llmops analyse` without --watch); failures are counted, not thrown. */
export async function analyseSentences(ctx: Context, flags: Omit<AnalyseFlags, 'text' | 'in' | 'out' | 'watch' | 'textField' | 'skipInvalid'>): Promise<AnalyseReport> {
  const { task, env } = await taskAndEnv(ctx, flags);
  return runCommand(ctx, async (scope) => {
    const db = await scope.db();
    const client = await openLlmClient(scope, env, { db, cache: flags.cache, rpm: flags.rpm });
    const { createRedactor } = await import('../llm/secrets.js');
    return analysePass(scope, { client, env, task, flags, redact: createRedactor(), out: null, watching: false });
  });
}

/** The task (a name or module path loaded), the profiles env, and whether the env's model can do the task. */
async function taskAndEnv(ctx: Context, flags: Pick<AnalyseFlags, 'task' | 'env' | 'profiles'>): Promise<{ task: SentenceTask; env: ResolvedEnv }> {
  const { loadSentenceTask, checkTaskModel } = await import('../llm/tasks/registry.js');
  const task = typeof flags.task === 'string' ? await loadSentenceTask(flags.task) : flags.task;
  const env = await resolveLlmEnv(ctx, flags);
  checkTaskModel(task, env);
  return { task, env };
}

async function analyseText(scope: CommandScope, client: LlmClient, task: SentenceTask, text: string): Promise<void> {
  const { analyseItem } = await import('../analyse/analyse-item.js');
  const { resultRecord } = await import('../analyse/analyse-stream.js');
  const { createRedactor } = await import('../llm/secrets.js');
  const o = await analyseItem(client, task, text, createRedactor(), scope.ctx.signal);
  if (scope.ctx.json) process.stdout.write(`${JSON.stringify(resultRecord({}, text, task, o))}\n`);
  else if (o.status === 'ok') process.stdout.write(`${String(o.label)}${o.confidence === null ? '' : ` (confidence ${o.confidence.toFixed(2)})`} — ${o.provider}/${o.model}${o.cached ? ', cached' : ''}\n`);
  if (o.status === 'failed') throw new PartialFailure(`analyse: ${o.error}`);
}

async function analyseStored(scope: CommandScope, client: LlmClient, env: ResolvedEnv, task: SentenceTask, flags: AnalyseFlags, watchMs: number | undefined): Promise<void> {
  const { createRedactor } = await import('../llm/secrets.js');
  const pass = { client, env, task, flags, redact: createRedactor(), out: flags.out === undefined ? null : scope.ndjson(flags.out), watching: watchMs !== undefined };
  let failed = 0;
  const once = async () => void (failed += (await analysePass(scope, pass)).failed);
  if (watchMs === undefined) await once();
  else {
    scope.runsUntilInterrupted = true;
    await watchLoop(watchMs, scope.ctx.signal, once);
  }
  if (failed > 0) throw new PartialFailure(`analyse: ${failed} sentence(s) failed (recorded with their reason; the next run retries them)`);
}

type Pass = { client: LlmClient; env: ResolvedEnv; task: SentenceTask; flags: Pick<AnalyseFlags, 'concurrency' | 'limit'>; redact: (s: string) => string; out: NdjsonWriter | null; watching: boolean };

/** One pass over the sentences without a result; a pass that found none is quiet with --watch. */
async function analysePass(scope: CommandScope, { client, env, task, flags, redact, out, watching }: Pass): Promise<AnalyseReport> {
  const { runAnalyse, pendingSentences } = await import('../analyse/run-analyse.js');
  const { resultRecord } = await import('../analyse/analyse-stream.js');
  const db = await scope.db();
  const pending = await pendingSentences(db, task);
  // A --watch poll that finds nothing records no run (a row a poll filled `inspect runs`).
  if (watching && pending === 0) {
    return { task: `${task.name} v${task.version}`, model: `${env.profile.provider}/${env.profile.model}`, done: 0, cached: 0, failed: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0, elapsed_s: 0, note: 'nothing new to analyse' };
  }
  const total = flags.limit === undefined ? pending : Math.min(pending, flags.limit);
  let n = 0;
  const details = { env: env.env, provider: env.profile.provider, model: env.profile.model };
  const s = await scope.run({ command: 'analyse', details, progress: { label: `analyse ${task.name}`, total, unit: 'sentences' } }, (progress) =>
    runAnalyse(db, client, {
      task,
      concurrency: flags.concurrency,
      limit: flags.limit,
      signal: scope.ctx.signal,
      redact,
      onResult: async (sentence, outcome) => {
        progress.update(++n);
        if (out) await out.write(resultRecord({ id: sentence.id, document_id: sentence.document_id, index: sentence.index }, sentence.text, task, outcome));
      },
    }),
  );
  const note = s.interrupted ? 'interrupted: the next run carries on' : s.done + s.failed === 0 ? 'nothing new to analyse' : undefined;
  const report = { task: `${task.name} v${task.version}`, model: `${env.profile.provider}/${env.profile.model}`, done: s.done, cached: s.cached, failed: s.failed, ...usage(s), note };
  if (!(watching && s.done + s.failed === 0)) scope.summary('analyse', report);
  return report;
}

/** Store-less: results as NDJSON; calls are logged and cached only in a database named explicitly. */
async function analyseStream(scope: CommandScope, input: string, flags: AnalyseFlags, env: ResolvedEnv, task: SentenceTask): Promise<void> {
  const { analyseStream } = await import('../analyse/analyse-stream.js');
  const { createRedactor } = await import('../llm/secrets.js');
  // Before the named database is opened (created): an unreadable input leaves no trace.
  checkReadable('analyse', input);
  const db = scope.ctx.dbUrl ? await scope.db() : undefined;
  const client = await openLlmClient(scope, env, { db, cache: flags.cache, rpm: flags.rpm });
  const out = scope.ndjson(flags.out ?? '-', { input });
  const s = await analyseStream(input, out, client, {
    task,
    concurrency: flags.concurrency,
    textField: flags.textField,
    skipInvalid: flags.skipInvalid,
    signal: scope.ctx.signal,
    redact: createRedactor(),
    onProblem: (p) => scope.ctx.logger.warn(p),
  });
  await scope.finish('analyse', { done: s.done, cached: s.cached, failed: s.failed, invalid: s.invalid, ...usage(s) }, true);
  const failures = s.failed + s.invalid;
  if (failures > 0) {
    scope.ctx.logger.warn(`analyse: ${s.failed} failed, ${s.invalid} invalid record(s)`);
    throw new PartialFailure(`analyse: ${failures} item(s) failed or were invalid (their results say why)`);
  }
}

function usage(s: AnalyseSummary) {
  return { input_tokens: s.input_tokens, output_tokens: s.output_tokens, cost_usd: Number(s.cost_usd.toFixed(6)), elapsed_s: Number(s.elapsed_s.toFixed(2)) };
}
