import type { Context } from './context.js';

/**
 * The result of a command on stdout: one NDJSON object for machines, aligned lines for people.
 */
export function printSummary(ctx: Context, command: string, summary: Record<string, unknown>, toStderr = false): void {
  if (ctx.json && !toStderr) {
    process.stdout.write(`${JSON.stringify({ command, ...summary })}\n`);
    return;
  }
  if (toStderr && ctx.logger.verbosity === 'quiet') return;
  const entries = Object.entries(summary).filter(([, v]) => v !== undefined && typeof v !== 'object');
  const width = Math.max(...entries.map(([k]) => k.length));
  const lines = entries.map(([k, v]) => `  ${k.replaceAll('_', ' ').padEnd(width)}  ${formatValue(v)}`);
  const out = `${command}\n${lines.join('\n')}\n`;
  (toStderr ? process.stderr : process.stdout).write(out);
}

function formatValue(v: unknown): string {
  if (typeof v === 'number' && !Number.isInteger(v)) return v.toFixed(2);
  if (typeof v === 'number') return v.toLocaleString('en-US');
  return String(v);
}
