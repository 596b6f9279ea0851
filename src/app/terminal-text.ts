import stringWidth from 'string-width';

// Text for a terminal: how wide it is there (CJK and most emoji take two columns), cut to a
// width without splitting a character a person sees as one, and what the terminal allows.

const DEFAULT_COLUMNS = 100;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The width to fit: `COLUMNS` when set to a positive number (a deliberate override: shells do
 * not export it), else the terminal's own, else 100 (not a terminal, or one that does not say).
 */
export function terminalColumns(stream: NodeJS.WriteStream = process.stdout): number {
  const env = Number(process.env.COLUMNS);
  if (Number.isInteger(env) && env > 0) return env;
  return stream.columns > 0 ? stream.columns : DEFAULT_COLUMNS;
}

/** Bold and the like only on a terminal, and never when NO_COLOR is set (no-color.org). */
export function colorAllowed(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

/** Columns the text takes on a terminal (ANSI styles take none). */
export const displayWidth = (text: string): number => stringWidth(text);

/** One line of plain text: whitespace runs become one space, control characters go. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\p{Cc}/gu, '');
}

/** The text cut to `width` columns with "…" at the cut, never inside a grapheme. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = displayWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** Padded with spaces to `width` columns, on the right (or the left, for numbers). */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'left' ? text + fill : fill + text;
}

/** Grapheme clusters with their display widths, for layouts that break lines themselves. */
export function splitGraphemes(text: string): { text: string; width: number }[] {
  return [...graphemes.segment(text)].map(({ segment }) => ({ text: segment, width: displayWidth(segment) }));
}
