// Bytes of a text file to a string when nothing says which encoding they are in: a byte order
// mark, else UTF-8, else windows-1252 (what old Windows editors wrote, and what a browser with
// an English locale falls back to). The HTML decoder (html/decode-html.ts) adds the charset of
// the Content-Type header and <meta> on top of these same rules.

export type DecodedText = {
  text: string;
  encoding: string;
  /** Lone surrogates written as UTF-8 bytes (WTF-8), each replaced by U+FFFD. */
  surrogates: number;
  /** Other invalid UTF-8 sequences replaced by U+FFFD in a file that is otherwise UTF-8. */
  replaced: number;
};

export function decodeText(bytes: Uint8Array): DecodedText {
  const bom = bomEncoding(bytes);
  if (bom) return { text: new TextDecoder(bom).decode(bytes), encoding: bom, surrogates: 0, replaced: 0 };
  const utf8 = tryUtf8(bytes);
  if (utf8 !== null) return { text: utf8, encoding: 'utf-8', surrogates: 0, replaced: 0 };
  // A UTF-8 file with a few bad bytes (a lone surrogate written as WTF-8, a cut multi-byte
  // character) stays UTF-8 with U+FFFD for those, as the JSON path does: decoding all of it as
  // windows-1252 would garble every accented letter in it.
  if (hasValidUtf8Sequence(bytes)) {
    const { bytes: fixed, surrogates } = replaceEncodedSurrogates(bytes);
    const text = new TextDecoder('utf-8').decode(fixed);
    return { text, encoding: 'utf-8', surrogates, replaced: count(text, '\ufffd') - countBytes(fixed, REPLACEMENT_UTF8) };
  }
  return { text: windows1252.decode(bytes), encoding: 'windows-1252', surrogates: 0, replaced: 0 };
}

/**
 * UTF-16 surrogates written as 3-byte UTF-8 (ED A0..BF xx), which UTF-8 forbids: a high and a
 * low one in a row (CESU-8) become the character they pair into, a lone one U+FFFD, once, where
 * a UTF-8 decoder would write three.
 */
function replaceEncodedSurrogates(b: Uint8Array): { bytes: Uint8Array; surrogates: number } {
  const at = (i: number) => (b[i] === 0xed && (b[i + 1]! & 0xe0) === 0xa0 && (b[i + 2]! & 0xc0) === 0x80 ? ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f) | 0xd000 : -1);
  if (!Buffer.from(b.buffer, b.byteOffset, b.byteLength).includes(SURROGATE_LEAD)) return { bytes: b, surrogates: 0 };
  const out: Buffer[] = [];
  let from = 0;
  let surrogates = 0;
  for (let i = 0; i < b.length; i++) {
    const hi = at(i);
    if (hi === -1) continue;
    const lo = hi < 0xdc00 ? at(i + 3) : -1;
    out.push(Buffer.from(b.subarray(from, i)));
    if (lo >= 0xdc00) {
      out.push(Buffer.from(String.fromCharCode(hi, lo)));
      i += 5;
    } else {
      out.push(REPLACEMENT_UTF8);
      surrogates++;
      i += 2;
    }
    from = i + 1;
  }
  out.push(Buffer.from(b.subarray(from)));
  return { bytes: Buffer.concat(out), surrogates };
}

const SURROGATE_LEAD = Buffer.from([0xed]);

export function bomEncoding(b: Uint8Array): string | null {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8';
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  return null;
}

export function tryUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

type Decoder = { encoding: string; decode(bytes: Uint8Array): string };

// Node 20's TextDecoder('windows-1252') decodes ISO-8859-1: bytes 0x80-0x9F come out as C1
// control characters instead of € ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ, so
// every curly quote and dash of a windows-1252 page would vanish. Mapped here; a decoder that
// gets it right already produces these characters and the mapping does nothing.
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
export const windows1252: Decoder = {
  encoding: 'windows-1252',
  decode: (bytes) => new TextDecoder('windows-1252').decode(bytes).replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!),
};

/** A lead byte followed by the continuation bytes it announces: text written as UTF-8. */
function hasValidUtf8Sequence(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (need === 0) continue;
    let k = 1;
    while (k <= need && (b[i + k]! & 0xc0) === 0x80) k++;
    if (k > need) return true;
  }
  return false;
}

const REPLACEMENT_UTF8 = Buffer.from('\ufffd');

function count(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i !== -1; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

function countBytes(b: Uint8Array, seq: Buffer): number {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let n = 0;
  for (let i = buf.indexOf(seq); i !== -1; i = buf.indexOf(seq, i + seq.length)) n++;
  return n;
}
