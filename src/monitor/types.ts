/** One production interaction, as every metric sees it. */
export type EvalItem = {
  id: string;
  input: string;
  output: string;
  context?: string;
  /** ISO time of the interaction (for most_recent / oldest sampling). */
  timestamp?: string;
  latency_ms?: number;
  /** Where to attach scores in Langfuse. */
  trace_id?: string;
  observation_id?: string;
  metadata: Record<string, unknown>;
};

/** What a source yields: the raw item, and where it came from for error messages. */
export type SourceItem = { raw: unknown; where: string };

/** A source item that could not be read (bad JSON line, API error on one page…); `text` what was read, if any. */
export type SourceProblem = { problem: string; where: string; text?: string };

export type ScoreValue = {
  /** Numeric score (booleans as 1/0); null when the metric has no number to give. */
  value: number | null;
  pass?: boolean;
  comment?: string;
  /** Which model or heuristic produced the score (judges). */
  scorer?: string;
  costUsd?: number;
};

export type Score = ScoreValue & {
  monitor: string;
  source: string;
  run_id: string;
  item_id: string;
  trace_id?: string;
  observation_id?: string;
  metric: string;
  metric_version: string;
  created_at: string;
};
