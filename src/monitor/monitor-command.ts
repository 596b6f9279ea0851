import { PartialFailure, UsageError } from '../core/errors.js';
import type { Context } from '../cli/context.js';
import type { NdjsonWriter } from '../core/ndjson-writer.js';
import type { MonitorRunResult } from './run-monitor.js';

export type MonitorFlags = { dryRun?: boolean; out?: string; env?: string; profiles?: string; every?: string; cron?: string; concurrency?: number; webhookPort?: number };

/** `llmops monitor <config.yaml>...`: once, or on a schedule with --every / --cron. */
export async function monitorCommand(ctx: Context, configs: string[], flags: MonitorFlags): Promise<void> {
  if (configs.length === 0) throw new UsageError('monitor: name at least one config file (e.g. configs/monitor.yaml)');
  if (flags.every && flags.cron) throw new UsageError('monitor: --every and --cron do not go together');
  if (flags.webhookPort !== undefined && !flags.every && !flags.cron) throw new UsageError('monitor: --webhook-port goes with --every or --cron (a one-off run has no prompt cache to refresh)');
  if (flags.webhookPort !== undefined && !process.env.LANGFUSE_WEBHOOK_SECRET) throw new UsageError('monitor --webhook-port: LANGFUSE_WEBHOOK_SECRET is not set');
  const { readMonitorConfig } = await import('./monitor-config.js');
  // Every config is checked before the database is opened: one bad file stops all, with every
  // problem of every file, and leaves no database and no run behind.
  const loaded = [];
  const problems: string[] = [];
  for (const c of configs) {
    const r = await readMonitorConfig(c);
    problems.push(...r.problems);
    if (r.loaded) loaded.push(r.loaded);
  }
  if (problems.length) throw new UsageError(problems.join('\n'));
  // The handle exists, the file does not yet: a problem found while setting the monitors up
  // (a metric module that does not load, a judge without its key) leaves no database behind.
  const db = await ctx.prepareDb();
  const { createNdjsonWriter } = await import('../core/ndjson-writer.js');
  const { isStdoutPath } = await import('../core/output-file.js');
  let out: NdjsonWriter | undefined;
  const { openMonitor } = await import('./open-monitor.js');
  const opened: import('./open-monitor.js').OpenedMonitor[] = [];
  try {
    for (const m of loaded) {
      if (flags.concurrency) m.config.concurrency = flags.concurrency;
      try {
        opened.push(await openMonitor(m, { db, logger: ctx.logger, env: flags.env, profiles: flags.profiles, warehouseUrl: ctx.warehouseUrl, dryRun: Boolean(flags.dryRun), outIsStdout: flags.out !== undefined && isStdoutPath(flags.out) }));
      } catch (err) {
        if (err instanceof UsageError) problems.push(...err.message.split('\n'));
        else throw err;
      }
    }
    if (problems.length) throw new UsageError(problems.join('\n'));
    await db.ready();
    if (flags.out) {
      out = createNdjsonWriter(flags.out, { label: 'monitor --out' });
      for (const o of opened) o.addOut(out);
    }
    const { runMonitor } = await import('./run-monitor.js');
    let failedRuns = 0;
    const runOne = async (o: (typeof opened)[number]) => {
      const r = await runMonitor({ monitor: o.monitor, db, source: o.source(), extractor: o.extractor, metrics: o.metrics, publishers: o.publishers, dryRun: Boolean(flags.dryRun), logger: ctx.logger, signal: ctx.signal });
      printRun(ctx, r, out?.kind === 'stdout' || o.publishers.some((p) => p.name === 'stdout'));
      if (r.failed > 0) failedRuns++;
      return r;
    };
    if (!flags.every && !flags.cron) {
      for (const o of opened) await runOne(o);
    } else {
      const { runScheduled } = await import('./schedule.js');
      let webhook: import('node:http').Server | undefined;
      if (flags.webhookPort !== undefined) {
        // In this process, so a new prompt version reaches these monitors' judges at once.
        const { createWebhookServer } = await import('./webhook/webhook-server.js');
        webhook = createWebhookServer({ secret: process.env.LANGFUSE_WEBHOOK_SECRET!, maxBodyBytes: 256 * 1024, toleranceS: 300, logger: ctx.logger });
        await new Promise<void>((resolve, reject) => {
          webhook!.once('error', reject);
          webhook!.listen(flags.webhookPort, '127.0.0.1', () => resolve());
        });
        const addr = webhook.address();
        ctx.logger.info(`webhook: listening on http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : flags.webhookPort}/`);
      }
      await runScheduled(
        opened.map((o) => ({ name: o.monitor.config.name, run: async () => void (await runOne(o)) })),
        { every: flags.every, cron: flags.cron, signal: ctx.signal, logger: ctx.logger },
      ).finally(() => new Promise<void>((r) => (webhook ? webhook.close(() => r()) : r())));
    }
    await out?.close();
    if (failedRuns > 0) throw new PartialFailure(`monitor: items failed in ${failedRuns} run(s) (recorded in monitor_items with their reason; the next run retries them)`);
  } catch (err) {
    await out?.abort();
    throw err;
  } finally {
    for (const o of opened) await o.close();
    await db.close();
  }
}

function printRun(ctx: Context, r: MonitorRunResult, stdoutIsData: boolean): void {
  // When stdout carries score records, the summary goes to stderr.
  const toStderr = stdoutIsData;
  const summary = {
    monitor: r.monitor,
    source: r.source,
    fetched: r.fetched,
    already_scored: r.already_scored,
    sampled: r.sampled,
    scored_items: r.scored_items,
    scores: r.scores,
    failed: r.failed,
    claimed_elsewhere: r.claimed_elsewhere || undefined,
    skipped_budget: r.skipped_budget || undefined,
    judge_cost_usd: r.judge_cost_usd || undefined,
    elapsed_s: r.elapsed_s,
    note: r.dry_run ? 'dry run: nothing published, ledger untouched' : r.interrupted ? 'interrupted: the next run carries on' : r.sampled === 0 ? 'nothing new to score' : undefined,
  };
  if (r.timing) ctx.logger.debug(`monitor ${r.monitor}: ${Object.entries(r.timing).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (ctx.json && !toStderr) {
    process.stdout.write(`${JSON.stringify({ command: 'monitor', ...summary, metrics: r.metrics })}\n`);
    return;
  }
  if (ctx.logger.verbosity === 'quiet' && toStderr) return;
  const w = toStderr ? process.stderr : process.stdout;
  const lines = [`monitor ${r.monitor}${r.dry_run ? ' (dry run)' : ''}`];
  for (const [k, v] of Object.entries(summary)) if (v !== undefined && k !== 'monitor') lines.push(`  ${k.replaceAll('_', ' ').padEnd(16)} ${v}`);
  if (r.metrics.length) {
    lines.push(`  ${'metric'.padEnd(22)} ${'count'.padStart(7)} ${'mean'.padStart(9)} ${'pass rate'.padStart(9)} ${'failed'.padStart(7)}`);
    for (const m of r.metrics) {
      lines.push(
        `  ${m.metric.padEnd(22)} ${String(m.count).padStart(7)} ${(m.mean === null ? '-' : m.mean.toFixed(3)).padStart(9)} ${(m.pass_rate === null ? '-' : `${(m.pass_rate * 100).toFixed(1)}%`).padStart(9)} ${String(m.failed).padStart(7)}`,
      );
    }
  }
  w.write(`${lines.join('\n')}\n`);
}
