// Title, author, date and site of a page, from the places publishers put them: JSON-LD
// first (most complete), then Open Graph / article / Dublin Core meta tags, then markup.

type El = { textContent: string | null; getAttribute(name: string): string | null };
type Doc = {
  title?: string;
  documentElement: El | null;
  querySelector(sel: string): El | null;
  querySelectorAll(sel: string): ArrayLike<El>;
};

export type PageMetadata = {
  title: string | null;
  author: string | null;
  publishedAt: string | null;
  siteName: string | null;
  lang: string | null;
  description: string | null;
};

const ARTICLE_TYPES = /^(Article|NewsArticle|BlogPosting|TechArticle|Report|ScholarlyArticle|DiscussionForumPosting|SocialMediaPosting|WebPage|QAPage|Question)$/;

export function readPageMetadata(doc: Doc, _url: string): PageMetadata {
  const ld = readJsonLd(doc);
  // One pass over the meta tags; a selector per name was most of the cost of this function.
  const metas = new Map<string, string>();
  for (const el of Array.from(doc.querySelectorAll('meta[content]'))) {
    const content = el.getAttribute('content')?.trim();
    if (!content) continue;
    for (const attr of ['property', 'name', 'itemprop']) {
      const key = el.getAttribute(attr);
      if (key && !metas.has(key.toLowerCase())) metas.set(key.toLowerCase(), content);
    }
  }
  const meta = (...names: string[]) => {
    for (const n of names) {
      const v = metas.get(n.toLowerCase());
      if (v) return v;
    }
    return null;
  };
  const text = (sel: string) => {
    const v = doc.querySelector(sel)?.textContent?.replace(/\s+/g, ' ').replace(/[\s¶#\u200b]+$/, '').trim();
    return v || null;
  };
  const twitterLabel = meta('twitter:label1');
  const title = ld.title ?? meta('og:title', 'twitter:title', 'dc.title', 'DC.title') ?? text('article h1') ?? text('h1') ?? stripSiteName(doc.title ?? text('title'));
  const authorMeta = meta('author', 'article:author', 'dc.creator', 'DC.creator', 'parsely-author', 'sailthru.author', 'twitter:creator');
  const author =
    ld.author ??
    (authorMeta && !/^https?:/.test(authorMeta) ? authorMeta : null) ??
    text('[itemprop="author"] [itemprop="name"]') ??
    text('[rel="author"]') ??
    text('[itemprop="author"]') ??
    (twitterLabel && /written by|author/i.test(twitterLabel) ? meta('twitter:data1') : null) ??
    shortName(doc, '[data-testid="authorName"], [class*="author-name"], [class*="authorName"], [class*="author"] .fn, .post-signature.owner .user-details a, .topic-owner .username, [class*="username"]') ??
    byline(text('.byline, .author, .post-author, .article-author, [class*="byline"]'));
  const published =
    ld.published ??
    meta('article:published_time', 'datePublished', 'date', 'pubdate', 'publish-date', 'dc.date', 'DC.date', 'parsely-pub-date', 'sailthru.date') ??
    doc.querySelector('[itemprop="datePublished"]')?.getAttribute('datetime') ??
    doc.querySelector('article time[datetime], time[datetime]')?.getAttribute('datetime') ??
    textDate(doc);
  return {
    title: title ? title.slice(0, 500) : null,
    author: author ? author.slice(0, 200) : null,
    publishedAt: toIsoDate(published),
    siteName: meta('og:site_name', 'application-name') ?? ld.publisher,
    lang: doc.documentElement?.getAttribute('lang') ?? null,
    description: meta('description', 'og:description', 'twitter:description'),
  };
}

type LdFacts = { title: string | null; author: string | null; published: string | null; publisher: string | null };

function readJsonLd(doc: Doc): LdFacts {
  const facts: LdFacts = { title: null, author: null, published: null, publisher: null };
  for (const script of Array.from(doc.querySelectorAll('script[type="application/ld+json"]'))) {
    let data: unknown;
    try {
      data = JSON.parse(script.textContent ?? '');
    } catch {
      continue;
    }
    for (const node of flatten(data)) {
      const type = ([] as unknown[]).concat(node['@type']).map(String);
      if (!type.some((t) => ARTICLE_TYPES.test(t))) continue;
      facts.title ??= str(node.headline) ?? str(node.name);
      facts.author ??= personName(node.author);
      facts.published ??= str(node.datePublished) ?? str(node.dateCreated);
      facts.publisher ??= personName(node.publisher);
    }
  }
  return facts;
}

function flatten(data: unknown): Record<string, unknown>[] {
  if (Array.isArray(data)) return data.flatMap(flatten);
  if (data && typeof data === 'object') {
    const o = data as Record<string, unknown>;
    return [o, ...(Array.isArray(o['@graph']) ? flatten(o['@graph']) : [])];
  }
  return [];
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() ? v.trim() : null;
}

function personName(v: unknown): string | null {
  if (typeof v === 'string') return str(v);
  if (Array.isArray(v)) {
    const names = v.map(personName).filter((n): n is string => n !== null);
    return names.length ? names.join(', ') : null;
  }
  if (v && typeof v === 'object') return str((v as Record<string, unknown>).name);
  return null;
}

/** The first short, name-like text among the elements `sel` selects. */
function shortName(doc: Doc, sel: string): string | null {
  for (const el of Array.from(doc.querySelectorAll(sel)).slice(0, 10)) {
    const t = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
    if (t && t.length <= 60 && t.split(' ').length <= 5 && !/\d{3}|about|follow|written by/i.test(t)) return t;
  }
  return null;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** A date written out in a byline or date element ("Mar 4, 2024", "4 March 2024", "2024-03-04"). */
function textDate(doc: Doc): string | null {
  const els = Array.from(doc.querySelectorAll('time, [class*="date"], [class*="byline"], [class*="meta"], [class*="posted"]')).slice(0, 20);
  for (const el of els) {
    const t = (el.textContent ?? '').slice(0, 200);
    let m = /\b(\d{4})-(\d{2})-(\d{2})\b/.exec(t);
    if (m) return `${m[1]}-${m[2]}-${m[3]}`;
    m = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b/i.exec(t);
    if (m) return utcDay(Number(m[3]), MONTHS.indexOf(m[1]!.toLowerCase()), Number(m[2]));
    m = /\b(\d{1,2})\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(\d{4})\b/i.exec(t);
    if (m) return utcDay(Number(m[3]), MONTHS.indexOf(m[2]!.toLowerCase()), Number(m[1]));
  }
  return null;
}

function utcDay(year: number, month: number, day: number): string | null {
  if (month < 0 || day < 1 || day > 31) return null;
  return new Date(Date.UTC(year, month, day)).toISOString();
}

function byline(v: string | null): string | null {
  if (!v) return null;
  const name = v.replace(/^\s*(by|written by|posted by)\s+/i, '').split(/\s*[|•·]\s*|\s+on\s+|,\s*/)[0]?.trim();
  return name && name.length <= 80 ? name : null;
}

function stripSiteName(title: string | null): string | null {
  if (!title) return null;
  const parts = title.split(/\s+[|–—-]\s+/);
  return (parts.length > 1 ? parts.sort((a, b) => b.length - a.length)[0] : title)?.trim() || null;
}

function toIsoDate(v: string | null): string | null {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
