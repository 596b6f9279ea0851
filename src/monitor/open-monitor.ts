import { UsageError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import type { Logger } from '../core/logger.js';
import type { NdjsonWriter } from '../core/ndjson-writer.js';
import type { Db } from '../store/database.js';
import type { LlmClient } from '../llm/client.js';
import type { ResolvedEnv } from '../llm/profiles/load-profiles.js';
import { createExtractor } from './extractors.js';
import type { LoadedMonitor } from './monitor-config.js';
import type { JudgeRuntime } from './metrics/judge-runtime.js';
import { buildMetrics } from './metrics/registry.js';
import type { Publisher } from './publish/publishers.js';
import type { SourceItem, SourceProblem } from './types.js';

export type MonitorDeps = {
  db: Db;
  logger: Logger;
  /** --env / --profiles for judge metrics (the config's `env:` wins over neither: flags first). */
  env?: string;
  profiles?: string;
  /** Makes the judges' client: the caller decides where its calls are logged and cached. */
  openClient: (env: ResolvedEnv) => Promise<LlmClient>;
  dryRun: boolean;
  /** --out: scores as NDJSON as well. */
  out?: NdjsonWriter;
  outIsStdout?: boolean;
};

export type OpenedMonitor = Awaited<ReturnType<typeof openMonitor>>;

/** Everything one monitor needs, checked before any work starts (config errors exit 2). */
export async function openMonitor(m: LoadedMonitor, deps: MonitorDeps) {
  const { config } = m;
  let client: LlmClient | null = null;
  let runtime: JudgeRuntime | undefined;
  const judge = async (): Promise<JudgeRuntime> => {
    if (runtime) return runtime;
    const { resolveEnv } = await import('../llm/profiles/load-profiles.js');
    const env = await resolveEnv({ profiles: deps.profiles, env: deps.env ?? config.env });
    if (env.profile.provider !== 'local') {
      client = await deps.openClient(env);
    }
    const { newTraceId } = await import('../llm/trace-id.js');
    const { promptText } = await import('./prompts/prompt-source.js');
    runtime = { env, client, traceId: newTraceId(), prompt: (ref) => promptText(ref, deps.logger) };
    return runtime;
  };
  // Every problem of the extractor, the metrics and the source's settings at once.
  const problems: string[] = [];
  const collect = async <T>(f: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(...err.message.split('\n'));
      return undefined;
    }
  };
  const extractor = await collect(() => createExtractor(config.source, config.extractor, m.baseDir, m.shown));
  const metrics = await collect(() => buildMetrics(config.metrics, { judge, baseDir: m.baseDir }, m.shown));
  if (problems.length > 0 || !extractor || !metrics) {
    await (client as LlmClient | null)?.shutdown();
    throw new UsageError(problems.join('\n'));
  }

  const publishers: Publisher[] = [];
  const { sqlPublisher, ndjsonPublisher, langfusePublisher } = await import('./publish/publishers.js');
  if (!deps.dryRun) {
    for (const p of config.publish) {
      if (p.type === 'sql') publishers.push(sqlPublisher(deps.db));
      else if (p.type === 'stdout') {
        // `--out -` already prints every score on stdout: once is enough.
        if (!deps.outIsStdout) {
          const { createNdjsonWriter } = await import('../core/ndjson-writer.js');
          publishers.push(ndjsonPublisher(createNdjsonWriter('-')));
        }
      } else publishers.push(await langfusePublisher({ baseUrl: p.base_url, comment: p.comment }));
    }
  }
  if (deps.out) publishers.push(ndjsonPublisher(deps.out, 'out'));
  // --out is opened only once every monitor is set up (so a config error writes nothing).
  const addOut = (out: NdjsonWriter) => publishers.push(ndjsonPublisher(out, 'out'));

  // The run's interrupt reaches the source: its requests, waits and reads end on Ctrl-C.
  const source = (signal?: AbortSignal): AsyncIterable<SourceItem | SourceProblem> => openSource(m, deps, signal);
  return {
    monitor: m,
    extractor,
    metrics,
    publishers,
    addOut,
    source,
    async close() {
      for (const p of publishers) if (p.name !== 'out') await p.close().catch(() => {});
      await (client as LlmClient | null)?.shutdown();
    },
  };
}

function openSource(m: LoadedMonitor, deps: MonitorDeps, signal?: AbortSignal): AsyncIterable<SourceItem | SourceProblem> {
  const s = m.config.source;
  const since = 'since' in s && s.since ? parseDuration(s.since, `${m.shown}: source.since`) : undefined;
  switch (s.type) {
    case 'jsonl':
      return (async function* () {
        const { jsonlSource } = await import('./sources/jsonl-source.js');
        yield* jsonlSource(s, m.baseDir, signal);
      })();
    case 'llm_calls':
      return (async function* () {
        const { llmCallsSource } = await import('./sources/llm-calls-source.js');
        yield* llmCallsSource(deps.db, s, since);
      })();
    case 'langfuse':
      return (async function* () {
        const { langfuseSource } = await import('./sources/langfuse-source.js');
        yield* langfuseSource(s, since, signal);
      })();
    case 'slack':
      return (async function* () {
        const { slackSource } = await import('./sources/slack-source.js');
        yield* slackSource(s, since, signal);
      })();
    default:
      throw new UsageError(`${m.shown}: source.type: unsupported`);
  }
}
