// Turns an extracted DOM subtree into clean text: one paragraph per block element,
// whitespace collapsed inside paragraphs, code blocks kept verbatim.

const BLOCK = new Set([
  'ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'DD', 'DETAILS', 'DIV', 'DL', 'DT', 'FIELDSET', 'FIGCAPTION', 'FIGURE',
  'FOOTER', 'FORM', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HEADER', 'HR', 'LI', 'MAIN', 'NAV', 'OL', 'P', 'PRE', 'SECTION',
  'SUMMARY', 'TABLE', 'TBODY', 'THEAD', 'TFOOT', 'TR', 'UL', 'CAPTION', 'BODY', 'HTML',
]);
const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'BUTTON', 'SELECT', 'TEXTAREA', 'INPUT', 'IFRAME', 'OBJECT', 'CANVAS']);

type Node = { nodeType: number; nodeName: string; textContent: string | null; childNodes: ArrayLike<Node> };

/** Paragraphs of the subtree's text, in order. */
export function htmlToParagraphs(root: Node): string[] {
  const paragraphs: string[] = [];
  let current = '';
  const flush = () => {
    const text = current.replace(/[ \t\n\r\f\u00a0]+/g, ' ').trim();
    if (text) paragraphs.push(text);
    current = '';
  };
  const walk = (node: Node) => {
    if (node.nodeType === 3) {
      current += node.textContent ?? '';
      return;
    }
    if (node.nodeType !== 1) return;
    const name = node.nodeName.toUpperCase();
    if (SKIP.has(name)) return;
    if (name === 'BR') {
      current += '\n';
      return;
    }
    if (name === 'PRE') {
      flush();
      const code = (node.textContent ?? '').replace(/\s+$/, '');
      if (code.trim()) paragraphs.push(code);
      return;
    }
    if (name === 'TD' || name === 'TH') {
      current += ' ';
      for (const c of Array.from(node.childNodes)) walk(c);
      current += ' ';
      return;
    }
    const block = BLOCK.has(name);
    if (block) flush();
    for (const c of Array.from(node.childNodes)) walk(c);
    if (block) flush();
  };
  walk(root);
  flush();
  return paragraphs;
}
