import type { Context } from './context.js';
import { redactDeep } from '../core/redact.js';
import { formatTable } from './table.js';
import { oneLine, terminalColumns } from './terminal-text.js';

/**
 * The result of a command: one NDJSON object for machines, aligned lines for people. On stderr
 * when stdout carries the data (`--out -`), and then not at all with --quiet.
 */
export function printSummary(ctx: Context, command: string, fields: Record<string, unknown>, toStderr = false): void {
  if (!ctx.printing) return;
  // A summary names links and reasons (crawl's per-domain failures): a token in a link's query
  // was printed as given, where the log and the runs table mask it.
  const summary = redactDeep(fields);
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

/** Records on stdout: NDJSON for machines; for people the lines `render` makes of them, or "(none)". */
export function printRecords<R>(ctx: Context, records: R[], render: (records: R[]) => string[]): void {
  if (!ctx.printing) return;
  if (ctx.json) {
    for (const r of records) process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  process.stdout.write(`${(records.length === 0 ? ['(none)'] : render(records)).join('\n')}\n`);
}

/** Rows on stdout: NDJSON for machines, for people a table cut to the terminal's width. */
export function printRows(ctx: Context, rows: Record<string, unknown>[], columns?: string[]): void {
  printRecords(ctx, rows, () => {
    const cols = columns ?? Object.keys(rows[0]!);
    const cells = rows.map((r) => cols.map((c) => tableCell(r[c])));
    // A column of numbers (blanks aside) is right-aligned, so the digits line up.
    const align = cols.map((c) => (rows.every((r) => typeof r[c] === 'number' || r[c] == null) ? 'right' : 'left') as 'left' | 'right');
    // A row's own id (the first column: inspect's listings) is copied into the next command:
    // whole while anything else can give way. An id further right (dedup's dropped_id) gives
    // way like any column, so that titles stay readable on a narrow terminal.
    const keep = cols.map((c, i) => i === 0 && (c === 'id' || c.endsWith('_id')));
    return formatTable(cols, cells, { width: terminalColumns(), rule: true, align, keep });
  });
}

function tableCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toFixed(4)))) : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return oneLine(s);
}
