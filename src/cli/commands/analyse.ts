import type { Command } from 'commander';
import { PartialFailure, UsageError } from '../../core/errors.js';
import { createContext, withRun, type Context } from '../context.js';
import { toPositiveInt } from '../options.js';
import { printSummary } from '../print.js';
import { createProgress } from '../progress.js';

type AnalyseFlags = {
  env?: string;
  profiles?: string;
  task: string;
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

export function register(program: Command): void {
  program
    .command('analyse')
    .alias('analyze')
    .description('Ask a model about every sentence without a result yet (sentiment, or a task of your own), concurrently and resumably')
    .option('--env <name>', 'profiles env: offline (default, no key), anthropic, openai, ollama, … (env LLMOPS_ENV)')
    .option('--profiles <file>', 'profiles file (env LLMOPS_PROFILES; default ./profiles/profiles.toml, else the shipped one)')
    .option('--task <name|file>', 'task to run: sentiment, or your own: a YAML task file or a module (./tasks/topic.yaml, ./tasks/x.js#task)', 'sentiment')
    .option('--text <text>', 'analyse this one text and print the result')
    .option('--in <file|->', 'read NDJSON objects with a text field instead of the store')
    .option('--out <file|->', 'write NDJSON results to a file or stdout')
    .option('--text-field <path>', 'with --in: field holding the text, a dot path such as payload.text (default: text, content or body)')
    .option('--concurrency <n>', 'calls in flight at once', toPositiveInt, 8)
    .option('--rpm <n>', 'at most n calls a minute, evenly spaced', toPositiveInt)
    .option('--limit <n>', 'analyse at most n sentences', toPositiveInt)
    .option('--watch <interval>', 'keep analysing new sentences every interval (e.g. 30s) until Ctrl-C')
    .option('--no-cache', 'always ask the model, even for a request answered before')
    .option('--skip-invalid', 'with --in: skip bad records (reported on stderr, exit 3)')
    .addHelpText(
      'after',
      `
Examples:
  llmops analyse                                        every stored sentence, offline model
  llmops analyse --env anthropic --concurrency 16 --rpm 500
  llmops analyse --text "The battery life is superb."
  llmops analyse --env anthropic --task ./tasks/topic.yaml   your own task (see tasks/)
  cat sentences.jsonl | llmops analyse --in - --out - | jq .label

Failed sentences are recorded with their reason and retried by the next run; exit 3 if any failed.`,
    )
    .action(async (flags: AnalyseFlags, cmd: Command) => {
      const ctx = await createContext(cmd.optsWithGlobals());
      if ([flags.text !== undefined, flags.in !== undefined].filter(Boolean).length > 1) throw new UsageError('analyse: --text and --in do not go together');
      if (flags.watch !== undefined && (flags.text !== undefined || flags.in !== undefined)) throw new UsageError('analyse: --watch works on the store only');
      const { parseDuration } = await import('../../core/duration.js');
      const watchMs = flags.watch === undefined ? undefined : parseDuration(flags.watch, '--watch');
      const { loadSentenceTask, checkTaskModel } = await import('../../llm/tasks/registry.js');
      const task = await loadSentenceTask(flags.task);
      const { resolveEnv } = await import('../../llm/profiles/load-profiles.js');
      const env = await resolveEnv({ profiles: flags.profiles, env: flags.env });
      checkTaskModel(task, env);
      ctx.logger.debug(`env ${env.env}: ${env.profile.provider}/${env.profile.model}, hookset ${env.hookset.name}`);

      if (flags.in !== undefined) return analyseFromStream(ctx, flags, env, task);

      const db = await ctx.openDb();
      const { createClientFromEnv } = await import('../../llm/create-client.js');
      const { openCallLog } = await import('../../store/open-call-log.js');
      const client = await createClientFromEnv(env, { logger: ctx.logger, callLog: openCallLog(db, { warehouseUrl: ctx.warehouseUrl, cache: flags.cache }), rpm: flags.rpm });
      const { createRedactor } = await import('../../llm/secrets.js');
      const redact = createRedactor();
      try {
        if (flags.text !== undefined) {
          const { analyseItem } = await import('../../analyse/analyse-item.js');
          const { resultRecord } = await import('../../analyse/analyse-stream.js');
          const o = await analyseItem(client, task, flags.text, redact, ctx.signal);
          const rec = resultRecord({}, flags.text, task, o);
          if (ctx.json) process.stdout.write(`${JSON.stringify(rec)}\n`);
          else if (o.status === 'ok') process.stdout.write(`${String(o.label)}${o.confidence === null ? '' : ` (confidence ${o.confidence.toFixed(2)})`} — ${o.provider}/${o.model}${o.cached ? ', cached' : ''}\n`);
          if (o.status === 'failed') throw new PartialFailure(`analyse: ${o.error}`);
          return;
        }
        const { createNdjsonWriter } = await import('../../core/ndjson-writer.js');
        const { runAnalyse, pendingSentences } = await import('../../analyse/run-analyse.js');
        const { watchLoop } = await import('../../split/run-split.js');
        const out = flags.out === undefined ? null : createNdjsonWriter(flags.out);
        const { resultRecord } = await import('../../analyse/analyse-stream.js');
        let anyFailed = 0;
        const once = async () => {
          const pending = await pendingSentences(db, task);
          const progress = await createProgress(ctx, `analyse ${task.name}`, flags.limit === undefined ? pending : Math.min(pending, flags.limit), 'sentences');
          let n = 0;
          const s = await withRun(db, 'analyse', async () => {
            try {
              const r = await runAnalyse(db, client, {
                task,
                concurrency: flags.concurrency,
                limit: flags.limit,
                signal: ctx.signal,
                redact,
                onResult: async (sentence, outcome) => {
                  progress.update(++n);
                  if (out) await out.write(resultRecord({ id: sentence.id, document_id: sentence.document_id, index: sentence.index }, sentence.text, task, outcome));
                },
              });
              return { ...r, counts: { ...r, env: env.env, provider: env.profile.provider, model: env.profile.model }, status: r.interrupted ? 'interrupted' : r.failed > 0 ? 'partial' : 'ok' } as const;
            } finally {
              progress.stop();
            }
          });
          anyFailed += s.failed;
          if (watchMs !== undefined && s.done + s.failed === 0) return;
          printSummary(
            ctx,
            'analyse',
            {
              task: `${task.name} v${task.version}`,
              model: `${env.profile.provider}/${env.profile.model}`,
              done: s.done,
              cached: s.cached,
              failed: s.failed,
              input_tokens: s.input_tokens,
              output_tokens: s.output_tokens,
              cost_usd: Number(s.cost_usd.toFixed(6)),
              elapsed_s: Number(s.elapsed_s.toFixed(2)),
              note: s.interrupted ? 'interrupted: the next run carries on' : s.done + s.failed === 0 ? 'nothing new to analyse' : undefined,
            },
            out !== null && out.kind === 'stdout',
          );
        };
        try {
          if (watchMs === undefined) await once();
          else await watchLoop(watchMs, ctx.signal, once);
          await out?.close();
        } catch (err) {
          await out?.abort();
          throw err;
        }
        if (anyFailed > 0) throw new PartialFailure(`analyse: ${anyFailed} sentence(s) failed (recorded with their reason; the next run retries them)`);
      } finally {
        await client.shutdown();
        await db.close();
      }
    });
}

async function analyseFromStream(ctx: Context, flags: AnalyseFlags, env: Awaited<ReturnType<typeof import('../../llm/profiles/load-profiles.js').resolveEnv>>, task: Awaited<ReturnType<typeof import('../../llm/tasks/registry.js').loadSentenceTask>>) {
  const { createClientFromEnv } = await import('../../llm/create-client.js');
  const { createNdjsonWriter } = await import('../../core/ndjson-writer.js');
  const { analyseStream } = await import('../../analyse/analyse-stream.js');
  const { createRedactor } = await import('../../llm/secrets.js');
  // Store-less: no database unless one was named explicitly (then calls are logged and cached there).
  const db = ctx.dbUrl ? await ctx.openDb() : undefined;
  const { openCallLog } = await import('../../store/open-call-log.js');
  const client = await createClientFromEnv(env, { logger: ctx.logger, callLog: openCallLog(db, { warehouseUrl: ctx.warehouseUrl, cache: flags.cache }), rpm: flags.rpm });
  const out = createNdjsonWriter(flags.out ?? '-');
  let failures = 0;
  try {
    const s = await analyseStream(flags.in!, out, client, {
      task,
      concurrency: flags.concurrency,
      textField: flags.textField,
      skipInvalid: flags.skipInvalid,
      signal: ctx.signal,
      redact: createRedactor(),
      onProblem: (p) => ctx.logger.warn(p),
    });
    await out.close();
    printSummary(ctx, 'analyse', { done: s.done, cached: s.cached, failed: s.failed, invalid: s.invalid, input_tokens: s.input_tokens, output_tokens: s.output_tokens, cost_usd: Number(s.cost_usd.toFixed(6)), elapsed_s: Number(s.elapsed_s.toFixed(2)) }, true);
    failures = s.failed + s.invalid;
    if (failures > 0) ctx.logger.warn(`analyse: ${s.failed} failed, ${s.invalid} invalid record(s)`);
  } catch (err) {
    await out.abort();
    throw err;
  } finally {
    await client.shutdown();
    await db?.close();
  }
  if (failures > 0) throw new PartialFailure(`analyse: ${failures} item(s) failed or were invalid (their results say why)`);
}
