import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BIN, REPO } from './cli.js';

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The built binary on a pseudo-terminal (`script`) that a test types into, as a person would:
 * wait for a prompt, type a line, press Ctrl-C or Ctrl-D. What the terminal shows (stdout and
 * stderr together, echoed keys included) accumulates in `screen`, carriage returns dropped.
 */
export class TerminalSession {
  screen = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcessWithoutNullStreams;
  private waiters: (() => void)[] = [];

  constructor(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
    const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
    const env: Record<string, string | undefined> = { ...process.env, LLMOPS_DB: undefined, REDIS_URL: undefined, ...opts.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    this.child = spawn('script', ['-qec', command, '/dev/null'], { cwd: opts.cwd ?? REPO, env: env as NodeJS.ProcessEnv });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.screen += d.replace(/\r/g, '');
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr.resume();
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves once the screen, after `from` characters, shows `pattern` (the test's timeout bounds the wait). */
  async waitFor(pattern: RegExp | string, from = 0): Promise<string> {
    const found = () => {
      const rest = this.screen.slice(from);
      return typeof pattern === 'string' ? rest.includes(pattern) : pattern.test(rest);
    };
    while (!found()) {
      const closed = await Promise.race([new Promise<false>((r) => this.waiters.push(() => r(false))), this.exited.then(() => true)]);
      if (closed && !found()) throw new Error(`the program ended before showing ${pattern}; the screen:\n${this.screen}`);
    }
    return this.screen;
  }

  /** Types `text` (add '\r' for Enter, as a terminal sends it). */
  type(text: string): void {
    this.child.stdin.write(text);
  }

  /** Ends the keyboard: `script` then hangs up the terminal. */
  close(): void {
    this.child.stdin.end();
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
