import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pageFromHtml } from '../../src/crawl/article-crawler.js';
import { CrawlError, type CrawlTarget } from '../../src/crawl/crawl-types.js';
import { extractArticle } from '../../src/html/extract-article.js';
import { rng } from '../../bench/rng.js'; // seeded: the same pages on every run, so a failure repeats

// Whatever the page, extraction gives an article or the crawl a one-line reason: never an
// exception out of the DOM library or Readability.

const target: CrawlTarget = { link: 'https://news.test/story', input: 'https://news.test/story', domain: 'news.test' };
const news = readFileSync(new URL('../fixtures/crawl/news-article.html', import.meta.url), 'utf8');
const SENTENCE = 'The council voted on Tuesday to rebuild the old stone bridge over the river before winter.';
const article = `<h1>Bridge to be rebuilt</h1>${Array.from({ length: 6 }, (_, i) => `<p>${SENTENCE} Paragraph ${i + 1} adds that the work will take about nine months and cost the town less than expected.</p>`).join('')}`;

/** An article, or a CrawlError with a one-line reason: what a crawl of `html` yields. */
function outcome(html: string): { content: string } | { reason: string } {
  const a = extractArticle(html, target.link);
  expect(typeof a.content).toBe('string');
  for (const v of [a.title, a.author, a.publishedAt, a.siteName, a.lang, a.excerpt]) expect(v === null || typeof v === 'string').toBe(true);
  try {
    return { content: pageFromHtml(html, target, 'news.test', {}).content };
  } catch (err) {
    expect(err).toBeInstanceOf(CrawlError);
    const reason = (err as Error).message;
    expect(reason).not.toContain('\n');
    return { reason };
  }
}

const keepsArticle = (html: string) => {
  const o = outcome(html);
  expect(o).toHaveProperty('content');
  expect((o as { content: string }).content).toContain(SENTENCE);
};

describe('extraction of odd pages keeps the article', () => {
  it.each([
    ['no doctype', `<html><head><title>Bridge</title></head><body>${article}</body></html>`],
    ['no <html>, <head> or <body>', `<title>Bridge</title>${article}`],
    ['a bare <body>', `<body>${article}</body>`],
    ['only paragraphs', article],
    ['a byte order mark', `\uFEFF<!DOCTYPE html><html><body>${article}</body></html>`],
    ['comments and text before <html>', `<!-- saved from url=(0042)https://news.test/ -->\n\n<!DOCTYPE html>stray<html><body>${article}</body></html>`],
    ['XHTML with an XML declaration', `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en"><head><title>Bridge</title></head><body><div class="post">${article}</div></body></html>`],
    ['a frameset with <noframes>', `<html><head><title>Bridge</title></head><frameset cols="20%,80%"><frame src="nav.html"><frame src="main.html"><noframes><body>${article}</body></noframes></frameset></html>`],
    // Readability deletes <html> when its class looks like boilerplate (WordPress Avada theme).
    ['<html class> Readability takes for a header', `<!DOCTYPE html><html class="avada-html-layout-wide avada-html-header-position-top" lang="de"><body>${article}</body></html>`],
    ['<html class> with a menu in it', `<!DOCTYPE html><html class="no-js no-js-burgerMenu preload"><body><div class="main">${article}</div></body></html>`],
    ['<head> after <body>', `<body>${article}</body><head><title>Bridge</title></head>`],
    ['two <html> elements', `<html><body><p>Intro.</p></body></html><html><body>${article}</body></html>`],
    ['a 3 MB inline script before the article', `<html><head><script>var data = "${'x'.repeat(3_000_000)}";</script></head><body>${article}</body></html>`],
    ['wrappers all named like boilerplate', `<html><body><div class="site-header-wrapper"><div class="sidebar-layout"><div class="share-container">${article}</div></div></div></body></html>`],
    ['an article in <div>s with <br> and no <p>', `<html><body><div id="content">${Array.from({ length: 6 }, () => `${SENTENCE}<br><br>`).join('')}</div></body></html>`],
    ['500 levels of nesting', `<html><body>${'<div><span>'.repeat(250)}${article}${'</span></div>'.repeat(250)}</body></html>`],
  ])('%s', (_name, html) => keepsArticle(html));

  it('a page truncated anywhere still gives its text up to the cut', () => {
    const full = `<!DOCTYPE html><html><head><title>Bridge</title></head><body><main>${article}</main><footer>© News</footer></body></html>`;
    const firstEnd = full.indexOf(SENTENCE) + SENTENCE.length;
    for (let cut = firstEnd; cut <= full.length; cut += 37) keepsArticle(full.slice(0, cut));
  });

  it('a real news page stays whole after the fixes (regression guard)', () => {
    const o = outcome(news) as { content: string };
    expect(o.content).toMatch(/^The river that runs through the old town burst its banks/);
  });
});

