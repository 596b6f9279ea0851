import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractArticle, extractWithReadability } from '../../src/html/extract-article.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/crawl/${name}`, import.meta.url), 'utf8');

describe('extractArticle', () => {
  it('keeps a news story and its metadata, drops navigation, ads, newsletter box, comments and cookie banner', () => {
    const a = extractArticle(fixture('news-article.html'), 'https://ledger.test/news/river');
    expect(a.title).toBe('River floods the old town after three days of rain');
    expect(a.author).toBe('Maria Keller');
    expect(a.publishedAt).toBe('2024-03-04T07:30:00.000Z');
    expect(a.siteName).toBe('The Daily Ledger');
    const paragraphs = a.content.split('\n\n');
    expect(paragraphs[0]).toMatch(/^The river that runs through the old town burst its banks/);
    expect(paragraphs).toContain('Schools closed, trains stopped');
    expect(paragraphs.at(-1)).toMatch(/^Forecasters expect the rain to ease on Wednesday/);
    for (const junk of ['Advertisement', 'cookies', 'Sign up for our newsletter', 'Stay safe everyone', 'Most read', 'Share on', 'All rights reserved', 'Politics', 'How the valley prepared']) {
      expect(a.content).not.toContain(junk);
    }
  });

  it('does better than plain Readability on the same page', () => {
    const plain = extractWithReadability(fixture('news-article.html')).content;
    expect(plain).toMatch(/Advertisement|newsletter|Share on|Related/);
  });

  it('keeps code blocks verbatim and drops the comment thread of a blog post', () => {
    const a = extractArticle(fixture('blog-post.html'), 'https://blog.test/batch');
    expect(a.title).toBe('Why we moved our feature pipeline to batch jobs');
    expect(a.author).toBe('Priya Raman');
    expect(a.publishedAt).toBe('2023-11-20T00:00:00.000Z');
    expect(a.content).toContain("WHERE created_at > now() - interval '7 days'\nGROUP BY user_id;");
    expect(a.content).toMatch(/^For two years our feature pipeline ran/);
    for (const junk of ['micro-batches', 'Post comment', 'Subscribe', 'uses cookies', 'Previous post', 'leads the data platform team', '6 min read']) {
      expect(a.content).not.toContain(junk);
    }
  });

  it('returns the text of a very short page instead of nothing', () => {
    const a = extractArticle(fixture('short-note.html'), 'https://x.test/n');
    expect(a.title).toBe('Office closed on Friday');
    expect(a.content).toBe('The office will be closed on Friday for maintenance. Support remains available by email.');
  });
});
