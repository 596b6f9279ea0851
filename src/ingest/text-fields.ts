/** What a text input says about itself; flags and defaults fill in the rest (text-documents.ts). */
export type OwnFields = {
  title: string | null;
  author?: string | null;
  category?: string | null;
  content: string;
  metadata: Record<string, unknown>;
  /** Something the reader could not use, reported as a warning (the document is stored). */
  warning?: string;
};

/** A plain text file has no title of its own: the file name stands in (text-documents.ts). */
export function plainTextFields(text: string): OwnFields {
  return { title: null, content: text.trim(), metadata: {} };
}

/**
 * An HTML file reduced to its article, by the crawler's extractor: title from JSON-LD,
 * og:title, the first <h1> or <title>; the byline as author; date, site, language and
 * description in metadata under the crawler's keys. No text left: empty content.
 */
export async function htmlFields(html: string, link: string | null): Promise<OwnFields> {
  // Loaded on the first HTML file: linkedom and Readability cost ~70 ms, which a JSON run need not pay.
  const { extractArticle } = await import('../html/extract-article.js');
  const a = extractArticle(html, link ?? '');
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of [['published_at', a.publishedAt], ['site_name', a.siteName], ['lang', a.lang], ['excerpt', a.excerpt]] as const) if (value) metadata[key] = value;
  return { title: a.title, author: a.author, content: a.content.trim(), metadata };
}
