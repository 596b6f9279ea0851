import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError, errorMessage } from '../core/errors.js';
import { formatIssues } from '../config/format-issues.js';
import { parseYamlText } from '../config/llmops-config.js';
import { metricSchema } from './metrics/metric.js';
import { regexPattern } from '../config/regex-pattern.js';

/**
 * The monitor YAML. Strict (unknown keys are errors, they are usually typos) and every problem
 * is reported at once as `file: path: message`.
 */

const duration = z.string().regex(/^\d+(ms|s|m|h|d|w)$/, 'a duration like 30m, 24h or 7d');

const langfuseSource = z.strictObject({
  type: z.literal('langfuse'),
  name: z.string().optional(),
  type_filter: z.string().optional(),
  tags: z.array(z.string()).optional(),
  user_id: z.string().optional(),
  session_id: z.string().optional(),
  environment: z.string().optional(),
  /** Only observations that started within this window before now. */
  since: duration.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  base_url: z.url().optional(),
  page_size: z.number().int().min(1).max(1000).default(100),
  max_fetch: z.number().int().positive().default(10_000),
});

const slackSource = z.strictObject({
  type: z.literal('slack'),
  channel: z.string().min(1),
  /** Replies by this bot user id (or bot_id) are the outputs; the thread's first message is the input. */
  bot_user: z.string().optional(),
  since: duration.optional(),
  base_url: z.url().optional(),
  max_fetch: z.number().int().positive().default(2_000),
});

const jsonlSource = z.strictObject({
  type: z.literal('jsonl'),
  /** A file (relative to the config file) or `-` for stdin. */
  path: z.string().min(1),
});

const llmCallsSource = z.strictObject({
  type: z.literal('llm_calls'),
  task: z.string().optional(),
  since: duration.optional(),
  status: z.enum(['ok', 'error', 'any']).default('ok'),
});

const sourceSchema = z.discriminatedUnion('type', [langfuseSource, slackSource, jsonlSource, llmCallsSource]);

const regexRule = z.strictObject({
  /** Dot path of the field of the source item (or of the extracted item: input, output, context). */
  from: z.string().min(1),
  pattern: regexPattern(),
  flags: z.string().regex(/^[imsu]*$/, 'only the flags i, m, s, u').optional(),
});

const extractorSchema = z
  .strictObject({
    /** Dot paths into the source item; `a.b.0.c`, and `-1` for the last element of an array. */
    fields: z
      .strictObject({
        id: z.string().optional(),
        input: z.string().optional(),
        output: z.string().optional(),
        context: z.string().optional(),
        timestamp: z.string().optional(),
        latency_ms: z.string().optional(),
        trace_id: z.string().optional(),
        metadata: z.record(z.string(), z.string()).optional(),
      })
      .optional(),
    /** Named groups of each pattern become prompt variables; groups named input, output or context set those. */
    regex: z.array(regexRule).optional(),
    /** `./extract.js#fn`: (sourceItem) => {id, input, output, context?, metadata?}. */
    module: z.string().optional(),
  })
  .default({});

const samplingSchema = z
  .strictObject({
    strategy: z.enum(['all', 'random', 'most_recent', 'oldest']).default('all'),
    n: z.number().int().positive().optional(),
    seed: z.union([z.number().int(), z.string()]).default(1),
    max_items: z.number().int().positive().optional(),
    max_judge_cost_usd: z.number().positive().optional(),
  })
  .default({ strategy: 'all', seed: 1 })
  .refine((s) => s.strategy !== 'random' || s.n !== undefined || s.max_items !== undefined, { message: 'random sampling needs n (how many items)', path: ['n'] });

const publishSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sql') }),
  z.strictObject({ type: z.literal('stdout') }),
  z.strictObject({ type: z.literal('langfuse'), base_url: z.url().optional(), comment: z.boolean().default(true) }),
]);

const monitorConfigSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -'),
  source: sourceSchema,
  extractor: extractorSchema,
  sampling: samplingSchema,
  metrics: z.array(metricSchema).min(1, 'at least one metric'),
  publish: z.array(publishSchema).default([{ type: 'stdout' }]),
  /** The LLM-layer env for judge metrics (default: --env, LLMOPS_ENV, the profiles' default). */
  env: z.string().optional(),
  concurrency: z.number().int().positive().max(256).default(8),
});

export type MonitorConfig = z.infer<typeof monitorConfigSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
export type ExtractorConfig = z.infer<typeof extractorSchema>;
export type SamplingConfig = z.infer<typeof samplingSchema>;

export type LoadedMonitor = { config: MonitorConfig; file: string; shown: string; baseDir: string };

