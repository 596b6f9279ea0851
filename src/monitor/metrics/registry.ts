import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError, errorMessage } from '../../core/errors.js';
import { formatIssues } from '../../config/format-issues.js';
import type { MetricConfig } from '../monitor-config.js';
import type { EvalItem, ScoreValue } from '../types.js';
import { contains, jsonValid, latency, length, matchesSchema, notContains, refusal, regex } from './heuristic-metrics.js';
import { answerRelevance, faithfulness, JudgeUnavailable, rubric } from './judge-metrics.js';
import type { Metric, MetricDefinition, MetricDeps } from './metric.js';

export const METRICS: Record<string, MetricDefinition<any>> = {
  json_valid: jsonValid,
  matches_schema: matchesSchema,
  regex,
  contains,
  not_contains: notContains,
  length,
  latency,
  refusal,
  rubric,
  faithfulness,
  answer_relevance: answerRelevance,
};

function versionKey(version: string | number, impl: number | string, params: unknown): string {
  const h = createHash('sha256').update(JSON.stringify([impl, params])).digest('hex').slice(0, 8);
  return `${version}.${h}`;
}

/**
 * Builds every configured metric, collecting all problems (unknown names, bad parameters,
 * modules that do not load) into one error naming the file and path of each.
 */
export async function buildMetrics(configs: MetricConfig[], deps: MetricDeps, shown: string): Promise<Metric[]> {
  const problems: string[] = [];
  const out: Metric[] = [];
  for (const [i, mc] of configs.entries()) {
    const where = `metrics.${i}`;
    const name = mc.as ?? mc.name;
    try {
      if (mc.module) {
        out.push(await loadModuleMetric(mc, deps.baseDir, `${shown}: ${where}.module`));
        continue;
      }
      const def = METRICS[mc.name];
      if (!def) {
        problems.push(`${shown}: ${where}.name: unknown metric "${mc.name}" (have: ${Object.keys(METRICS).join(', ')}; or give module: ./my-metric.js#fn)`);
        continue;
      }
      const parsed = def.params.safeParse(mc.params);
      if (!parsed.success) {
        problems.push(...formatIssues(shown, parsed.error.issues.map((iss) => ({ ...iss, path: [where, 'params', ...iss.path] }))));
        continue;
      }
      const score = await def.create(parsed.data, deps);
      out.push({ name, kind: mc.name, version: versionKey(mc.version, def.implVersion, parsed.data), judge: Boolean(def.judge), score });
    } catch (err) {
      if (err instanceof UsageError) problems.push(err.message);
      else if (err instanceof JudgeUnavailable) problems.push(`${shown}: ${where} (${mc.name}): ${err.message}`);
      else problems.push(`${shown}: ${where}.params: ${errorMessage(err)}`);
    }
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return out;
}

/**
 * `./metrics/tone.js#metric`: the export is a function (item) => {value, pass?, comment?}
 * (sync or async), or an object {judge?, score(item, params)}.
 */
async function loadModuleMetric(mc: MetricConfig, baseDir: string, where: string): Promise<Metric> {
  const [path, exportName = 'default'] = mc.module!.split('#') as [string, string?];
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(full).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${where}: cannot load ${path}: ${errorMessage(err).split('\n')[0]}`);
  }
  const exported = mod[exportName] as unknown;
  type Fn = (item: EvalItem, params: Record<string, unknown>) => ScoreValue | Promise<ScoreValue>;
  let fn: Fn;
  let judge = false;
  if (typeof exported === 'function') fn = exported as Fn;
  else if (exported && typeof exported === 'object' && typeof (exported as { score?: unknown }).score === 'function') {
    const obj = exported as { score: Fn; judge?: boolean };
    fn = obj.score.bind(obj);
    judge = Boolean(obj.judge);
  } else throw new UsageError(`${where}: ${path} has no metric export "${exportName}" (a function (item, params) => {value, pass?, comment?})`);
  return {
    name: mc.as ?? mc.name,
    kind: mc.module!,
    version: versionKey(mc.version, 'module', mc.params),
    judge,
    async score(item) {
      const r = await fn(item, mc.params);
      if (!r || typeof r !== 'object' || !('value' in r)) throw new Error(`metric ${mc.name} returned no {value}`);
      const value = typeof r.value === 'boolean' ? Number(r.value) : r.value;
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) throw new Error(`metric ${mc.name} returned a non-numeric value`);
      return { ...r, value };
    },
  };
}
