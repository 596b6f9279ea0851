import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crawlArticle } from '../../src/crawl/article-crawler.js';
import { decodeHtml } from '../../src/html/decode-html.js';

// "日本語のニュース" and "こんにちは" in Shift_JIS.
const SJIS_NIHONGO = [0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea];
const SJIS_KONNICHIWA = [0x82, 0xb1, 0x82, 0xf1, 0x82, 0xc9, 0x82, 0xbf, 0x82, 0xcd];
// "Café – “quoted” naïve €5" in windows-1252.
const CP1252_TEXT = [0x43, 0x61, 0x66, 0xe9, 0x20, 0x96, 0x20, 0x93, 0x71, 0x75, 0x6f, 0x74, 0x65, 0x64, 0x94, 0x20, 0x6e, 0x61, 0xef, 0x76, 0x65, 0x20, 0x80, 0x35];
const CP1252_DECODED = 'Café – “quoted” naïve €5';

const ascii = (s: string) => [...Buffer.from(s, 'latin1')];
const page = (meta: string, body: number[]) => Uint8Array.from([...ascii(`<html><head>${meta}<title>t</title></head><body><p>`), ...body, ...ascii('</p></body></html>')]);

describe('decodeHtml: the encoding is chosen as browsers choose it', () => {
  it('decodes a Shift_JIS page by its Content-Type charset', () => {
    const d = decodeHtml(page('', [...SJIS_NIHONGO, ...SJIS_KONNICHIWA]), 'text/html; charset=Shift_JIS');
    expect(d.text).toContain('日本語こんにちは');
    expect(d).toMatchObject({ encoding: 'shift_jis', source: 'header' });
  });

  it('decodes a Shift_JIS page by its <meta http-equiv> when the header names no charset', () => {
    const d = decodeHtml(page('<meta http-equiv="Content-Type" content="text/html; charset=x-sjis">', SJIS_KONNICHIWA), 'text/html');
    expect(d.text).toContain('こんにちは');
    expect(d.source).toBe('meta');
  });

  it('decodes a windows-1252 page by <meta charset=iso-8859-1> (the WHATWG alias)', () => {
    const d = decodeHtml(page('<meta charset="iso-8859-1">', CP1252_TEXT));
    expect(d.text).toContain(CP1252_DECODED);
    expect(d.encoding).toBe('windows-1252');
  });

  it('lets the HTTP header win over a <meta> that says otherwise', () => {
    const d = decodeHtml(page('<meta charset="shift_jis">', CP1252_TEXT), 'text/html; charset=windows-1252');
    expect(d.text).toContain(CP1252_DECODED);
    expect(d.source).toBe('header');
  });

  it('lets a byte order mark win over the header and the <meta>', () => {
    const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...Buffer.from('<meta charset="shift_jis"><p>Café ☕</p>')]);
    const d = decodeHtml(bytes, 'text/html; charset=windows-1252');
    expect(d.text).toBe('<meta charset="shift_jis"><p>Café ☕</p>'); // the BOM itself is not text
    expect(d.source).toBe('bom');
  });

  it('reads UTF-8 where a server default of ISO-8859-1 contradicts a page that is UTF-8 and says so', () => {
    const d = decodeHtml(Uint8Array.from(Buffer.from('<meta charset="utf-8"><p>Straße – naïve</p>')), 'text/html; charset=ISO-8859-1');
    expect(d.text).toContain('Straße – naïve');
  });

  it('ignores an unknown label and a charset inside a comment', () => {
    const d = decodeHtml(page('<!-- <meta charset="shift_jis"> --><meta charset="no-such-charset">', CP1252_TEXT), 'text/html; charset=bogus');
    // Nothing usable declared and not valid UTF-8: windows-1252, as a browser would.
    expect(d.text).toContain(CP1252_DECODED);
    expect(d.source).toBe('sniffed');
  });

  it('takes undeclared valid UTF-8 as UTF-8', () => {
    expect(decodeHtml(Uint8Array.from(Buffer.from('<p>Grüße aus Köln</p>'))).text).toBe('<p>Grüße aus Köln</p>');
  });
});

describe('crawling a saved page in a legacy encoding', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores the Shift_JIS article as readable text', async () => {
    dir = mkdtempSync(join(tmpdir(), 'llmops-sjis-'));
    const file = join(dir, 'news.html');
    const sentence = [...SJIS_NIHONGO, ...SJIS_KONNICHIWA, 0x81, 0x42]; // 。
    const body: number[] = [];
    for (let i = 0; i < 12; i++) body.push(...ascii('<p>'), ...sentence, ...sentence, ...sentence, ...ascii('</p>'));
    writeFileSync(file, Uint8Array.from([...ascii('<!DOCTYPE html><html><head><meta charset="Shift_JIS"><title>news</title></head><body><article>'), ...body, ...ascii('</article></body></html>')]));
    const fetchOpts = { userAgent: 'test', timeoutMs: 1000, maxBytes: 1_000_000, maxRedirects: 0, retries: 0, backoffMs: 1 };
    const page = await crawlArticle({ link: `file://${file}`, input: file, domain: 'local', localPath: file }, 'local', fetchOpts);
    expect(page.content).toContain('日本語こんにちは。');
  });
});
