import type { SearchResult } from '../search/search-results.js';
import type { Context } from './context.js';
import { printRecords } from './print.js';
import { colorAllowed, oneLine, pad, splitGraphemes, terminalColumns, truncate } from './terminal-text.js';

// `inspect search` for people: per hit a title line, where it comes from, and the snippet with
// the query's words in bold, all within the terminal's width. NDJSON for machines.

const SNIPPET_LINES = 4;
const BOLD = '\x1b[1m';
const NORMAL = '\x1b[22m';

export function printSearchResults(ctx: Context, results: SearchResult[]): void {
  printRecords(ctx, results, () => {
    const width = terminalColumns();
    const bold = colorAllowed();
    const indent = String(results.length).length + 2;
    // A blank line between hits.
    return results.flatMap((r, i) => [...(i > 0 ? [''] : []), ...hitLines(r, width, indent, bold)]);
  });
}

function hitLines(r: SearchResult, width: number, indent: number, bold: boolean): string[] {
  const margin = ' '.repeat(indent);
  const score = `score ${Number(r.score.toFixed(4))}`;
  const label = pad(`${r.rank}.`, indent);
  const name = truncate(oneLine(r.title ?? r.document_id), Math.max(1, width - indent - score.length - 2));
  const head = truncate(`${label}${name}  ${score}`, width);
  // The link last: the longest, so the one a narrow terminal cuts.
  const where = [`chunk ${r.chunk_index}${r.token_count === null ? '' : ` (${r.token_count} tokens)`}`, r.category, r.author, r.source, r.link];
  const lines = [head, fit(margin, where.filter((x) => x).join(' · '), width)];
  const meta = Object.entries(r.metadata ?? {}).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  if (meta.length > 0) lines.push(fit(margin, meta.join(' · '), width));
  for (const line of wrapMarked(r.snippet, r.highlights, Math.max(1, width - indent), bold)) lines.push(margin + line);
  return lines;
}

const fit = (margin: string, text: string, width: number) => truncate(margin + oneLine(text), width);

type Glyph = { text: string; width: number; marked: boolean };

/**
 * The snippet broken between words into lines of at most `width` columns (a word longer than
 * a line is cut between graphemes), at most SNIPPET_LINES of them, the marked ranges in bold.
 */
function wrapMarked(snippet: string, highlights: [number, number][], width: number, bold: boolean): string[] {
  const glyphs: Glyph[] = [];
  let at = 0; // code points so far: the unit of `highlights`
  for (const g of splitGraphemes(snippet)) {
    glyphs.push({ ...g, marked: highlights.some(([s, e]) => at >= s && at < e) });
    at += [...g.text].length;
  }
  const lines: Glyph[][] = [];
  let line: Glyph[] = [];
  let used = 0;
  for (const g of glyphs) {
    if (used + g.width > width && line.length > 0) {
      const space = line.findLastIndex((x) => x.text === ' ');
      const carry = space > 0 ? line.splice(space).slice(1) : [];
      lines.push(line);
      line = carry;
      used = carry.reduce((s, x) => s + x.width, 0);
    }
    if (line.length === 0 && g.text === ' ') continue;
    line.push(g);
    used += g.width;
  }
  if (line.length > 0) lines.push(line);
  if (lines.length > SNIPPET_LINES) {
    const last = lines[SNIPPET_LINES - 1]!;
    let w = last.reduce((s, x) => s + x.width, 0);
    while (last.length > 0 && w + 1 > width) w -= last.pop()!.width;
    last.push({ text: '…', width: 1, marked: false });
    lines.length = SNIPPET_LINES;
  }
  return lines.map((l) => render(l, bold));
}

function render(line: Glyph[], bold: boolean): string {
  let out = '';
  let on = false;
  for (const g of line) {
    if (bold && g.marked !== on) {
      out += g.marked ? BOLD : NORMAL;
      on = g.marked;
    }
    out += g.text;
  }
  return on ? out + NORMAL : out;
}
