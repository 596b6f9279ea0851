// Removes what is not the article before Readability scores the page: navigation, ads,
// comment threads, cookie banners, newsletter boxes, share bars, related-story rails.
// Readability alone keeps many of these when they sit inside the article container.

type El = {
  tagName: string;
  className?: string;
  id?: string;
  textContent: string | null;
  parentElement: El | null;
  getAttribute(name: string): string | null;
  querySelectorAll(sel: string): ArrayLike<El>;
  remove(): void;
};

// Captions and credits are not the article's text ("Photograph: Getty").
const REMOVE_TAGS = 'script, style, noscript, template, svg, iframe, form, button, select, textarea, input, nav, aside, footer, dialog, header, object, embed, canvas, figcaption';
const REMOVE_ROLES = '[role="navigation"], [role="banner"], [role="contentinfo"], [role="complementary"], [role="dialog"], [role="alertdialog"], [role="search"], [role="menu"], [role="menubar"], [aria-hidden="true"], [hidden], [aria-modal="true"]';

// Words in a class or id that mark boilerplate. Matched on whole words of the name
// (split on -, _ and case changes), so `post-header` matches and `adventure` does not.
const BOILERPLATE_WORDS = new Set([
  'ad', 'ads', 'adv', 'advert', 'adverts', 'advertisement', 'advertising', 'adslot', 'dfp', 'sponsor', 'sponsored', 'promo', 'promoted',
  'cookie', 'cookies', 'consent', 'gdpr', 'cmp', 'newsletter', 'subscribe', 'subscription', 'signup', 'paywall',
  'share', 'sharing', 'sharebar', 'social', 'follow', 'related', 'recommended', 'recommendations', 'recirc', 'trending', 'popular', 'outbrain', 'taboola',
  'comment', 'comments', 'disqus', 'replies', 'respond', 'discussion',
  'nav', 'navbar', 'navigation', 'menu', 'breadcrumb', 'breadcrumbs', 'pagination', 'pager', 'toc', 'sidebar', 'sidenav', 'rail',
  'footer', 'masthead', 'header', 'topbar', 'toolbar', 'banner', 'popup', 'modal', 'overlay', 'skip', 'widget', 'byline', 'dateline', 'meta', 'tag', 'tags', 'author', 'bio',
  'cta', 'upgrade', 'more', 'pullquote', 'readmore', 'keepreading', 'onwards', 'newsletters', 'promos', 'sponsoredlinks',
]);

// A short block whose text says it is boilerplate.
const BOILERPLATE_TEXT =
  /\b(we use cookies|uses cookies|accept (all )?cookies|cookie (policy|settings|preferences)|subscribe to (our|the) newsletter|sign up for (our|the) newsletter|get the newsletter|enter your email|advertisement|sponsored content|share this (article|story|post)|related (articles|stories|posts)|recommended for you|you might also like|more from|read next|leave a (comment|reply)|all rights reserved)\b/i;

function nameWords(value: string | null | undefined): string[] {
  if (!value) return [];
  const words: string[] = [];
  for (const name of value.split(/\s+/)) {
    const parts = name
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
    words.push(...parts);
    // `top-bar`, `pull-quote`, `read-more`: the joined pair is the word.
    for (let i = 0; i + 1 < parts.length; i++) words.push(parts[i]! + parts[i + 1]!);
  }
  return words;
}

// Content-level elements keep their place whatever their class says (`anchorWithStickyNavbar` on an h2).
const CONTENT_TAGS = new Set(['H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'PRE', 'CODE', 'BLOCKQUOTE', 'TABLE', 'TR', 'TD', 'TH']);

function isProtected(el: El): boolean {
  const tag = el.tagName.toUpperCase();
  return tag === 'HTML' || tag === 'BODY' || tag === 'MAIN' || tag === 'ARTICLE';
}

// Raw length, whitespace included: only ever compared as a share of the page, and
// normalising whitespace on every candidate cost more than the rest of the cleanup.
function textLength(el: El): number {
  return (el.textContent ?? '').length;
}

function mainParagraphParent(body: El): El | null {
  const score = new Map<El, number>();
  for (const p of Array.from(body.querySelectorAll('p, pre'))) {
    const parent = p.parentElement;
    if (parent) score.set(parent, (score.get(parent) ?? 0) + textLength(p));
  }
  let best: El | null = null;
  let bestScore = 0;
  for (const [el, n] of score) {
    if (n > bestScore) {
      best = el;
      bestScore = n;
    }
  }
  return best;
}

/**
 * Cleans `doc` in place. Returns how many elements were removed and the element holding most
 * of the paragraph text (the likely article body), if any.
 */
export function removeBoilerplate(doc: { body: El | null }): { removed: number; main: El | null } {
  const body = doc.body;
  if (!body) return { removed: 0, main: null };
  const total = Math.max(1, textLength(body));
  let removed = 0;
  // The element holding the most paragraph text is almost always the article body; it and its
  // ancestors stay, whatever their class (`<div class="page has-sidebar">` holds the article).
  const keep = new Set<El>();
  const main = mainParagraphParent(body);
  for (let el: El | null = main; el; el = el.parentElement) keep.add(el);
  const drop = (el: El, maxShare: number) => {
    if (isProtected(el) || keep.has(el)) return;
    if (textLength(el) / total > maxShare) return;
    el.remove();
    removed++;
  };
  for (const el of Array.from(body.querySelectorAll(REMOVE_TAGS))) drop(el, 0.5);
  for (const el of Array.from(body.querySelectorAll(REMOVE_ROLES))) drop(el, 0.5);
  for (const el of Array.from(body.querySelectorAll('[style]'))) {
    const style = (el.getAttribute('style') ?? '').replace(/\s+/g, '').toLowerCase();
    if (style.includes('display:none') || style.includes('visibility:hidden')) drop(el, 0.5);
  }
  for (const el of Array.from(body.querySelectorAll('[class], [id], [data-component], [data-testid]'))) {
    if (!el.parentElement) continue; // inside something already removed
    if (CONTENT_TAGS.has(el.tagName.toUpperCase()) && !/pull-?quote/i.test(el.getAttribute('class') ?? '')) continue;
    const words = [
      ...nameWords(el.getAttribute('class')),
      ...nameWords(el.getAttribute('id')),
      ...nameWords(el.getAttribute('data-component')),
      ...nameWords(el.getAttribute('data-testid')),
    ];
    if (words.some((w) => BOILERPLATE_WORDS.has(w))) drop(el, 0.9);
  }
  // Innermost first, so that the banner goes and not the block around it.
  for (const el of Array.from(body.querySelectorAll('p, div, section, li, span, figure')).reverse()) {
    if (!el.parentElement) continue;
    const len = textLength(el);
    if (len > 0 && len < 400 && BOILERPLATE_TEXT.test(el.textContent ?? '')) drop(el, 0.2);
  }
  return { removed, main: main?.parentElement ? main : null };
}
