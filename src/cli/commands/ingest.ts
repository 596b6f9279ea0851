import { Option, type Command } from 'commander';
import { createContext } from '../../app/context.js';
import type { IngestFlags } from '../../app/ingest.js';
import { fromConfig } from '../config-options.js';
import { toPositiveNumber } from '../options.js';

export function register(program: Command): void {
  program
    .command('ingest')
    .description('Store JSON records, text, Markdown and HTML files, or stdin as documents (idempotent: same input, nothing new)')
    .argument('<inputs...>', 'files, directories (their .json/.jsonl/.ndjson/.txt/.md/.html files) or - for stdin')
    .addOption(new Option('--format <format>', 'read every input as this (default: by extension; stdin and other files: json)').choices(['json', 'text', 'lines', 'markdown', 'html']))
    .option('--glob <pattern>', "which files of a directory to read, e.g. '**/*.md' (hidden folders and node_modules skipped)")
    .option('--title <text>', 'title of the document(s) read as text, instead of the heading or file name')
    .option('--text-field <path>', 'field holding the text, a dot path such as review.body (default: text, content or body)')
    .option('--title-field <path>', 'field holding the title (default: title)')
    .option('--id-field <path>', 'field holding the record id, used for the document id (default: id)')
    .option('--link-field <path>', 'field holding the link (default: link or url)')
    .option('--author-field <path>', 'field holding the author (default: author)')
    .option('--category-field <path>', 'field holding the category (default: category)')
    .option('--category <name>', 'category for records that have none (default: documents)')
    .option('--author <name>', 'author for records that have none')
    .option('--source <name>', 'source for records that have none; part of the document id (default: ingest)')
    .option('--restore', 'every input is an `inspect export` (with or without its header line): restore ids, sources, timestamps as exported')
    .option('--skip-invalid', 'store the valid records, report the invalid ones, exit 3')
    .option('--max-record-mb <n>', 'largest record (or text file) accepted, in MB (default 64)', toPositiveNumber)
    .addHelpText(
      'after',
      `
Text inputs make one document each: .txt (title: the file name), .md/.markdown (title: the
front matter's title: or the first # heading; author:, category: and the rest of the front matter
are kept), .html/.htm (the article text only, as crawl extracts it; title from the page). The
document's link is the file's file:/// URL and its id comes from it, so a changed file updates
its document. --format text reads stdin (or a file) as one document, --format lines as one per
non-empty line. Empty inputs are skipped with a note; binary data, and inputs over
--max-record-mb, are invalid. The --*-field flags apply to JSON records.

A file made by \`llmops inspect export\` starts with a header line and is restored as exported
(same ids, replacing stored documents with those ids). Export records anywhere else are refused;
an export without its header line needs --restore. Text is stored so that every engine keeps it
exactly: a lone surrogate (\\ud800) becomes U+FFFD and NUL (\\u0000) is removed, each reported
as a warning; integers beyond 2^53 are kept as strings of their exact digits.

Examples:
  llmops ingest data/                          every JSON, text, Markdown and HTML file under data/
  llmops ingest notes/ --glob '**/*.md'        only the Markdown files
  llmops ingest reviews.jsonl --text-field review.body --category reviews
  cat posts.jsonl | llmops ingest - --source forum --skip-invalid
  pbpaste | llmops ingest - --format text --title "Meeting notes"
  llmops ingest app.log --format lines         one document per line
  llmops --db copy.db ingest backup.jsonl      restore an inspect export`,
    )
    .action(async (inputs: string[], flags: IngestFlags, cmd: Command) => {
      const { ingest } = await import('../../app/ingest.js');
      await ingest(await createContext(cmd.optsWithGlobals()), inputs, flags, fromConfig(cmd));
    });
}
