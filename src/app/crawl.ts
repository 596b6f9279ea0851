import { PartialFailure } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import type { CrawlPlanFlags } from '../crawl/crawl-plan.js';
import type { DomainCounts } from '../crawl/run-crawl.js';
import { runCommand } from './command-scope.js';
import type { Context } from './context.js';
import { formatTable } from './table.js';
import { terminalColumns } from './terminal-text.js';

/** The flags are the plan's input; `config` names the links file. */
export type CrawlFlags = CrawlPlanFlags & { out?: string };

/** `llmops crawl`: every link once into the warehouse, a summary and a table per domain. */
export async function crawl(ctx: Context, urls: string[], flags: CrawlFlags): Promise<void> {
  const { planCrawl } = await import('../crawl/crawl-plan.js');
  // Planned before anything is opened: a bad link or config is exit 2 with no database made.
  const plan = await planCrawl(urls, flags, ctx.signal, ctx.logger);
  const { runCrawl } = await import('../crawl/run-crawl.js');
  await runCommand(ctx, async (scope) => {
    await scope.db();
    const out = flags.out === undefined ? null : scope.ndjson(flags.out);
    const warehouse = await scope.warehouse();
    const started = performance.now();
    const summary = await scope.run({ command: 'crawl' }, () => runCrawl(plan.targets, warehouse, plan.options, out ? (doc) => out.write(doc) : undefined));
    const { domains, ...totals } = summary;
    const toStderr = scope.stdoutIsData;
    await scope.finish('crawl', {
      ...totals,
      seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
      documents_in_store: await warehouse.count(),
      domains,
      note: summary.interrupted ? 'interrupted: run again to crawl the rest' : summary.attempted === 0 && summary.skipped_existing > 0 ? 'every link is already stored (--refresh to fetch again)' : undefined,
    });
    // Tables are for people; with NDJSON the domains are in the summary object.
    if (!ctx.json || toStderr) printDomains(domains, toStderr, ctx.logger.verbosity === 'quiet');
    if (summary.failed > 0) throw new PartialFailure(`crawl: ${summary.failed} of ${summary.attempted} links failed (reasons above)`);
  });
}

function printDomains(domains: Record<string, DomainCounts>, toStderr: boolean, quiet: boolean): void {
  if (toStderr && quiet) return;
  const names = Object.keys(domains).sort();
  if (names.length === 0) return;
  const stream = toStderr ? process.stderr : process.stdout;
  const counts = names.map((n) => [n, ...(['attempted', 'succeeded', 'failed', 'skipped'] as const).map((k) => String(domains[n]![k]))]);
  const [header, ...rows] = formatTable(['domain', 'attempted', 'succeeded', 'failed', 'skipped'], counts, { width: terminalColumns(stream), indent: 2, align: ['left', 'right', 'right', 'right', 'right'] });
  const lines = [header!];
  names.forEach((n, i) => {
    lines.push(rows[i]!);
    // Reasons are messages, not cells: whole, as a log line would be.
    for (const r of domains[n]!.reasons) lines.push(`    failed: ${redactText(r)}`);
  });
  stream.write(`${lines.join('\n')}\n`);
}
