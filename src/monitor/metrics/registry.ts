import { createHash } from 'node:crypto';
import { UsageError, errorMessage } from '../../core/errors.js';
import { loadUserExport } from '../../core/user-module.js';
import { formatIssues } from '../../config/format-issues.js';
import type { EvalItem, ScoreValue } from '../types.js';
import { contains, jsonValid, latency, length, matchesSchema, notContains, refusal, regex } from './heuristic-metrics.js';
import { answerRelevance, faithfulness, JudgeUnavailable, rubric } from './judge-metrics.js';
import type { Metric, MetricConfig, MetricDefinition, MetricDeps } from './metric.js';

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

type ScoreFn = (item: EvalItem, params: Record<string, unknown>) => ScoreValue | Promise<ScoreValue>;

/**
 * `./metrics/tone.js#metric`: the export is a function (item, params) => {value, pass?, comment?}
 * (sync or async), or an object {judge?, score(item, params)}.
 */
async function loadModuleMetric(mc: MetricConfig, baseDir: string, where: string): Promise<Metric> {
  const ref = { kind: 'metric', spec: mc.module!, baseDir, where };
  const isMetric = (v: unknown) => typeof v === 'function' || typeof (v as { score?: unknown } | null)?.score === 'function';
  const exported = await loadUserExport<ScoreFn | { score: ScoreFn; judge?: boolean }>(ref, 'a metric (a function (item, params) => {value, pass?, comment?})', isMetric);
  const fn: ScoreFn = typeof exported === 'function' ? exported : exported.score.bind(exported);
  return {
    name: mc.as ?? mc.name,
    kind: mc.module!,
    version: versionKey(mc.version, 'module', mc.params),
    judge: typeof exported !== 'function' && Boolean(exported.judge),
    async score(item) {
      const r = await fn(item, mc.params);
      if (!r || typeof r !== 'object' || !('value' in r)) throw new Error(`metric ${mc.name} returned no {value}`);
      const value = typeof r.value === 'boolean' ? Number(r.value) : r.value;
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) throw new Error(`metric ${mc.name} returned a non-numeric value`);
      return { ...r, value };
    },
  };
}
