/**
 * Cleaning before chunking and embedding, per kind of text. Prose loses what only adds noise
 * to an embedding (markup remnants, URLs, emoji runs, odd unicode and whitespace); code keeps
 * its layout and its URLs, because indentation and names are its meaning.
 */
export type CleanerName = 'article' | 'social' | 'code' | 'plain';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', mdash: '—', ndash: '–', hellip: '…', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

// Zero-width characters, soft hyphens, bidi marks and C0/C1 controls other than \t \n.
const INVISIBLE = /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"')\]]+/gi;
const EMOJI_RE = /(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\u{fe0f}|\u{200d}|[\u{1f1e6}-\u{1f1ff}])+/gu;

// A run of horizontal whitespace other than one plain space (the one between most words: matching
// and replacing each of those was a third of prose cleaning, for the same text).
const SPACE_RUN = /[\t\u00a0\u2000-\u200a\u202f\u205f\u3000][ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]*| [ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+/g;

function normaliseLines(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(SPACE_RUN, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function cleanProse(text: string, opts: { social: boolean }): string {
  let s = text.normalize('NFKC').replace(INVISIBLE, '');
  s = s.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, ' ');
  s = s.replace(/<!--[\s\S]*?-->/g, ' ');
  s = s.replace(/<\/?(p|div|br|li|h[1-6]|tr|section|article|blockquote)\b[^>]*>/gi, '\n');
  s = s.replace(/<\/?[a-z][a-z0-9-]*\b[^>]*>/gi, ' ');
  s = decodeEntities(s);
  s = s.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1'); // markdown image → its alt text
  s = s.replace(/\[([^\]]+)\]\((?:[^)\s]+)(?:\s+"[^"]*")?\)/g, '$1'); // markdown link → its text
  s = s.replace(/^#{1,6}\s+/gm, '').replace(/^\s*[-*_]{3,}\s*$/gm, '');
  s = s.replace(/(\*\*|__)(.+?)\1/g, '$2');
  s = s.replace(URL_RE, ' ');
  if (opts.social) {
    s = s.replace(/(^|\s)#(\w+)/gu, '$1$2'); // #topic → topic
    s = s.replace(/(^|\s)@\w+/g, '$1');
    s = s.replace(EMOJI_RE, ' ');
    s = s.replace(/([!?.])\1{2,}/g, '$1'); // "!!!!" → "!"
  } else {
    s = s.replace(EMOJI_RE, (m) => (m.length > 2 ? ' ' : m)); // runs of emoji are decoration
  }
  return normaliseLines(s);
}

function cleanCode(text: string): string {
  // NFC only: NFKC would rewrite characters inside string literals and identifiers.
  const s = text.normalize('NFC').replace(/\r\n?/g, '\n').replace(INVISIBLE, '');
  return s
    .replace(/\x1b\[[0-9;]*m/g, '') // ANSI colour codes in logs and fixtures
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{4,}/g, '\n\n\n')
    .trim();
}

export function cleanText(text: string, cleaner: CleanerName): string {
  switch (cleaner) {
    case 'article':
      return cleanProse(text, { social: false });
    case 'social':
      return cleanProse(text, { social: true });
    case 'code':
      return cleanCode(text);
    case 'plain':
      return normaliseLines(text.normalize('NFKC').replace(INVISIBLE, ''));
  }
}
