import { randomUUID } from 'node:crypto';
import { sha256Hex } from '../../core/ids.js';
import { redactDeep, redactText } from '../../core/redact.js';
import { insertShared, type SqlColumn } from '../../store/bulk-sql.js';
import type { NdjsonWriter } from '../../core/ndjson-writer.js';
import type { Db } from '../../store/database.js';
import type { EvalItem, Score } from '../types.js';

/** Where scores go. A batch is published to every publisher before its ledger keys are marked done. */
export interface Publisher {
  readonly name: string;
  publish(batch: { scores: Score[]; items: EvalItem[]; runId: string; monitor: string; source: string }): Promise<void>;
  close(): Promise<void>;
}

/** Deterministic: republishing a score replaces it (SQL) or updates it (Langfuse). */
const scoreId = (s: Score) => {
  const h = sha256Hex(['score', s.source, s.monitor, s.item_id, s.metric, s.metric_version].join('\u0000'));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

// Per-row columns; run_id, monitor, source and created_at are shared by a whole batch.
const ITEM_COLUMNS: SqlColumn[] = [{ name: 'item_id' }, { name: 'trace_id' }, { name: 'input' }, { name: 'output' }, { name: 'context' }, { name: 'metadata', pg: 'jsonb' }];
const SCORE_COLUMNS: SqlColumn[] = [
  { name: 'id' },
  { name: 'item_id' },
  { name: 'trace_id' },
  { name: 'metric' },
  { name: 'metric_version' },
  { name: 'value', pg: 'real' },
  { name: 'pass', pg: 'integer' },
  { name: 'comment' },
  { name: 'scorer' },
];

function redactNullable(v: string | null | undefined): string | null {
  return v == null ? null : redactText(v);
}

/** Normalised tables monitor_items and monitor_scores (the run's `runs` row is written by the run itself). */
export function sqlPublisher(db: Db): Publisher {
  return {
    name: 'sql',
    async publish({ scores, items, runId, monitor, source }) {
      const now = new Date().toISOString();
      await db.db.transaction().execute(async (trx) => {
        const shared = (status?: string) => [
          { name: 'run_id', value: runId },
          { name: 'monitor', value: monitor },
          { name: 'source', value: source },
          { name: 'created_at', value: now, pg: 'timestamptz' },
          ...(status ? [{ name: 'status', value: status }] : []),
        ];
        for (let i = 0; i < items.length; i += 300) {
          // Production traces may carry a key a user pasted: stored masked, as the call log is.
          const rows = items.slice(i, i + 300).map((it) => [it.id, it.trace_id ?? null, redactNullable(it.input), redactNullable(it.output), redactNullable(it.context ?? null), JSON.stringify(redactDeep({ ...it.metadata, timestamp: it.timestamp, latency_ms: it.latency_ms }))]);
          await insertShared(trx, 'monitor_items', shared('scored'), ITEM_COLUMNS, rows, 'on conflict (run_id, item_id) do nothing');
        }
        for (let i = 0; i < scores.length; i += 300) {
          // Comments arrive masked (score-batches.ts), as every publisher gets them.
          const rows = scores.slice(i, i + 300).map((s) => [scoreId(s), s.item_id, s.trace_id ?? null, s.metric, s.metric_version, s.value, s.pass === undefined ? null : s.pass ? 1 : 0, s.comment ?? null, s.scorer ?? null]);
          await insertShared(trx, 'monitor_scores', shared(), SCORE_COLUMNS, rows, 'on conflict (source, monitor, item_id, metric, metric_version) do update set value = excluded.value, pass = excluded.pass, comment = excluded.comment, run_id = excluded.run_id, created_at = excluded.created_at');
        }
      });
    },
    async close() {},
  };
}

function scoreRecord(s: Score): Record<string, unknown> {
  return {
    monitor: s.monitor,
    source: s.source,
    run_id: s.run_id,
    item_id: s.item_id,
    trace_id: s.trace_id,
    metric: s.metric,
    metric_version: s.metric_version,
    value: s.value,
    pass: s.pass,
    comment: s.comment,
    scorer: s.scorer,
    created_at: s.created_at,
  };
}

/** NDJSON score records, one a line (stdout or a file written atomically). */
export function ndjsonPublisher(writer: NdjsonWriter, name = 'stdout'): Publisher {
  return {
    name,
    async publish({ scores }) {
      for (const s of scores) await writer.write(scoreRecord(s));
    },
    close: () => writer.close(),
  };
}

/**
 * Langfuse scores through @langfuse/client. Its `score.create` queues and swallows delivery
 * errors; we need to know a batch landed before marking the ledger, so we send the same
 * `score-create` ingestion events through the client's API (`api.ingestion.batch`) and check
 * the per-event result.
 */
export async function langfusePublisher(opts: { baseUrl?: string; comment: boolean; environment?: string }): Promise<Publisher> {
  for (const v of ['LANGFUSE_PUBLIC_KEY', 'LANGFUSE_SECRET_KEY']) {
    if (!process.env[v]) {
      const { UsageError } = await import('../../core/errors.js');
      throw new UsageError(`publish langfuse: ${v} is not set`);
    }
  }
  const { LangfuseClient } = await import('@langfuse/client');
  const { langfuseFailure } = await import('../../llm/langfuse-errors.js');
  const baseUrl = opts.baseUrl ?? process.env.LANGFUSE_BASE_URL ?? process.env.LANGFUSE_HOST;
  const client = new LangfuseClient({
    publicKey: process.env.LANGFUSE_PUBLIC_KEY,
    secretKey: process.env.LANGFUSE_SECRET_KEY,
    baseUrl,
  });
  return {
    name: 'langfuse',
    async publish({ scores }) {
      const withTrace = scores.filter((s) => s.trace_id);
      for (let i = 0; i < withTrace.length; i += 100) {
        const batch = withTrace.slice(i, i + 100).map((s) => ({
          id: randomUUID(),
          type: 'score-create' as const,
          timestamp: new Date().toISOString(),
          body: {
            // Deterministic: a republished score updates the one already there.
            id: scoreId(s),
            traceId: s.trace_id!,
            observationId: s.observation_id,
            name: s.metric,
            value: s.value ?? (s.pass === undefined ? 0 : Number(s.pass)),
            dataType: 'NUMERIC' as const,
            comment: opts.comment ? s.comment : undefined,
            environment: opts.environment,
            metadata: { monitor: s.monitor, metric_version: s.metric_version, pass: s.pass, scorer: s.scorer, run_id: s.run_id },
          },
        }));
        let res;
        try {
          res = await client.api.ingestion.batch({ batch });
        } catch (err) {
          throw langfuseFailure(err, 'publish langfuse', baseUrl);
        }
        if (res.errors.length > 0) {
          const e = res.errors[0]!;
          throw new Error(`Langfuse refused ${res.errors.length} of ${batch.length} score(s): ${e.status} ${e.message ?? ''}`.trim());
        }
      }
    },
    async close() {},
  };
}
