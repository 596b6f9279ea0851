import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../core/errors.js';
import type { CrawlTarget } from './crawl-types.js';

export type ParseLinkOptions = { allowLocal: boolean; cwd?: string; where?: string };

/**
 * Turns what a user wrote into a crawl target, or a one-line UsageError. Only http(s) links
 * (git repositories are cloned over https) unless local paths are explicitly allowed: a crawl
 * config from someone else must not read the machine's files.
 */
export function parseLink(input: string, opts: ParseLinkOptions): CrawlTarget {
  const where = opts.where ? `${opts.where}: ` : '';
  const raw = input.trim();
  if (raw === '') throw new UsageError(`${where}empty link`);
  const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(raw) && !/^[a-z]:[\\/]/i.test(raw);
  if (!hasScheme) {
    if (/^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(\/|$)/i.test(raw) && !existsSync(raw)) {
      throw new UsageError(`${where}${raw}: not a URL (did you mean https://${raw}?)`);
    }
    if (!opts.allowLocal) throw new UsageError(`${where}${raw}: not an http(s) URL (local paths need --allow-local)`);
    const path = isAbsolute(raw) ? raw : resolve(opts.cwd ?? process.cwd(), raw);
    if (!existsSync(path)) throw new UsageError(`${where}${raw}: no such file or directory`);
    return { link: pathToFileURL(path).href, input, domain: 'local', localPath: path };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${where}${raw}: malformed URL`);
  }
  const scheme = url.protocol;
  if (scheme === 'file:') {
    if (!opts.allowLocal) throw new UsageError(`${where}${raw}: file URLs need --allow-local`);
    const path = fileURLToPath(url);
    if (!existsSync(path)) throw new UsageError(`${where}${raw}: no such file or directory`);
    return { link: pathToFileURL(path).href, input, domain: 'local', localPath: path };
  }
  if (scheme !== 'http:' && scheme !== 'https:') {
    throw new UsageError(`${where}${raw}: unsupported scheme ${scheme} (only http and https${opts.allowLocal ? ', local paths and file URLs' : ''})`);
  }
  if (!url.hostname) throw new UsageError(`${where}${raw}: malformed URL (no host)`);
  if (url.username || url.password) throw new UsageError(`${where}${raw}: credentials in URLs are not accepted`);
  return { link: normaliseUrl(url), input, domain: url.host.toLowerCase() };
}

/** The form links are stored and compared in: no fragment, lower-case host, no default port. */
function normaliseUrl(url: URL): string {
  const u = new URL(url.href);
  u.hash = '';
  return u.href;
}
