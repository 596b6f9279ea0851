import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BIN, REPO } from './cli.js';

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The built binary on a pseudo-terminal (`script`) that a test types into, as a person would:
 * wait for a prompt, type a line, press Ctrl-C or Ctrl-D. What the terminal shows (stdout and
 * stderr together, echoed keys included) accumulates in `screen`, carriage returns dropped.
 */
// Cursor moves and colours (CSI sequences), which readline and dim text write around the words.
const CSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** How long `waitFor` waits before failing with the screen: only a hang reaches it. */
const WAIT_LIMIT_MS = 60_000;

export class TerminalSession {
  private raw = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcessWithoutNullStreams;
  private waiters: (() => void)[] = [];

  constructor(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
    const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
    const env: Record<string, string | undefined> = { ...process.env, LLMOPS_DB: undefined, REDIS_URL: undefined, ...opts.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    this.child = spawn('script', ['-qec', command, '/dev/null'], { cwd: opts.cwd ?? REPO, env: env as NodeJS.ProcessEnv });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.raw += d;
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr.resume();
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** What the program wrote to the terminal, byte for byte (escape sequences included). */
  get output(): string {
    return this.raw;
  }

  /** What the terminal shows, as text: escape sequences and carriage returns dropped. */
  get screen(): string {
    return this.raw.replace(CSI, '').replace(/\r/g, '');
  }

  /**
   * Resolves once the screen, from index `from` on, shows `pattern`, to the index just past it
   * (where the next wait can start).
   */
  async waitFor(pattern: RegExp | string, from = 0): Promise<number> {
    const find = (): number => {
      const rest = this.screen.slice(from);
      if (typeof pattern === 'string') {
        const i = rest.indexOf(pattern);
        return i < 0 ? -1 : from + i + pattern.length;
      }
      const m = pattern.exec(rest);
      return m ? from + m.index + m[0].length : -1;
    };
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (let end = find(); ; end = find()) {
      if (end >= 0) return end;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the terminal did not show ${pattern}; the screen:\n${this.screen}`);
      const woke = new Promise<'data'>((r) => this.waiters.push(() => r('data')));
      const timer = new Promise<'time'>((r) => setTimeout(() => r('time'), left).unref());
      const why = await Promise.race([woke, timer, this.exited.then(() => 'exit' as const)]);
      if (why === 'exit' && find() < 0) throw new Error(`the program ended before showing ${pattern}; the screen:\n${this.screen}`);
    }
  }

  /** The program's exit, failing with the screen if it has not ended within the wait limit. */
  async exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the program did not end; the screen:\n${this.screen}`)), WAIT_LIMIT_MS);
    });
    try {
      return await Promise.race([this.exited, limit]);
    } finally {
      clearTimeout(timer);
    }
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
