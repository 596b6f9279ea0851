import { InvalidArgumentError, type Command } from 'commander';
import { createContext } from '../../app/context.js';
import type { CrawlFlags } from '../../app/crawl.js';
import { llmopsConfigFlag } from '../config-options.js';
import { toPositiveInt, toPositiveNumber } from '../options.js';

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
    .option('--timeout <duration>', 'per request / page, with a unit (default 30s; a git clone gets 4x)')
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
    .action(async (urls: string[], flags: CrawlFlags & { links?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as Record<string, unknown> & { config?: string };
      // Commander gives `--config` to the program wherever it is written: for crawl it names the
      // links file (over llmops.yaml's crawl.links), unless --links does, in which case it is the
      // llmops config as everywhere else.
      const { links, ...rest } = flags;
      const ctx = await createContext({ ...globals, config: llmopsConfigFlag(cmd) });
      const { crawl } = await import('../../app/crawl.js');
      await crawl(ctx, urls, { ...rest, config: cmd.getOptionValueSource('links') === 'cli' ? links : (globals.config ?? links) });
    });
}
