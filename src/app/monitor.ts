import { PartialFailure, UsageError } from '../core/errors.js';
import { isStdoutPath } from '../core/output-file.js';
import type { LoadedMonitor } from '../monitor/monitor-config.js';
import type { OpenedMonitor } from '../monitor/open-monitor.js';
import type { MonitorRunResult } from '../monitor/run-monitor.js';
import type { Schedule } from '../monitor/schedule.js';
import type { Db } from '../store/database.js';
import type { ResolvedEnv } from '../llm/profiles/load-profiles.js';
import { runCommand, type CommandScope } from './command-scope.js';
import type { Context } from './context.js';
import { createLlmClient } from './llm-client.js';
import { prepareDb } from './stores.js';
import { formatTable } from './table.js';
import { terminalColumns } from './terminal-text.js';
import { webhookSecret } from './webhook.js';

export type MonitorFlags = { dryRun?: boolean; out?: string; env?: string; profiles?: string; every?: string; cron?: string; concurrency?: number; webhookPort?: number };

/** `llmops monitor <config.yaml>...`: once, or on a schedule with --every / --cron; exit 3 when items failed. */
export async function monitor(ctx: Context, configs: string[], flags: MonitorFlags): Promise<void> {
  const runs = await runMonitors(ctx, configs, flags);
  const failedRuns = runs.filter((r) => r.failed > 0).length;
  if (failedRuns > 0) throw new PartialFailure(`monitor: items failed in ${failedRuns} run(s) (recorded in monitor_items with their reason; the next run retries them)`);
  const invalid = runs.reduce((n, r) => n + r.invalid, 0);
  if (invalid > 0) throw new PartialFailure(`monitor: ${invalid} input(s) cannot be scored (recorded in monitor_items as invalid; later runs skip them)`);
}

/** Every monitor's runs (on a schedule, only those that failed items: a scheduled process runs for days). */
export async function runMonitors(ctx: Context, configs: string[], flags: MonitorFlags): Promise<MonitorRunResult[]> {
  if (configs.length === 0) throw new UsageError('monitor: name at least one config file (e.g. configs/monitor.yaml)');
  if (flags.every && flags.cron) throw new UsageError('monitor: --every and --cron do not go together');
  if (flags.webhookPort !== undefined && !flags.every && !flags.cron) throw new UsageError('monitor: --webhook-port goes with --every or --cron (a one-off run has no prompt cache to refresh)');
  if (flags.webhookPort !== undefined) webhookSecret('monitor --webhook-port');
  const { parseSchedule } = await import('../monitor/schedule.js');
  const schedule = await parseSchedule(flags);
  const loaded = await readConfigs(configs);
  return runCommand(ctx, async (scope) => {
    // The handle exists, the file does not yet: a problem found while setting the monitors up
    // (a metric module that does not load, a judge without its key) leaves no database behind.
    const db = scope.use(await prepareDb(ctx), (d) => d.close());
    const opened = await openMonitors(scope, loaded, db, flags);
    await db.ready();
    const out = flags.out ? scope.ndjson(flags.out, { label: 'monitor --out' }) : undefined;
    if (out) for (const o of opened) o.addOut(out);
    const { runMonitor } = await import('../monitor/run-monitor.js');
    const scheduled = schedule !== undefined;
    const runs: MonitorRunResult[] = [];
    const runOne = async (o: OpenedMonitor) => {
      const r = await runMonitor({ monitor: o.monitor, db, source: o.source(ctx.signal), extractor: o.extractor, metrics: o.metrics, publishers: o.publishers, dryRun: Boolean(flags.dryRun), logger: ctx.logger, signal: ctx.signal });
      printRun(ctx, r, out?.kind === 'stdout' || o.publishers.some((p) => p.name === 'stdout'));
      if (!scheduled || r.failed + r.invalid > 0) runs.push(r);
    };
    if (schedule === undefined) for (const o of opened) await runOne(o);
    else {
      scope.runsUntilInterrupted = true;
      await runOnSchedule(ctx, opened, schedule, flags.webhookPort, runOne);
    }
    return runs;
  });
}

