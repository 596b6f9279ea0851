// Bytes of an HTML page to text, choosing the encoding as browsers do (WHATWG "encoding
// sniffing"): a byte order mark first, then the charset of the Content-Type header, then a
// <meta charset> or <meta http-equiv="Content-Type"> near the top of the page. With none of
// these, UTF-8 when the bytes are valid UTF-8 and windows-1252 otherwise (what a browser with
// an English locale falls back to). TextDecoder knows every WHATWG label (Node has full ICU):
// `latin1` and `iso-8859-1` mean windows-1252, `sjis` means Shift_JIS, and so on. The
// encoding-free part (BOM, UTF-8, windows-1252) is text/decode-text.ts, shared with ingest.

import { bomEncoding, tryUtf8, windows1252 } from '../text/decode-text.js';

/** How far into the page a <meta> charset is looked for. Browsers stop at 1024 bytes; pages
 * with a long inline script before the meta are common enough to look further. */
const PRESCAN_BYTES = 8192;

export type DecodedHtml = { text: string; encoding: string; source: 'bom' | 'header' | 'meta' | 'xml' | 'sniffed' };

export function decodeHtml(bytes: Uint8Array, contentType = ''): DecodedHtml {
  const bom = bomEncoding(bytes);
  if (bom) return { text: new TextDecoder(bom).decode(bytes), encoding: bom, source: 'bom' };
  const header = decoderFor(/charset\s*=\s*["']?([^"';\s]+)/i.exec(contentType)?.[1]);
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, PRESCAN_BYTES)).toString('latin1');
  let meta = decoderFor(metaCharset(head));
  // A <meta> cannot declare UTF-16: the bytes it was read from are ASCII-compatible (spec).
  if (meta?.encoding.startsWith('utf-16')) meta = new TextDecoder('utf-8');
  if (header) {
    // The one place we part from browsers: a server default of ISO-8859-1 over a page that is
    // valid UTF-8 and says so in its <meta> is the server's mistake, not the page's.
    if (header.encoding === 'windows-1252' && meta?.encoding === 'utf-8' && hasUtf8Sequences(bytes)) {
      const utf8 = tryUtf8(bytes);
      if (utf8 !== null) return { text: utf8, encoding: 'utf-8', source: 'meta' };
    }
    return { text: header.decode(bytes), encoding: header.encoding, source: 'header' };
  }
  if (meta) return { text: meta.decode(bytes), encoding: meta.encoding, source: 'meta' };
  const xml = decoderFor(/^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1]);
  if (xml && !xml.encoding.startsWith('utf-16')) return { text: xml.decode(bytes), encoding: xml.encoding, source: 'xml' };
  const utf8 = tryUtf8(bytes);
  if (utf8 !== null) return { text: utf8, encoding: 'utf-8', source: 'sniffed' };
  return { text: windows1252.decode(bytes), encoding: 'windows-1252', source: 'sniffed' };
}

type Decoder = { encoding: string; decode(bytes: Uint8Array): string };

function decoderFor(label: string | undefined | null): Decoder | null {
  if (!label) return null;
  try {
    const d = new TextDecoder(label.trim().toLowerCase());
    return d.encoding === 'windows-1252' ? windows1252 : d;
  } catch {
    return null; // an unknown label is ignored, as browsers do
  }
}

/** The charset of the first <meta> that declares one, in `head` (bytes read as latin1). */
function metaCharset(head: string): string | null {
  // Comments may hold old or commented-out declarations.
  const text = head.replace(/<!--[\s\S]*?-->/g, '');
  for (const m of text.matchAll(/<meta\b[^>]*>/gi)) {
    const tag = m[0];
    const direct = /\bcharset\s*=\s*["']?\s*([^"'\s/>;]+)/i.exec(tag);
    if (direct) return direct[1]!;
  }
  return null;
}

function hasUtf8Sequences(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0xc2 && bytes[i]! <= 0xf4) return true;
  return false;
}