describe('pages with nothing to read give a one-line reason', () => {
  it.each([
    ['empty', ''],
    ['whitespace', ' \n\t \r\n '],
    ['binary (a PNG served as HTML)', `\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\b\x06\0\0\0\x5c\x72\xa8\x66${'\0\x01\x02\x03'.repeat(200)}`],
    ['only a doctype', '<!DOCTYPE html>'],
    ['only scripts and styles', '<html><head><style>p{}</style></head><body><script>app()</script></body></html>'],
    ['an empty frameset', '<html><frameset><frame src="a.html"></frameset></html>'],
  ])('%s', (_name, html) => {
    expect(outcome(html)).toEqual({ reason: 'no article text found on the page' });
  });

  it('ten thousand levels of nesting: the article text, without a stack overflow or minutes of work', () => {
    keepsArticle(`<html><body>${"<div>".repeat(10_000)}${article}${"</div>".repeat(10_000)}</body></html>`);
  });
});


const FRAGMENTS = [
  '<html>', '</html>', '<body>', '</body>', '<head>', '</head>', '<!DOCTYPE html>', '<?xml version="1.0"?>', '\uFEFF', '<!--', '-->', '<![CDATA[', ']]>',
  '<script>', '</script>', '<style>', '<template>', '<frameset>', '<noframes>', '<table>', '<td>', '</p>', '<p', '<div class="header sidebar">', '</div></div></div>',
  '<svg><foreignObject><p>', '<math>', '<textarea>', '<plaintext>', '<html class="comment-header">', '&#0;', '&#xD800;', '&amp', '\0', '\uFFFD', '"\'>', '<a href="javascript:x">',
];

function mangle(page: string, next: () => number): string {
  let s = page;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const at = () => Math.floor(next() * (s.length + 1));
  const steps = 1 + Math.floor(next() * 6);
  for (let i = 0; i < steps; i++) {
    const op = Math.floor(next() * 6);
    if (op === 0) s = s.slice(0, at()); // truncated
    else if (op === 1) {
      const a = at();
      s = s.slice(0, a) + s.slice(a + Math.floor(next() * 2000)); // a hole
    } else if (op === 2) {
      const a = at();
      s = s.slice(0, a) + pick(FRAGMENTS) + s.slice(a); // stray markup
    } else if (op === 3) {
      const a = at();
      const len = Math.floor(next() * 64);
      s = s.slice(0, a) + String.fromCharCode(...Array.from({ length: len }, () => Math.floor(next() * 256))) + s.slice(a); // binary noise
    } else if (op === 4) {
      const a = at();
      s = s.slice(0, a) + s.slice(a, a + 500).repeat(1 + Math.floor(next() * 4)) + s.slice(a + 500); // repeated slice
    } else s = s.replace(/<(\/?)(html|head|body)\b[^>]*>/gi, (m) => (next() < 0.5 ? '' : m)); // tags lost
  }
  return s;
}

describe('mangled pages (seeded generator)', () => {
  it('300 mangled versions of a news page: never an exception, an article or a one-line reason', () => {
    const next = rng(20240611);
    const seeds = [news, `<html><body>${article}</body></html>`, `<title>x</title>${article}`];
    for (let i = 0; i < 300; i++) {
      const html = mangle(seeds[i % seeds.length]!, next);
      try {
        outcome(html);
      } catch (err) {
        throw new Error(`case ${i} (${html.length} chars, starts ${JSON.stringify(html.slice(0, 80))}): ${(err as Error).message}`);
      }
    }
  });
});
