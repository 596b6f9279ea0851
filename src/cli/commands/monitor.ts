import type { Command } from 'commander';
import { createContext } from '../../app/context.js';
import type { MonitorFlags } from '../../app/monitor.js';
import type { WebhookFlags } from '../../app/webhook.js';
import { toPort, toPositiveInt } from '../options.js';

export function register(program: Command): void {
  const monitor = program
    .command('monitor')
    .description('Score production LLM traffic (Langfuse, Slack, llm_calls, JSONL) with heuristics and LLM judges; each item once')
    .argument('[configs...]', 'monitor YAML file(s), e.g. configs/monitor.yaml')
    .option('--dry-run', 'fetch, sample and score, but publish nothing and leave the ledger untouched')
    .option('--out <file|->', 'also write the scores as NDJSON to a file or stdout (a copy: the record is what publish names; a file is renamed into place when the command ends)')
    .option('--env <name>', 'profiles env for judge metrics (default: the config\'s env, LLMOPS_ENV, else offline)')
    .option('--profiles <file>', 'profiles file (env LLMOPS_PROFILES)')
    .option('--concurrency <n>', 'scores in flight at once (overrides the config)', toPositiveInt)
    .option('--every <interval>', 'keep running: every interval, with a unit, at least 1s (e.g. 15m, 1h, 30d), until Ctrl-C')
    .option('--cron <expr>', 'keep running on a cron schedule (e.g. "0 * * * *"; one that never fires is refused), until Ctrl-C')
    .option('--webhook-port <n>', 'with --every/--cron: also serve the Langfuse prompt webhook here, refreshing these judges\' prompts', toPort)
    .addHelpText(
      'after',
      `
Examples:
  llmops monitor configs/monitor.yaml                     score new items, publish, print a summary
  llmops monitor configs/monitor.yaml --dry-run --out -   scores as NDJSON, nothing recorded
  llmops monitor configs/*.yaml --every 1h                several monitors, hourly, never overlapping
  llmops monitor configs/monitor.yaml --cron "5 * * * *" --env anthropic
  llmops monitor configs/monitor.yaml --every 1h --webhook-port 8787   new judge prompts apply at once
  llmops monitor webhook --port 8787                      Langfuse prompt webhook alone (see its --help)

Already-scored items are skipped through the ledger (per item, metric and version); failed items
are recorded and retried by the next run, exit 3. A rate limit is waited out for up to 60 s (a
longer retry-after fails the run, exit 1); Ctrl-C stops a waiting source at once.`,
    )
    .action(async (configs: string[], flags: MonitorFlags, cmd: Command) => {
      const app = await import('../../app/monitor.js');
      await app.monitor(await createContext(cmd.optsWithGlobals()), configs, flags);
    });
  monitor
    .command('webhook')
    .description('Serve Langfuse prompt-version webhooks: verify the signature, refresh cached prompts, optionally tell Slack')
    .option('--port <n>', 'port to listen on (0: any free port, printed on stderr)', toPort, 8787)
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--slack-channel <id>', 'post a message to this channel on each new prompt version (needs SLACK_BOT_TOKEN)')
    .option('--max-body-kb <n>', 'reject bodies larger than this', toPositiveInt, 256)
    .option('--tolerance <seconds>', 'replay window for the signature timestamp', toPositiveInt, 300)
    .addHelpText(
      'after',
      `
Examples:
  LANGFUSE_WEBHOOK_SECRET=… llmops monitor webhook --port 8787
  llmops monitor webhook --slack-channel C0123456 --tolerance 120

The secret comes from LANGFUSE_WEBHOOK_SECRET. Unsigned, tampered or stale requests get 401.
A delivery handled already (the same signed event id, else body) gets 200 with duplicate: true and
does nothing; one whose Slack message failed gets 502, so Langfuse retries it.`,
    )
    .action(async (flags: WebhookFlags, cmd: Command) => {
      const { monitorWebhook } = await import('../../app/webhook.js');
      await monitorWebhook(await createContext(cmd.optsWithGlobals()), flags);
    });
}
