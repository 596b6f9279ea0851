import { existsSync, statSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { InputError, LlmopsError } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { stdoutEpipeHandled } from '../core/stdout-epipe.js';
import { userCodeAwaited } from '../core/user-code-wait.js';
import { register as registerIngest } from './commands/ingest.js';
import { register as registerSplit } from './commands/split.js';
import { register as registerAnalyse } from './commands/analyse.js';
import { register as registerCrawl } from './commands/crawl.js';
import { register as registerFeaturize } from './commands/featurize.js';
import { register as registerInspect } from './commands/inspect.js';
import { register as registerMonitor } from './commands/monitor.js';
import { register as registerDedup } from './commands/dedup.js';
import { register as registerCache } from './commands/cache.js';
import { register as registerWhere } from './commands/where.js';
import { register as registerAsk } from './commands/ask.js';
import { register as registerChat } from './commands/chat.js';
import { register as registerServe } from './commands/serve.js';
import { applyConfigOptions } from './config-options.js';
import { VERSION } from '../core/version.js';
import { describePathError } from '../core/path-errors.js';
import { pgConnectionLost } from '../core/pg-connection-lost.js';

// Only commander and the command definitions load here; each command imports its stage
// when it runs, so `llmops --help` stays fast.

const MAX_PROBLEM_LINES = 20;

export function buildProgram(): Command {
  const program = new Command('llmops')
    .description('The life of text in an LLM application: bring documents in, split and analyse them, embed and search them, watch production traffic.')
    .version(VERSION, '-V, --version')
    .option('--db <path|url>', 'database: a SQLite path, sqlite:<path> or postgres://… (env LLMOPS_DB; default: the nearest .llmops/llmops.db here or in a parent folder, else ./.llmops/llmops.db, created by the first command that writes)')
    .option('--warehouse <url>', 'document warehouse in MongoDB: mongodb://… (env LLMOPS_WAREHOUSE; default: the --db database)')
    .option('--config <file>', 'config file: defaults for any command\'s options, keyed by flag name (default llmops.yaml here, else in the project root beside .llmops/)')
    .option('--json', 'print NDJSON on stdout even on a terminal')
    .option('-q, --quiet', 'only errors on stderr')
    .option('-v, --verbose', 'more detail on stderr')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    // llmops.yaml fills in the options of the command about to run that were not typed.
    .hook('preAction', (root, actionCommand) => applyConfigOptions(root, actionCommand))
    .addHelpText(
      'after',
      `
Exit codes: 0 done, 2 usage/config/input error (nothing written), 3 partial (some items failed), 1 other failure,
130/143 stopped by Ctrl-C/SIGTERM (what was done is kept; --watch, --every, --cron and serve exit 0 on it).
Output: data on stdout (NDJSON when piped or with --json, a summary on a terminal); logs on stderr.
Where the data lives, and why: llmops where`,
    );
  registerIngest(program);
  registerSplit(program);
  registerAnalyse(program);
  registerCrawl(program);
  registerFeaturize(program);
  registerMonitor(program);
  registerDedup(program);
  registerInspect(program);
  registerAsk(program);
  registerChat(program);
  registerCache(program);
  registerWhere(program);
  registerServe(program);
  return program;
}

function loadDotEnv(): void {
  // Values already in the environment win over .env, as with dotenv. A folder named .env (a
  // Python virtualenv made with `python -m venv .env`) is not one: every command failed on it.
  if (existsSync('.env') && statSync('.env').isFile()) process.loadEnvFile('.env');
}

export async function main(argv: string[]): Promise<number> {
  // A reader that goes away (`llmops … | head`) is not an error: stop quietly.
  // A command whose output sink stops on EPIPE itself (dedup: it records only what got out)
  // finishes its bookkeeping and returns instead.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      if (!stdoutEpipeHandled()) process.exit(0);
      return;
    }
    // Any other failure (`> /dev/full`, a full disk): one line and exit 1, as for `--out`.
    process.stderr.write(`llmops: cannot write to standard output: ${describePathError(err, { writing: true }) ?? err.code ?? err.message}\n`);
    process.exit(1);
  });
  const program = buildProgram();
  try {
    loadDotEnv();
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    return report(err);
  }
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return 2; // commander already printed the message
  }
  if (err instanceof InputError) {
    for (const p of err.problems.slice(0, MAX_PROBLEM_LINES)) process.stderr.write(`${redactText(p)}\n`);
    if (err.problems.length > MAX_PROBLEM_LINES) process.stderr.write(`… and ${err.problems.length - MAX_PROBLEM_LINES} more\n`);
  }
  const lost = pgConnectionLost(err);
  if (lost) {
    process.stderr.write(`llmops: lost the connection to PostgreSQL (${redactText(lost)}): what was committed is kept, and the next run carries on from there\n`);
    return 1;
  }
  if (err instanceof LlmopsError) {
    process.stderr.write(`llmops: ${redactText(err.message)}\n`);
    return err.exitCode;
  }
  const e = err as NodeJS.ErrnoException;
  // A file or folder named on the command line or in a config that cannot be read is the user's
  // to fix: one line naming it, exit 2 (the stage code need not wrap every read).
  const why = e?.path ? describePathError(e) : undefined;
  if (why) {
    process.stderr.write(`llmops: cannot read ${redactText(e.path!)}: ${why}\n`);
    return 2;
  }
  // One line: an SDK's message may go on with a dump of the response (LLMOPS_DEBUG shows the stack).
  process.stderr.write(`llmops: ${redactText(String(e?.message ?? err).split('\n')[0]!)}\n`);
  if (process.env.LLMOPS_DEBUG && e?.stack) process.stderr.write(`${redactText(e.stack)}\n`);
  return 1;
}

let finished = false;
// Node found nothing left to wait for while the command had not returned: a promise that never
// settles (a user module's top-level await, a hook's call) ended it with exit 0 and no word.
process.on('beforeExit', () => {
  if (finished) return;
  finished = true;
  const [awaited] = userCodeAwaited();
  process.stderr.write(`llmops: ${awaited ? `${redactText(awaited)} never finished (a promise that never settles)` : 'the command stopped before it finished (a promise that never settles)'}\n`);
  process.exitCode = awaited ? 2 : 70;
});

main(process.argv).then((code) => {
  finished = true;
  process.exitCode = code;
});
