import { Readability } from '@mozilla/readability';
import { looksBinary } from '../text/binary-text.js';
import { removeBoilerplate } from './clean-dom.js';
import { htmlToParagraphs } from './html-to-text.js';
import { readPageMetadata } from './page-metadata.js';
import { parsePage } from './parse-page.js';

export type ExtractedArticle = {
  title: string | null;
  author: string | null;
  publishedAt: string | null;
  siteName: string | null;
  lang: string | null;
  excerpt: string | null;
  /** The body: paragraphs separated by a blank line. */
  content: string;
};

// Short lines that survive cleanup inside the article body but are not part of it.
const JUNK_PARAGRAPH =
  /^(advertisement|ad|sponsored|share( this)?( article| story| post)?|tweet|email|print|copy( link)?|read more|continue reading.*|related( articles| stories| topics)?:?|see also:?|click here.*|sign up.*|subscribe.*|follow us.*|photo(graph)?:.*|image( source)?[:,].*|getty images|listen to (this )?article.*|\d+ min(ute)? read\b.*|comments?( \(\d+\))?|back to top|next page.*|previous page.*|page \d+( of \d+)?|[\d.,]+[km]?|[•■◆●]|edit this page|last updated.*)$/i;

/**
 * The article in an HTML page: metadata from JSON-LD and meta tags, the body from
 * Readability run over a page first stripped of boilerplate, then as paragraphs of text.
 * Never throws: a page it cannot read gives an article with empty content.
 */
export function extractArticle(html: string, url: string): ExtractedArticle {
  // An image or archive served as text/html: its "text" is noise, not an article.
  if (looksBinary(html)) return emptyArticle();
  let article: ExtractedArticle | null = null;
  try {
    article = extractCleaned(html, url);
  } catch {
    // A tree the cleanup or Readability trips on: the fallbacks below still read the page.
  }
  if (article && article.content) return article;
  // Nothing left after cleanup (a page whose wrappers are all named like boilerplate, a page
  // with no <p>): plain Readability, then the visible text of the page.
  const content = safely(() => extractWithReadability(html).content.replace(/\n{3,}/g, '\n\n').trim()) || safely(() => pageText(html)) || '';
  return { ...(article ?? emptyArticle()), content };
}

function emptyArticle(): ExtractedArticle {
  return { title: null, author: null, publishedAt: null, siteName: null, lang: null, excerpt: null, content: '' };
}

function safely(f: () => string): string {
  try {
    return f();
  } catch {
    return '';
  }
}

/** The text of the page's body, scripts and styles left out: the last resort. */
function pageText(html: string): string {
  const { document } = parsePage(html);
  return htmlToParagraphs(document.body as never).join('\n\n');
}

function extractCleaned(html: string, url: string): ExtractedArticle {
  const { document } = parsePage(html);
  const meta = readPageMetadata(document as never, url);
  const { main } = removeBoilerplate(document as never);
  // The fallback is read before Readability, which rewrites the tree it is given.
  const body = document.body as never;
  const fallbackRoot = (document.querySelector('article') ?? document.querySelector('main') ?? document.querySelector('[role="main"]') ?? body) as never;
  const rootIsBody = fallbackRoot === body;
  narrowToArticle(document as never, main as never);
  const fallback = fallbackRoot ? htmlToParagraphs(fallbackRoot) : [];
  let paragraphs: string[] = [];
  let readabilityTitle: string | null = null;
  let byline: string | null = null;
  try {
    const result = new Readability(document as never, { serializer: (el: unknown) => el, charThreshold: 200 }).parse();
    if (result?.content) paragraphs = htmlToParagraphs(result.content as never);
    readabilityTitle = result?.title?.trim() || null;
    byline = result?.byline?.trim() || null;
  } catch {
    // Readability throws on some malformed trees: the cleaned page is still usable.
  }
  // Readability gives up or keeps a fragment on very short pages; the cleaned article or main
  // block is better then. The whole body is only a last resort: it still holds the page's chrome.
  if (paragraphs.length === 0 || (!rootIsBody && joinedLength(paragraphs) < 0.5 * joinedLength(fallback))) paragraphs = fallback;
  const title = meta.title ?? readabilityTitle;
  const author = meta.author ?? cleanByline(byline);
  paragraphs = polish(paragraphs, { title, author });
  return {
    title,
    author,
    publishedAt: meta.publishedAt,
    siteName: meta.siteName,
    lang: meta.lang,
    excerpt: meta.description,
    content: paragraphs.join('\n\n'),
  };
}

type Node = { tagName: string; parentElement: Node | null; getAttribute(n: string): string | null; textContent: string | null };
const ARTICLE_ROOT = (el: Node) =>
  el.tagName === 'ARTICLE' || el.tagName === 'MAIN' || el.getAttribute('role') === 'main' || el.getAttribute('itemprop') === 'articleBody';

/**
 * When the article body sits in an <article>, <main> or role=main element holding most of
 * what is left of the page, Readability only gets that element: the answer is the same and
 * scoring a small tree is several times cheaper than scoring the whole page.
 */
function narrowToArticle(doc: { body: Node & { replaceChildren(...n: unknown[]): void } | null }, main: Node | null): void {
  const body = doc.body;
  if (!body || !main) return;
  let root: Node | null = main;
  while (root && root !== body && !ARTICLE_ROOT(root)) root = root.parentElement;
  if (!root || root === body) return;
  const len = (n: Node) => (n.textContent ?? '').replace(/\s+/g, ' ').length;
  if (len(root) < 0.6 * len(body)) return;
  body.replaceChildren(root);
}

/** Plain Readability over linkedom, nothing else: the baseline the benchmark compares with. */
export function extractWithReadability(html: string): { title: string | null; content: string } {
  const { document } = parsePage(html);
  try {
    const result = new Readability(document as never).parse();
    return { title: result?.title ?? null, content: result?.textContent ?? '' };
  } catch {
    return { title: null, content: '' };
  }
}

function joinedLength(paragraphs: string[]): number {
  let n = 0;
  for (const p of paragraphs) n += p.length;
  return n;
}

function cleanByline(byline: string | null): string | null {
  if (!byline) return null;
  const name = byline.replace(/^\s*(by|written by|posted by|von|par)\s+/i, '').split(/\s*[|•·,]\s*|\s+on\s+|\s+-\s+/)[0]?.trim();
  return name && name.length <= 80 ? name : null;
}

function normal(s: string): string {
  return s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

function polish(paragraphs: string[], known: { title: string | null; author: string | null }): string[] {
  const title = known.title ? normal(known.title) : null;
  const author = known.author ? normal(known.author) : null;
  const out: string[] = [];
  const seen = new Set<string>();
  for (const [i, p] of paragraphs.entries()) {
    const n = normal(p);
    if (n === '') continue;
    if (JUNK_PARAGRAPH.test(p.trim())) continue;
    // The headline and byline at the top repeat the metadata.
    if (i < 4 && title && n === title) continue;
    if (i < 6 && author && p.length < 120 && (n === author || n === `by ${author}` || n.startsWith(`by ${author} `))) continue;
    // The same short line twice (a pull quote, a repeated caption) is noise.
    if (p.length < 200) {
      if (seen.has(n)) continue;
      seen.add(n);
    }
    out.push(p);
  }
  return out;
}
