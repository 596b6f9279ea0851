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

/** One line of plain text: whitespace runs become one space, control characters and escape sequences go. */
export function oneLine(text: string): string {
  return terminalText(text).replace(/\s+/g, ' ');
}

/**
 * Text from a model or a document made harmless on a terminal: escape sequences go whole (a
 * model's answer or a crawled link could otherwise set the window title, clear the screen or
 * write the clipboard with OSC 52), as does every other C0/C1 control character but newline and
 * tab. For text written whole; streamed text goes through `createTerminalTextFilter`.
 */
export const terminalText = (text: string): string => createTerminalTextFilter()(text);

// Where the filter stands: in text, or inside an escape sequence (ECMA-48's shapes).
type EscapeState = 'text' | 'esc' | 'esc-intermediate' | 'csi' | 'string' | 'string-esc';

const ESC = 0x1b;
const BEL = 0x07;
const isControl = (c: number) => c < 0x20 || (c >= 0x7f && c <= 0x9f);

/**
 * `terminalText` for text that arrives in pieces (a streamed answer): it keeps its place
 * between calls, so a sequence split across two pieces (ESC at the end of one, `[2J` at the
 * start of the next) is dropped whole too. A fresh filter for each text.
 */
export function createTerminalTextFilter(): (piece: string) => string {
  let state: EscapeState = 'text';
  return (piece) => {
    let out = '';
    for (let i = 0; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      switch (state) {
        case 'esc':
          if (c === 0x5b) state = 'csi'; // ESC [
          else if (c === 0x5d || c === 0x50 || c === 0x58 || c === 0x5e || c === 0x5f) state = 'string'; // OSC, DCS, SOS, PM, APC
          else if (c >= 0x20 && c <= 0x2f) state = 'esc-intermediate';
          else if (c >= 0x30 && c <= 0x7e) state = 'text'; // a two-character sequence (ESC c resets the terminal)
          else {
            state = 'text'; // not a sequence: the ESC goes, the character is read as text
            i--;
          }
          continue;
        case 'esc-intermediate':
          if (c >= 0x30 && c <= 0x7e) state = 'text';
          else if (c < 0x20 || c > 0x2f) {
            state = 'text';
            i--;
          }
          continue;
        case 'csi':
          if (c >= 0x40 && c <= 0x7e) state = 'text'; // the final byte
          else if (c < 0x20 || c > 0x3f) {
            state = 'text'; // a broken sequence ends here; the character is read as text
            i--;
          }
          continue;
        case 'string':
          // Ends at BEL or ST (ESC \ or 0x9c). One left open ends with its line, so that it
          // cannot swallow the rest of an answer here (a terminal would hide all of it).
          if (c === BEL || c === 0x9c) state = 'text';
          else if (c === ESC) state = 'string-esc';
          else if (c === 0x0a) {
            state = 'text';
            out += '\n';
          }
          continue;
        case 'string-esc':
          if (c === 0x5c) state = 'text';
          else {
            state = 'esc'; // ESC that is not ST starts another sequence
            i--;
          }
          continue;
        case 'text':
          if (c === ESC) state = 'esc';
          else if (c === 0x9b) state = 'csi';
          else if (c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) state = 'string';
          else if (!isControl(c) || c === 0x0a || c === 0x09) out += piece[i];
      }
    }
    return out;
  };
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
