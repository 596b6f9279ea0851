import { redactText } from '../core/redact.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../store/database.js';
import type { LedgerKey } from '../store/ledger-repo.js';
import type { Extractor } from './extractors.js';
import type { Metric } from './metrics/metric.js';
import type { LoadedMonitor } from './monitor-config.js';
import type { Publisher } from './publish/publishers.js';
import type { Score, SourceItem, SourceProblem } from './types.js';

export type ItemFailure = { item_id?: string; where?: string; metric?: string; error: string; /** `invalid`: an input that cannot be scored, reported once (invalid-inputs.ts); else failed, retried. */ status?: 'invalid' };

export type MonitorRunOptions = {
  monitor: LoadedMonitor;
  db: Db;
  source: AsyncIterable<SourceItem | SourceProblem>;
  extractor: Extractor;
  metrics: Metric[];
  publishers: Publisher[];
  dryRun: boolean;
  logger: Logger;
  signal?: AbortSignal;
  /** Items claimed and scored together, then published together. */
  batchSize?: number;
  leaseMs?: number;
  onScore?: (s: Score) => void;
};

export type MetricStats = { version: string; count: number; sum: number; valued: number; passed: number; judged: number; failed: number };

/** What one monitor run accumulates while it works. */
export type RunState = {
  runId: string;
  failures: ItemFailure[];
  failed: number;
  fail(f: ItemFailure): void;
  /** Several items failed for one reason (a batch not published): recorded each, logged once. */
  failAll(itemIds: string[], error: string): void;
  /** An input that cannot be scored, met for the first time: recorded and logged, not retried. */
  /** Reports an invalid input; true when its monitor_items row will be written (false past the rows kept per run). */
  invalid(f: ItemFailure): boolean;
  invalidCount: number;
  invalidSeenBefore: number;
  /** The ledger keys of this run's invalid inputs, recorded once their rows are written. */
  invalidKeys: LedgerKey[];
  stats: Map<string, MetricStats>;
  judgeCost: number;
  skippedBudget: number;
  claimedElsewhere: number;
  scoredItems: number;
  scoreCount: number;
  interrupted: boolean;
  timing: { fetch_s: number; claim_s: number; score_s: number; publish_s: number; mark_s: number };
};

const MAX_KEPT_FAILURES = 1000;

export function newRunState(o: MonitorRunOptions, runId: string): RunState {
  const stats = new Map<string, MetricStats>();
  for (const m of o.metrics) stats.set(m.name, { version: m.version, count: 0, sum: 0, valued: 0, passed: 0, judged: 0, failed: 0 });
  const s: RunState = {
    runId,
    failures: [],
    failed: 0,
    fail(f) {
      // A reason quotes what a judge, a source or a publisher answered: masked before it is kept.
      f = { ...f, error: redactText(f.error) };
      s.failed++;
      if (s.failures.length < MAX_KEPT_FAILURES) s.failures.push(f);
      o.logger.warn(`monitor ${o.monitor.config.name}: ${f.where ?? f.item_id ?? ''}${f.metric ? ` ${f.metric}` : ''}: ${f.error}`);
    },
    invalid(f) {
      f = { ...f, error: redactText(f.error), status: 'invalid' };
      s.invalidCount++;
      const kept = s.failures.length < MAX_KEPT_FAILURES;
      if (kept) s.failures.push(f);
      o.logger.warn(`monitor ${o.monitor.config.name}: ${f.where}: ${f.error}${kept ? ' (skipped, and not reported again)' : ''}`);
      return kept;
    },
    invalidCount: 0,
    invalidSeenBefore: 0,
    invalidKeys: [],
    failAll(itemIds, error) {
      error = redactText(error);
      s.failed += itemIds.length;
      for (const item_id of itemIds) if (s.failures.length < MAX_KEPT_FAILURES) s.failures.push({ item_id, error });
      const which = itemIds.length === 1 ? itemIds[0] : `${itemIds.length} items (${itemIds[0]} … ${itemIds.at(-1)})`;
      o.logger.warn(`monitor ${o.monitor.config.name}: ${which}: ${error}`);
    },
    stats,
    judgeCost: 0,
    skippedBudget: 0,
    claimedElsewhere: 0,
    scoredItems: 0,
    scoreCount: 0,
    interrupted: false,
    timing: { fetch_s: 0, claim_s: 0, score_s: 0, publish_s: 0, mark_s: 0 },
  };
  return s;
}
