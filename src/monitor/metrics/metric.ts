import { z } from 'zod';
import type { EvalItem, ScoreValue } from '../types.js';
import type { JudgeRuntime } from './judge-runtime.js';

/** One entry of a monitor config's `metrics:` list. */
export const metricSchema = z.strictObject({
  /** A registry name (json_valid, regex, rubric, …) — or any name with `module`. */
  name: z.string().min(1),
  /** The name scores are published under (default: name). Lets one metric run twice with other params. */
  as: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : -').optional(),
  version: z.union([z.number().int().nonnegative(), z.string().min(1)]).default(1),
  params: z.record(z.string(), z.unknown()).default({}),
  /** `./metrics/tone.js#metric` */
  module: z.string().optional(),
});

export type MetricConfig = z.infer<typeof metricSchema>;

/** A metric as a run uses it: configured, versioned, ready to score one item. */
export type Metric = {
  /** The name scores are published under (`as:` or the registry name). */
  name: string;
  /** The registry entry (json_valid, rubric, …) or the module path. */
  kind: string;
  /** Ledger version: the configured version and a hash of the parameters, so a change re-scores. */
  version: string;
  /** Judges call a model: they count against the judge cost cap and run concurrently. */
  judge: boolean;
  score(item: EvalItem, signal?: AbortSignal): Promise<ScoreValue> | ScoreValue;
};

/** A registry entry: parameters validated by its schema, then a scoring function. */
export type MetricDefinition<P> = {
  params: z.ZodType<P>;
  judge?: boolean;
  /** Bump when the scoring code changes its answers: stored scores are then redone. */
  implVersion: number;
  create(params: P, deps: MetricDeps): ((item: EvalItem, signal?: AbortSignal) => Promise<ScoreValue> | ScoreValue) | Promise<(item: EvalItem, signal?: AbortSignal) => Promise<ScoreValue> | ScoreValue>;
};

/** What judges need from the outside: set up lazily, once, when a judge metric is configured. */
export type MetricDeps = {
  judge(): Promise<JudgeRuntime>;
  baseDir: string;
};
