import { Option, type Command } from 'commander';
import { createContext } from '../../app/context.js';
import type { ServeFlags } from '../../app/serve.js';
import { toPort, toPositiveInt } from '../options.js';
import { toAddressList, toByteSize, toDuration, toOrigins, toRate, toTokenTtl } from '../serve-options.js';
import { registerServeUserCommands } from './serve-user.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  const serve = program
    .command('serve')
    .description('Serve answers over HTTP: accounts, sessions with history, /chat (JSON or streamed with Server-Sent Events), /search, a chat page at /, health, metrics and an OpenAPI document')
    .option('--port <n>', 'port to listen on (0: any free port, printed on stderr)', toPort, 8080)
    .option('--host <addr>', 'address to bind (0.0.0.0 to accept connections from other machines)', '127.0.0.1')
    .option('--env <name>', 'profiles env that answers: offline (default: extractive, no key), anthropic, openai, ollama, … (env LLMOPS_ENV)')
    .option('--profiles <file>', 'profiles file (env LLMOPS_PROFILES)')
    .option('--extractive', 'no model, whatever the env: answers are the sources\' best-matching sentences')
    .option('--collection <name>', 'collections /chat searches when a request names none (repeatable; default every embedded one)', collect)
    .option('--k <n>', 'chunks retrieved per question when a request does not say', toPositiveInt, 5)
    .option('--budget <tokens>', 'tokens a prompt may take: instructions, history, question and retrieved chunks', toPositiveInt, 3000)
    .option('--max-tokens <n>', 'longest answer a model may write, in tokens', toPositiveInt, 1024)
    .option('--cors-origin <origins>', 'let pages from these origins call the API (comma-separated or repeated; default: CORS off)', toOrigins)
    .option('--trust-proxy <addresses>', 'believe X-Forwarded-For from these proxies (addresses or CIDR ranges, comma-separated or repeated), so limits per address see the client; default: never', toAddressList)
    .addOption(new Option('--rate-limit <n/window>', 'requests per user (per address before login), e.g. 60/min, 5/s').argParser(toRate).default({ max: 60, windowMs: 60_000 }, '60/min'))
    .addOption(new Option('--body-limit <size>', 'largest request body (413 beyond it), e.g. 64kb, 1mb').argParser(toByteSize).default(64 * 1024, '64kb'))
    .addOption(new Option('--request-timeout <duration>', 'a JSON answer gets this long; a stream may run longer while it keeps moving (no pause this long)').argParser(toDuration).default(60_000, '60s'))
    .addOption(new Option('--token-ttl <duration>', 'how long a login token stays valid (at least 1s)').argParser(toTokenTtl).default(3_600_000, '1h'))
    .addOption(new Option('--shutdown-grace <duration>', 'on SIGTERM/SIGINT, how long answers in flight may take to finish').argParser(toDuration).default(30_000, '30s'))
    .option('--models-dir <dir>', 'where local models live (for minilm collections)')
    .addHelpText(
      'after',
      `
Examples:
  llmops serve user add alice                          make an account (the password is prompted)
  llmops serve                                         http://127.0.0.1:8080, offline answers
  OPENAI_API_KEY=… llmops serve --env openai --port 9000
  LLMOPS_JWT_SECRET=… REDIS_URL=redis://127.0.0.1:6379 llmops serve --host 0.0.0.0 --db postgres://…
  curl -s localhost:8080/auth/token -H 'content-type: application/json' \\
       -d '{"username":"alice","password":"…"}' | jq -r .token

Routes: POST /auth/token, GET|POST /sessions, GET /sessions/:id/messages, DELETE /sessions/:id,
POST /chat (Accept: text/event-stream for a stream), POST /search, GET /healthz, /readyz,
/metrics (Prometheus), /openapi.json, / (the chat page). Everything but the last five and
/auth/token needs Authorization: Bearer <token>.
Tokens are signed with LLMOPS_JWT_SECRET, else with a secret made once and kept in the
database. Sessions live in the database, or in Redis when REDIS_URL is set.
Prints "llmops serve: listening on http://…" on stderr once it accepts connections;
SIGTERM or Ctrl-C stops accepting and lets answers in flight finish (exit 0).`,
    )
    .action(async (flags: ServeFlags, cmd: Command) => {
      const { serve: run } = await import('../../app/serve.js');
      await run(await createContext(cmd.optsWithGlobals()), flags);
    });
  registerServeUserCommands(serve);
}