/** Parses and checks one config; every problem at once (schema, names, files) in `problems`. */
export async function readMonitorConfig(path: string, cwd = process.cwd()): Promise<{ loaded?: LoadedMonitor; problems: string[] }> {
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { problems: [`${path}: cannot read the monitor config: ${errorMessage(err)}`] };
  }
  let data: unknown;
  try {
    data = await parseYamlText(text, path);
  } catch (err) {
    if (err instanceof UsageError) return { problems: err.message.split('\n') };
    throw err;
  }
  const baseDir = dirname(file);
  const parsed = monitorConfigSchema.safeParse(data);
  const problems = parsed.success ? [] : formatIssues(path, parsed.error.issues, { data, schema: monitorConfigSchema });
  const raw = (data && typeof data === 'object' ? data : {}) as { source?: unknown; metrics?: unknown };
  // Checked on the raw data, so a schema problem elsewhere (a bad source.type) hides none of these.
  problems.push(...sourcePathProblems(raw.source, baseDir, path), ...sourceEnvProblems(raw.source, path));
  problems.push(...(await metricProblems(raw.metrics, path)));
  if (!parsed.success) return { problems };
  const config = parsed.data;
  config.metrics.forEach((m, i) => {
    const shownName = m.as ?? m.name;
    if (config.metrics.findIndex((o) => (o.as ?? o.name) === shownName) !== i) problems.push(`${path}: metrics.${i}.name: "${shownName}" appears twice (give one an "as:" name)`);
  });
  return { loaded: { config, file, shown: path, baseDir }, problems };
}

/** Throws one UsageError with every problem of the config. */
export async function loadMonitorConfig(path: string, cwd = process.cwd()): Promise<LoadedMonitor> {
  const { loaded, problems } = await readMonitorConfig(path, cwd);
  if (problems.length > 0 || !loaded) throw new UsageError(problems.join('\n'));
  return loaded;
}

/** A jsonl source's file must exist when the run starts (relative to the config file). */
function sourcePathProblems(source: unknown, baseDir: string, shown: string): string[] {
  if (!source || typeof source !== 'object') return [];
  const s = source as { type?: unknown; path?: unknown };
  if (s.type !== 'jsonl' || typeof s.path !== 'string' || s.path === '' || s.path === '-') return [];
  const full = resolve(baseDir, s.path);
  if (!existsSync(full)) return [`${shown}: source.path: no such file: ${s.path}${isAbsolute(s.path) ? '' : ` (${full}; relative paths are from the config file's folder)`}`];
  const st = statSync(full);
  if (st.isDirectory()) return [`${shown}: source.path: ${s.path} is a folder, not a JSONL file`];
  // A device (/dev/zero, /dev/urandom, a terminal) or a socket never ends: a run on it would read
  // until killed. A named pipe is a stream someone writes and closes: it is read (and Ctrl-C stops it).
  if (!st.isFile() && !st.isFIFO()) return [`${shown}: source.path: ${s.path} is a device or socket, not a file (it never ends); use a file, a named pipe, or - for stdin`];
  return [];
}

/** Credentials a source needs, checked before the database is opened and a run recorded. */
function sourceEnvProblems(source: unknown, shown: string): string[] {
  const type = source && typeof source === 'object' ? (source as { type?: unknown }).type : undefined;
  const need = type === 'langfuse' ? ['LANGFUSE_PUBLIC_KEY', 'LANGFUSE_SECRET_KEY'] : type === 'slack' ? ['SLACK_BOT_TOKEN'] : [];
  return need.filter((v) => !process.env[v]).map((v) => `${shown}: source (${type}): ${v} is not set`);
}

/**
 * Unknown metric names and bad metric params, read from the raw data so that a schema problem
 * elsewhere (a bad source.type) hides none of them. buildMetrics checks the same again when
 * the monitor opens; it only gets there when nothing was found here.
 */
async function metricProblems(metrics: unknown, shown: string): Promise<string[]> {
  if (!Array.isArray(metrics)) return [];
  const { METRICS } = await import('./metrics/registry.js');
  const out: string[] = [];
  metrics.forEach((m, i) => {
    if (!m || typeof m !== 'object') return;
    const { name, module, params } = m as { name?: unknown; module?: unknown; params?: unknown };
    if (typeof name !== 'string' || module !== undefined) return;
    const def = METRICS[name];
    if (!def) {
      out.push(`${shown}: metrics.${i}.name: unknown metric "${name}" (have: ${Object.keys(METRICS).join(', ')}; or give module: ./my-metric.js#fn)`);
      return;
    }
    if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) return; // the schema says so
    const parsed = def.params.safeParse(params ?? {});
    if (!parsed.success) out.push(...formatIssues(shown, parsed.error.issues.map((iss) => ({ ...iss, path: [`metrics`, i, 'params', ...iss.path] })), { data: { metrics } }));
  });
  return out;
}
