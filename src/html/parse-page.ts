import { parseHTML } from 'linkedom';

// linkedom 0.18 builds the tree the markup spells out and nothing more, where a browser's
// parser would repair it. Its `document.head` / `document.body` getters then fail or lie:
// - no element at all (empty, whitespace, plain text, binary): `documentElement` is null and
//   `document.body` throws "Cannot destructure property 'firstElementChild' of
//   'documentElement' as it is null";
// - no <html> (`<title>…<p>…`, `<body>…`): the first element becomes the root and `body`
//   answers a new, empty <body>, so the page looks empty ("no article text found");
// - <head> after <body>, two <html>, <frameset>: the same empty <body>.
// parsePage gives every page the shape a browser would: one <html> holding <head> and <body>.

type N = {
  nodeType: number;
  nodeName: string;
  tagName?: string;
  textContent: string | null;
  childNodes: ArrayLike<N>;
  attributes?: ArrayLike<{ name: string; value: string }>;
  firstElementChild?: N | null;
  nextElementSibling?: N | null;
  append(...nodes: N[]): void;
  setAttribute?(name: string, value: string): void;
  removeAttribute?(name: string): void;
  remove(): void;
};
type Doc = N & { documentElement: N | null; createElement(tag: string): N };

// Elements that belong in <head> when they come before any content.
const HEAD_TAGS = new Set(['TITLE', 'META', 'LINK', 'BASE', 'STYLE', 'SCRIPT', 'NOSCRIPT', 'TEMPLATE']);
const ELEMENT = 1;
const TEXT = 3;
const DOCTYPE = 10;

type LinkedomDocument = ReturnType<typeof parseHTML>['document'];

export function parsePage(html: string): { document: LinkedomDocument } {
  // A byte order mark left in the text would become a text node before <html>.
  const parsed = parseHTML(html.charCodeAt(0) === 0xfeff ? html.slice(1) : html).document;
  const document = parsed as unknown as Doc;
  if (!hasBrowserShape(document)) rebuild(document);
  flattenDeepNesting(document);
  // Readability removes any element whose class or id looks like boilerplate, <html> itself
  // included (`<html class="avada-html-header-position-top">`, `no-js-burgerMenu`): the
  // document is left without a root and every later `document.body` throws. Its class and id
  // say nothing about the article.
  const root = document.documentElement!;
  root.removeAttribute?.('class');
  root.removeAttribute?.('id');
  return { document: parsed };
}

function hasBrowserShape(doc: Doc): boolean {
  let root: N | null = null;
  for (const n of Array.from(doc.childNodes)) {
    if (n.nodeType === ELEMENT) {
      if (root || n.nodeName.toUpperCase() !== 'HTML') return false;
      root = n;
    } else if (n.nodeType === TEXT && (n.textContent ?? '').trim()) return false;
  }
  if (!root) return false;
  const head = root.firstElementChild;
  const body = head?.nextElementSibling;
  if (head?.nodeName.toUpperCase() !== 'HEAD' || body?.nodeName.toUpperCase() !== 'BODY' || body.nextElementSibling) return false;
  // Content straight under <html> (text between </head> and <body>) is lost to body-only readers.
  for (const n of Array.from(root.childNodes)) if (n.nodeType === TEXT && (n.textContent ?? '').trim()) return false;
  return true;
}

/** Moves everything under a new <html><head/><body/></html>, as a browser's parser would. */
function rebuild(doc: Doc): void {
  const html = doc.createElement('html');
  const head = doc.createElement('head');
  const body = doc.createElement('body');
  html.append(head, body);
  let inBody = false;
  const place = (node: N) => {
    if (node.nodeType === ELEMENT) {
      const tag = node.nodeName.toUpperCase();
      if (tag === 'HTML' || tag === 'HEAD' || tag === 'BODY' || tag === 'FRAMESET') {
        copyAttributes(node, tag === 'HTML' ? html : tag === 'BODY' ? body : null);
        for (const child of Array.from(node.childNodes)) place(child);
        if (tag === 'BODY' || tag === 'FRAMESET') inBody = true;
        node.remove();
        return;
      }
      if (tag === 'FRAME') return;
      if (!inBody && HEAD_TAGS.has(tag)) {
        head.append(node);
        return;
      }
      inBody = true;
      body.append(node);
      return;
    }
    if (node.nodeType === TEXT) {
      if (!inBody && !(node.textContent ?? '').trim()) return;
      inBody = true;
      body.append(node);
      return;
    }
    if (node.nodeType !== DOCTYPE) node.remove(); // comments, processing instructions
  };
  for (const node of Array.from(doc.childNodes)) place(node);
  doc.append(html);
}

function copyAttributes(from: N, to: N | null): void {
  if (!to || !from.attributes) return;
  for (const a of Array.from(from.attributes)) to.setAttribute?.(a.name, a.value);
}

/** Deeper than this, a subtree keeps only its text (Blink stops nesting at 512; real pages stay under 100). */
const MAX_DEPTH = 256;

// Readability and the cleanup walk ancestors and read textContent level by level: ten
// thousand nested <div>s took minutes. Real pages stay far below the limit.
function flattenDeepNesting(doc: Doc): void {
  const stack: [N, number][] = [[doc, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType !== ELEMENT) continue;
      if (depth + 1 >= MAX_DEPTH) (child as N & { textContent: string }).textContent = child.textContent ?? '';
      else stack.push([child, depth + 1]);
    }
  }
}
