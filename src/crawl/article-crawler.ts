import { readFile, stat } from 'node:fs/promises';
import { CrawlError, type CrawledPage, type CrawlTarget } from './crawl-types.js';
import { decodeHtml } from '../html/decode-html.js';
import { extractArticle, type ExtractedArticle } from '../html/extract-article.js';
import type { Extractor } from './extract-pool.js';
import { fetchWithRetries, type FetchOptions } from './http-fetch.js';

const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)\b/i;

/** Fetches a page over HTTP (or reads a local file when allowed) and extracts the article. */
export async function crawlArticle(target: CrawlTarget, platform: string, fetchOpts: FetchOptions, extractor?: Extractor): Promise<CrawledPage> {
  let html: string;
  let contentType = 'text/html';
  const metadata: Record<string, unknown> = { crawler: 'article' };
  if (target.localPath) {
    const s = await stat(target.localPath);
    if (s.size > fetchOpts.maxBytes) throw new CrawlError(`file too large: ${s.size} bytes (limit ${fetchOpts.maxBytes})`);
    // The same encoding rules as a fetched page: a saved Shift_JIS page stays readable.
    html = decodeHtml(await readFile(target.localPath)).text;
    if (/\.(txt|md)$/i.test(target.localPath)) contentType = 'text/plain';
  } else {
    const res = await fetchWithRetries(target.link, fetchOpts);
    html = res.body;
    contentType = res.contentType || 'text/html';
    Object.assign(metadata, { status: res.status, final_url: res.url, bytes: res.bytes, ...(res.redirects.length ? { redirects: res.redirects } : {}) });
    if (!HTML_TYPES.test(contentType) && !/^text\/plain\b/i.test(contentType)) {
      throw new CrawlError(`not an HTML page (${contentType.split(';')[0] || 'no content type'})`);
    }
  }
  if (/^text\/plain\b/i.test(contentType)) return pageFromHtml(html, target, platform, metadata, true);
  const article = extractor ? await extractor.extract(html, target.link) : extractArticle(html, target.link);
  return pageFromArticle(article, target, platform, metadata);
}

/** Shared by the article and browser crawlers: extraction and the document's fields. */
export function pageFromHtml(html: string, target: CrawlTarget, platform: string, metadata: Record<string, unknown>, plainText = false): CrawledPage {
  if (plainText) {
    const content = html.replace(/\r\n?/g, '\n').trim();
    if (!content) throw new CrawlError('empty page');
    return { kind: 'article', platform, category: target.category ?? 'articles', title: null, author: target.author ?? null, content, metadata };
  }
  return pageFromArticle(extractArticle(html, target.link), target, platform, metadata);
}

function pageFromArticle(article: ExtractedArticle, target: CrawlTarget, platform: string, metadata: Record<string, unknown>): CrawledPage {
  if (!article.content.trim()) throw new CrawlError('no article text found on the page');
  return {
    kind: 'article',
    platform,
    category: target.category ?? 'articles',
    title: article.title,
    // The configured author is who the user is collecting; the page's byline is kept beside it.
    author: target.author ?? article.author,
    content: article.content,
    metadata: {
      ...metadata,
      ...(article.author ? { byline: article.author } : {}),
      ...(article.publishedAt ? { published_at: article.publishedAt } : {}),
      ...(article.siteName ? { site_name: article.siteName } : {}),
      ...(article.lang ? { lang: article.lang } : {}),
      ...(article.excerpt ? { excerpt: article.excerpt } : {}),
    },
  };
}
