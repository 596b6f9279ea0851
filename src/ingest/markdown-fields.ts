import type { OwnFields } from './text-fields.js';

// Front matter: a YAML block between `---` lines at the very top (Jekyll, Hugo, Obsidian, …).
const FRONT_MATTER = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/;

/**
 * A Markdown file's own fields. Its front matter gives `title`, `author` and `category` (when
 * they are strings), the rest of it goes to metadata, and it is left out of the content; else
 * the title is the first level-1 heading (`# Title`, or `Title` over `===`). The content is the
 * Markdown as written: the splitter knows headings, lists and code fences.
 */
export async function markdownFields(text: string): Promise<OwnFields> {
  const m = FRONT_MATTER.exec(text);
  const front = m ? await parseFrontMatter(m[1]!) : null;
  const body = (m && front && !('error' in front) ? text.slice(m[0].length) : text).trim();
  const own: OwnFields = { title: firstHeading(body), content: body, metadata: {} };
  if (!front) return own;
  if ('error' in front) return { ...own, warning: `front matter left in the text: ${front.error}` };
  const { title, author, category, ...metadata } = front.fields;
  // A field that is not a string (a list of authors, say) stays in metadata as written.
  for (const [k, v] of Object.entries({ title, author, category })) if (v !== undefined && str(v) === null) metadata[k] = v;
  return { ...own, title: str(title) ?? own.title, author: str(author), category: str(category), metadata };
}

async function parseFrontMatter(yamlText: string): Promise<{ fields: Record<string, unknown> } | { error: string }> {
  const { parse } = await import('yaml');
  let value: unknown;
  try {
    value = parse(yamlText, { logLevel: 'error' }); // an unknown tag is read as a plain value, without a warning on stderr
  } catch (err) {
    return { error: `not valid YAML (${(err as Error).message.split('\n')[0]})` };
  }
  if (value === null || value === undefined) return { fields: {} };
  if (typeof value !== 'object' || Array.isArray(value)) return { error: 'not a YAML mapping' };
  return { fields: value as Record<string, unknown> };
}

function str(v: unknown): string | null {
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ATX_H1 = /^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_H1 = /^ {0,3}=+[ \t]*$/;

/** The text of the first level-1 heading outside code fences, inline markup taken out. */
function firstHeading(markdown: string): string | null {
  let fence: string | null = null;
  let previous = '';
  for (const line of markdown.split('\n')) {
    const f = FENCE.exec(line);
    if (f && (fence === null || f[1]!.startsWith(fence))) {
      fence = fence === null ? f[1]![0]!.repeat(3) : null;
      previous = '';
      continue;
    }
    if (fence !== null) continue;
    const atx = ATX_H1.exec(line);
    if (atx && atx[1]!.trim() !== '') return plain(atx[1]!);
    if (SETEXT_H1.test(line) && previous.trim() !== '' && !/^ {4}/.test(previous)) return plain(previous);
    previous = line;
  }
  return null;
}

/** `[text](url)` → text, `**bold**`, `_em_`, `` `code` `` → their text. */
function plain(heading: string): string | null {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|\*|_|`)(\S(?:.*?\S)?)\1/g, '$2')
    .trim();
  return text === '' ? null : text.slice(0, 500);
}
