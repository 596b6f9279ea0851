import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/llmops.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export type CliResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/** Runs the real, built binary as a child process, as a user's shell would. */
export function runCli(
  args: string[],
  opts: { cwd?: string; input?: string | Buffer; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return runProcess(process.execPath, [BIN, ...args], opts);
}

function runProcess(
  file: string,
  args: string[],
  opts: { cwd?: string; input?: string | Buffer; env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, LLMOPS_DB: undefined, LLMOPS_WAREHOUSE: undefined, ...opts.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(file, args, { cwd: opts.cwd ?? REPO, env: env as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

export type Started = {
  child: ChildProcess;
  /** Resolves when the process has ended, with what it wrote. */
  ended: Promise<CliResult>;
  out: () => { stdout: string; stderr: string };
};

/**
 * Starts `file args` to be signalled while it runs, with a kill timer: a process that hangs
 * comes back with signal SIGKILL instead of hanging the test. `detached` puts it in its own
 * process group, killed whole by the timer (a shell and what it started). `env` adds to ours.
 */
export function startProcess(file: string, args: string[], opts: { detached?: boolean; timeoutMs?: number; env?: Record<string, string> } = {}): Started {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached, env: opts.env ? { ...process.env, ...opts.env } : undefined });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => (opts.detached ? process.kill(-child.pid!, 'SIGKILL') : child.kill('SIGKILL')), opts.timeoutMs ?? 60_000);
  const ended = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, ended, out: () => ({ stdout, stderr }) };
}

/** stderr without the one line a command prints when it creates its SQLite database. */
export function withoutCreatedNote(stderr: string): string {
  return stderr.replace(/^llmops: created .* \(new database\)\n/, '');
}

/** Whether `script` (util-linux) is here to give the CLI a pseudo-terminal. */
export const hasScript = spawnSync('script', ['--version']).status === 0;

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Runs the built binary on a pseudo-terminal (`script`), as a person at a shell would: stdout
 * is a TTY, so tables and colours rather than NDJSON. Resolves to what the terminal showed
 * (stdout and stderr together, carriage returns dropped). Asynchronous, so that fakes served
 * by the test process (Qdrant) keep answering.
 */
export async function runOnTerminal(args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): Promise<string> {
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  const r = await runProcess('script', ['-qec', command, '/dev/null'], opts);
  return r.stdout.replace(/\r/g, '');
}

/** Parses NDJSON stdout into objects. */
export function ndjson(text: string): any[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/**
 * Runs the CLI as a user whom file permissions bind: as root (CI containers), as `nobody` in
 * a folder given to it, since root reads a mode-000 file anyway. `giveCwd: false` leaves the
 * folder's owner as it is (a folder that user may read and not write).
 */
export function runCliAsUnprivileged(args: string[], cwd: string, opts: { giveCwd?: boolean } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const root = process.getuid?.() === 0;
  if (root && opts.giveCwd !== false) chownTree(cwd, 65534, 65534);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: cwd },
      ...(root ? { uid: 65534, gid: 65534 } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (x) => (stdout += x));
    child.stderr.setEncoding('utf8').on('data', (x) => (stderr += x));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) chownTree(p, uid, gid);
    else chownSync(p, uid, gid);
  }
}
