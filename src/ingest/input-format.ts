import { extname } from 'node:path';

/**
 * How an input is read: `json` records (a JSON array, objects, JSONL), or text, one document
 * per input (`text`, `markdown`, `html`) or per non-empty line (`lines`).
 */
const INPUT_FORMATS = ['json', 'text', 'lines', 'markdown', 'html'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

const BY_EXTENSION: Record<string, InputFormat> = {
  json: 'json',
  jsonl: 'json',
  ndjson: 'json',
  txt: 'text',
  md: 'markdown',
  markdown: 'markdown',
  html: 'html',
  htm: 'html',
};

/** The extensions a directory walk picks up (without --glob). */
export const WALKED_EXTENSIONS = Object.keys(BY_EXTENSION);

/** The format a file's extension names, if it names one. */
function formatByExtension(path: string): InputFormat | undefined {
  return BY_EXTENSION[extname(path).slice(1).toLowerCase()];
}

/** One input to read: a file or `-` (stdin), and how to read it. */
export type IngestInput = {
  path: string;
  format: InputFormat;
  /**
   * Read as JSON although nothing said so (stdin, or a file whose extension names no format):
   * the input is first checked to start like JSON, so plain text gets one clear line, not an
   * error per word.
   */
  checkJson: boolean;
  /** Stdin's bytes once it has been peeked at (see sniff-json.ts). */
  source?: AsyncIterable<Buffer>;
};

/** How to read `path`: as `format` (`--format`) when given, else by its extension; stdin and other files as JSON. */
export function inputFor(path: string, format: InputFormat | undefined): IngestInput {
  const byName = path === '-' ? undefined : formatByExtension(path);
  if (format) return { path, format, checkJson: format === 'json' && byName !== 'json' };
  return { path, format: byName ?? 'json', checkJson: byName === undefined };
}
