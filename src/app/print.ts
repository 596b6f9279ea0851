import type { Context } from './context.js';

/**
 * The result of a command: one NDJSON object for machines, aligned lines for people. On stderr
 * when stdout carries the data (`--out -`), and then not at all with --quiet.
 */
export function printSummary(ctx: Context, command: string, summary: Record<string, unknown>, toStderr = false): void {
  if (!ctx.printing) return;
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

/** Rows on stdout: NDJSON for machines, an aligned table for people (long text cut to fit). */
export function printRows(ctx: Context, rows: Record<string, unknown>[], columns?: string[]): void {
  if (!ctx.printing) return;
  if (ctx.json) {
    for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cols = columns ?? Object.keys(rows[0]!);
  const cells = rows.map((r) => cols.map((c) => tableCell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`${line(cols)}\n${line(widths.map((w) => '─'.repeat(w)))}\n${cells.map(line).join('\n')}\n`);
}

function tableCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toFixed(4)))) : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}
