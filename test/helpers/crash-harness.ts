import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HARNESS = fileURLToPath(new URL('../../bench/crash.mjs', import.meta.url));

export type CrashRow = { scenario: string; engine: string; kills: number; items: number; violations: string[]; notes: string[] };

/** Runs bench/crash.mjs (kill -9 at random points, then a rerun) with `--json`; its rows and exit code. */
export function runCrashHarness(args: string[]): Promise<{ code: number | null; rows: CrashRow[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARNESS, '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve({ code, rows: (JSON.parse(stdout.trim().split('\n').at(-1)!) as { rows: CrashRow[] }).rows, stderr });
      } catch (err) {
        reject(new Error(`crash harness printed no summary (exit ${code}): ${stderr.slice(-2000)}`, { cause: err }));
      }
    });
  });
}
