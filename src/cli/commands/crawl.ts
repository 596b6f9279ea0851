import { InvalidArgumentError, type Command } from 'commander';
import { PartialFailure } from '../../core/errors.js';
import { createContext, withRun, type Context } from '../context.js';
import { toPositiveInt, toPositiveNumber } from '../options.js';
import { printSummary } from '../print.js';
import type { CrawlPlanFlags } from '../../crawl/crawl-plan.js';

// The flags are the plan's input (a type-only import: nothing loads at start-up).
type CrawlFlags = CrawlPlanFlags & { links?: string; out?: string };

function toCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function register(program: Command): void {
  program
    .command('crawl')
    .description('Crawl links (articles, GitHub repositories, browser-rendered pages) into the document warehouse')
    .argument('[urls...]', 'http(s) links; GitHub repository roots are cloned')
    .option('--config <file>', 'a crawl config: an author and her links (e.g. configs/digital_data_etl.yaml)')
    .option('--links <file>', 'the same as --config, leaving the global --config for llmops.yaml')
    .option('--author <name>', 'author of the documents (overrides the config)')
    .option('--category <name>', 'category for article links (default articles; repositories get repositories)')
    .option('--out <file|->', 'also write the crawled documents as NDJSON to a file or stdout')
    .option('--refresh', 'fetch links already in the warehouse again (and update changed ones)')
    .option('--concurrency <n>', 'links crawled at once, overall (default 8)', toPositiveInt)
    .option('--per-host <n>', 'links crawled at once per host (default 2)', toPositiveInt)
    .option('--timeout <duration>', 'per request / page (default 30s; a git clone gets 4x)')
    .option('--max-mb <n>', 'largest response accepted, in MB (default 10)', toPositiveNumber)
    .option('--retries <n>', 'retries on transient failures (429, 5xx, resets, timeouts), with backoff (default 2)', toCount)
    .option('--ignore-robots', 'do not consult robots.txt (only for sites you own or may crawl)')
    .option('--allow-local', 'also accept local paths and file:// URLs (HTML files, git repositories), and let requests reach loopback, private, link-local and cloud-metadata addresses, refused by default on every redirect and browser request (env LLMOPS_ALLOW_LOCAL=1)')
    .option('--allow-host <host[:port]>', 'let requests reach this one local host (e.g. localhost:8080) while other local addresses stay refused; repeatable', collect)
    .option('--chromium <path>', 'Chromium for browser-rendered pages (env LLMOPS_CHROMIUM; default /usr/bin/chromium)')
    .option('--browser-domain <domain>', 'also render pages of this domain in the browser; repeatable (Medium always is)', collect)
    .option('--max-scrolls <n>', 'scrolls to load lazy content on a browser page (default 20)', toCount)
    .option('--user-agent <ua>', 'user agent (default: llmops/<version> with a link to the project)')
    .addHelpText(
      'after',
      `
Examples:
  llmops crawl https://example.com/blog/post-1 https://github.com/example/repo
  llmops crawl --config configs/digital_data_etl.yaml --concurrency 4 --per-host 1
  llmops crawl --config configs/digital_data_etl.yaml --refresh --out crawled.jsonl
  llmops crawl ./my-repo ./saved-page.html --allow-local --author "Ada Lovelace"
  llmops crawl https://medium.com/@someone/a-post --chromium /usr/bin/chromium --out - | jq .title

Network safety: a link, a redirect or a page's script may not reach 127.0.0.0/8, 10/8, 172.16/12,
192.168/16, 169.254/16 (cloud metadata), 100.64/10, 0.0.0.0, ::, ::1, fc00::/7, fe80::/10 or an
IPv4-mapped form of these; the check is on the resolved address at connect time.

Here --config names the crawl config (links) and llmops.yaml in the working directory is still
read; to name another llmops config as well: llmops --config other.yaml crawl --links links.yaml
Exit codes: 0 all crawled, 2 bad link or config (nothing fetched), 3 some links failed (the rest stored).`,
    )
    .action(async (urls: string[], flags: CrawlFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as Record<string, unknown> & { config?: string };
      // Commander gives `--config` to the program wherever it is written: for crawl it names the
      // links file, unless --links does, in which case it is the llmops config as everywhere else.
      const linksFile = flags.links ?? globals.config;
      const ctx = await createContext({ ...globals, config: flags.links !== undefined ? globals.config : undefined });
      const { planCrawl } = await import('../../crawl/crawl-plan.js');
      const plan = await planCrawl(urls, { ...flags, config: linksFile }, ctx.signal, ctx.logger);
      await runCrawlCommand(ctx, plan, flags.out);
    });
}

type Plan = Awaited<ReturnType<typeof import('../../crawl/crawl-plan.js').planCrawl>>;

async function runCrawlCommand(ctx: Context, plan: Plan, outTarget: string | undefined): Promise<void> {
  const { runCrawl } = await import('../../crawl/run-crawl.js');
  const { createNdjsonWriter } = await import('../../core/ndjson-writer.js');
  const db = await ctx.openDb();
  let store;
  const out = outTarget === undefined ? null : createNdjsonWriter(outTarget);
  try {
    store = await ctx.openWarehouse(db);
    const warehouse = store;
    const started = performance.now();
    const summary = await withRun(db, 'crawl', async () => {
      const s = await runCrawl(plan.targets, warehouse, plan.options, out ? (doc) => out.write(doc) : undefined);
      const status = s.interrupted ? 'interrupted' : s.failed > 0 ? 'partial' : 'ok';
      return { ...s, counts: { ...s }, status } as const;
    });
    await out?.close();
    const { counts: _c, status: _s, domains, ...totals } = summary;
    const toStderr = out?.kind === 'stdout';
    printSummary(
      ctx,
      'crawl',
      {
        ...totals,
        seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
        documents_in_store: await warehouse.count(),
        domains,
        note: summary.interrupted ? 'interrupted: run again to crawl the rest' : summary.attempted === 0 && summary.skipped_existing > 0 ? 'every link is already stored (--refresh to fetch again)' : undefined,
      },
      toStderr,
    );
    // Tables are for people; with NDJSON the domains are in the summary object.
    if (!ctx.json || toStderr) printDomains(domains, toStderr, ctx.logger.verbosity === 'quiet');
    if (summary.failed > 0) throw new PartialFailure(`crawl: ${summary.failed} of ${summary.attempted} links failed (reasons above)`);
  } catch (err) {
    await out?.abort();
    throw err;
  } finally {
    await store?.close();
    await db.close();
  }
}

function printDomains(domains: Record<string, { attempted: number; succeeded: number; failed: number; skipped: number; reasons: string[] }>, toStderr: boolean, quiet: boolean): void {
  if (toStderr && quiet) return;
  const names = Object.keys(domains).sort();
  if (names.length === 0) return;
  const width = Math.max(6, ...names.map((n) => n.length));
  const lines = [`  ${'domain'.padEnd(width)}  attempted  succeeded  failed  skipped`];
  for (const n of names) {
    const d = domains[n]!;
    lines.push(`  ${n.padEnd(width)}  ${String(d.attempted).padStart(9)}  ${String(d.succeeded).padStart(9)}  ${String(d.failed).padStart(6)}  ${String(d.skipped).padStart(7)}`);
    for (const r of d.reasons) lines.push(`    failed: ${r}`);
  }
  (toStderr ? process.stderr : process.stdout).write(`${lines.join('\n')}\n`);
}
