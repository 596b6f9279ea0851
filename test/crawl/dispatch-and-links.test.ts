import { describe, expect, it } from 'vitest';
import { browserDomainRule, createDispatcher, DEFAULT_RULES } from '../../src/crawl/dispatcher.js';
import { parseLink } from '../../src/crawl/parse-link.js';

const dispatch = createDispatcher([
  { pattern: /^https:\/\/git\.example\.com\/[^/]+\/[^/]+\/?$/i, crawler: 'repository', platform: 'example-git' },
  browserDomainRule('app.example.com'),
  ...DEFAULT_RULES,
]);
const pick = (url: string) => dispatch(parseLink(url, { allowLocal: false }), () => false);

describe('dispatcher', () => {
  it('sends repository roots to git, Medium and browser domains to Chromium, everything else to the article crawler', () => {
    expect(pick('https://github.com/acme/tinyqueue')).toEqual({ crawler: 'repository', platform: 'github' });
    expect(pick('https://github.com/acme/tinyqueue.git')).toEqual({ crawler: 'repository', platform: 'github' });
    expect(pick('https://github.com/acme/tinyqueue/blob/main/README.md')).toEqual({ crawler: 'article', platform: 'github.com' });
    expect(pick('https://medium.com/@jane/a-post-123')).toEqual({ crawler: 'browser', platform: 'medium' });
    expect(pick('https://jane.medium.com/a-post-123')).toEqual({ crawler: 'browser', platform: 'medium' });
    expect(pick('https://app.example.com/dashboard/post/1')).toEqual({ crawler: 'browser', platform: 'app.example.com' });
    expect(pick('https://notapp.example.com/x')).toEqual({ crawler: 'article', platform: 'notapp.example.com' });
    expect(pick('https://git.example.com/team/tool')).toEqual({ crawler: 'repository', platform: 'example-git' });
    expect(pick('https://www.example.org/blog/post')).toEqual({ crawler: 'article', platform: 'example.org' });
  });

  it('config rules come first and win over the built-in ones', () => {
    const d = createDispatcher([{ pattern: /github\.com/, crawler: 'article', platform: 'gh-pages' }, ...DEFAULT_RULES]);
    expect(d(parseLink('https://github.com/acme/tinyqueue', { allowLocal: false }), () => false)).toEqual({ crawler: 'article', platform: 'gh-pages' });
  });
});

describe('parseLink', () => {
  it('normalises what is stored: no fragment, lower-case host, no default port', () => {
    expect(parseLink('HTTPS://Example.COM:443/Post?id=1#comments', { allowLocal: false })).toMatchObject({ link: 'https://example.com/Post?id=1', domain: 'example.com' });
  });

  it('rejects what is not an http(s) link, with the reason', () => {
    const err = (s: string, allowLocal = false) => {
      try {
        parseLink(s, { allowLocal, where: 'f.yaml: links.0' });
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(err('https://user:secret@example.com/x')).toBe('f.yaml: links.0: https://user:secret@example.com/x: credentials in URLs are not accepted');
    expect(err('javascript:alert(1)')).toBe('f.yaml: links.0: javascript:alert(1): unsupported scheme javascript: (only http and https)');
    expect(err('http://')).toBe('f.yaml: links.0: http://: malformed URL');
    expect(err('/definitely/not/here', true)).toBe('f.yaml: links.0: /definitely/not/here: no such file or directory');
  });
});