/** Every config is checked before the database is opened: one bad file stops all, with every problem of every file. */
async function readConfigs(configs: string[]): Promise<LoadedMonitor[]> {
  const { readMonitorConfig } = await import('../monitor/monitor-config.js');
  const loaded: LoadedMonitor[] = [];
  const problems: string[] = [];
  for (const c of configs) {
    const r = await readMonitorConfig(c);
    problems.push(...r.problems);
    if (r.loaded) loaded.push(r.loaded);
  }
  if (problems.length) throw new UsageError(problems.join('\n'));
  return loaded;
}

/** Sets every monitor up (extractor, metrics, judges, publishers); the problems of all at once. */
async function openMonitors(scope: CommandScope, loaded: LoadedMonitor[], db: Db, flags: MonitorFlags): Promise<OpenedMonitor[]> {
  const { openMonitor } = await import('../monitor/open-monitor.js');
  // The judges' client logs and caches its calls in the command's database, made in one place.
  const openClient = (env: ResolvedEnv) => createLlmClient(scope.ctx, env, { db, cache: true });
  const deps = { openClient, db, logger: scope.ctx.logger, env: flags.env, profiles: flags.profiles, dryRun: Boolean(flags.dryRun), outIsStdout: flags.out !== undefined && isStdoutPath(flags.out) };
  const opened: OpenedMonitor[] = [];
  const problems: string[] = [];
  for (const m of loaded) {
    if (flags.concurrency) m.config.concurrency = flags.concurrency;
    try {
      opened.push(scope.use(await openMonitor(m, deps), (o) => o.close()));
    } catch (err) {
      if (err instanceof UsageError) problems.push(...err.message.split('\n'));
      else throw err;
    }
  }
  if (problems.length) throw new UsageError(problems.join('\n'));
  return opened;
}

/** --every / --cron, never overlapping, until Ctrl-C; with --webhook-port the prompt webhook in this process too. */
async function runOnSchedule(ctx: Context, opened: OpenedMonitor[], schedule: Schedule, webhookPort: number | undefined, runOne: (o: OpenedMonitor) => Promise<void>): Promise<void> {
  const { runScheduled } = await import('../monitor/schedule.js');
  const webhook = webhookPort === undefined ? undefined : await startWebhook(ctx, webhookPort);
  try {
    await runScheduled(
      opened.map((o) => ({ name: o.monitor.config.name, run: () => runOne(o) })),
      { schedule, signal: ctx.signal, logger: ctx.logger },
    );
  } finally {
    await webhook?.close();
  }
}

/** In this process, so a new prompt version reaches these monitors' judges at once. */
async function startWebhook(ctx: Context, port: number): Promise<{ close(): Promise<void> }> {
  const { createWebhookServer, listenWebhook, closeWebhook } = await import('../monitor/webhook/webhook-server.js');
  const server = createWebhookServer({ secret: webhookSecret('monitor --webhook-port'), maxBodyBytes: 256 * 1024, toleranceS: 300, logger: ctx.logger });
  const bound = await listenWebhook(server, port, '127.0.0.1');
  ctx.logger.info(`webhook: listening on http://127.0.0.1:${bound}/`);
  return { close: () => closeWebhook(server) };
}

function printRun(ctx: Context, r: MonitorRunResult, stdoutIsData: boolean): void {
  if (!ctx.printing) return;
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
    invalid: r.invalid || undefined,
    invalid_seen_before: r.invalid_seen_before || undefined,
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
  const lines = [`monitor ${r.monitor}${r.dry_run ? ' (dry run)' : ''}`];
  for (const [k, v] of Object.entries(summary)) if (v !== undefined && k !== 'monitor') lines.push(`  ${k.replaceAll('_', ' ').padEnd(16)} ${v}`);
  if (r.metrics.length) lines.push(...metricLines(r.metrics, terminalColumns(toStderr ? process.stderr : process.stdout)));
  (toStderr ? process.stderr : process.stdout).write(`${lines.join('\n')}\n`);
}

function metricLines(metrics: MonitorRunResult['metrics'], width: number): string[] {
  const rows = metrics.map((m) => [
    m.metric,
    String(m.count),
    m.mean === null ? '-' : m.mean.toFixed(3),
    m.pass_rate === null ? '-' : `${(m.pass_rate * 100).toFixed(1)}%`,
    String(m.failed),
  ]);
  return formatTable(['metric', 'count', 'mean', 'pass rate', 'failed'], rows, { width, indent: 2, align: ['left', 'right', 'right', 'right', 'right'] });
}
