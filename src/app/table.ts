import { displayWidth, pad, truncate } from './terminal-text.js';

// Aligned columns that fit the terminal: nothing wraps; the widest columns give way first and
// their long cells end in "…".

export type TableLayout = {
  /** Columns to fit, the indent included. */
  width: number;
  /** Spaces before each line. */
  indent?: number;
  /** A line of ─ under the header. */
  rule?: boolean;
  /** Per column; numbers read best on the right. */
  align?: ('left' | 'right')[];
  /** Per column: kept whole while other columns can give way (ids, which are copied, not read). */
  keep?: boolean[];
};

const GAP = 2;
// A column is not cut below this (or its own width): "ab…" still says something.
const MIN_WIDTH = 4;

/**
 * Column widths that add up to at most `available`: the widest column loses a column at a time,
 * so long text shrinks before short ids and numbers do; `keep` columns only once no other can.
 * None goes below MIN_WIDTH; when even that does not fit, the lines themselves are cut
 * (formatTable).
 */
function fitWidths(natural: number[], available: number, keep: boolean[] = []): number[] {
  const widths = [...natural];
  let excess = widths.reduce((s, w) => s + w, 0) - available;
  const widestOf = (kept: boolean) => {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      if (Boolean(keep[i]) !== kept) continue;
      if (widths[i]! > Math.min(natural[i]!, MIN_WIDTH) && (widest < 0 || widths[i]! >= widths[widest]!)) widest = i;
    }
    return widest;
  };
  while (excess > 0) {
    let widest = widestOf(false);
    if (widest < 0) widest = widestOf(true);
    if (widest < 0) break;
    widths[widest]!--;
    excess--;
  }
  return widths;
}

/** The table's lines: the header, the rule if asked for, then one line per row. */
export function formatTable(headers: string[], rows: string[][], layout: TableLayout): string[] {
  const indent = ' '.repeat(layout.indent ?? 0);
  const natural = headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]!))));
  const available = layout.width - indent.length - GAP * Math.max(0, headers.length - 1);
  const widths = fitWidths(natural, available, layout.keep);
  const line = (cells: string[]) => {
    const text = indent + cells.map((c, i) => pad(truncate(c, widths[i]!), widths[i]!, layout.align?.[i])).join(' '.repeat(GAP)).trimEnd();
    return truncate(text, layout.width);
  };
  const lines = [line(headers)];
  if (layout.rule) lines.push(line(widths.map((w) => '─'.repeat(w))));
  for (const r of rows) lines.push(line(r));
  return lines;
}
