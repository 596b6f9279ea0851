import { spawn, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { SqlDocumentStore } from '../../src/store/sql-document-store.js';
import { listRuns } from '../../src/store/runs-repo.js';
import { ENGINES, engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';
import { BIN, REPO, ndjson, runCli, withoutCreatedNote } from '../helpers/cli.js';
import { startSiteServer, type SiteServer } from '../crawl/site-server.js';
import { createGitRepository } from '../crawl/git-fixture.js';
import { CHROMIUM, chromiumMissing } from '../helpers/chromium.js';

const dir = tempDir('llmops-crawl-cli-');
let site: SiteServer;
let repo: string;
beforeAll(async () => {
  site = await startSiteServer();
  repo = createGitRepository(dir.path);
});
afterAll(async () => {
  await site?.close();
  dir.remove();
});

function writeConfig(name: string, text: string): string {
  const p = join(dir.path, name);
  writeFileSync(p, text);
  return p;
}

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`llmops crawl (${engine})`, () => {
    let url: string;
    let cleanup: () => Promise<void>;
    let db: Db;
    beforeAll(async () => {
      ({ url, cleanup } = await freshDatabase(engine));
    });
    afterAll(async () => {
      await db?.close();
      await cleanup?.();
    });
    const open = async () => (db ??= await openDatabase(parseDatabaseUrl(url)));
    const store = async () => new SqlDocumentStore((await open()).db);

    it('crawls an author’s links from a config once, with author, platform and category, and skips them the next time', async () => {
      const config = writeConfig(
        `author-${engine}.yaml`,
        [
          'author: Maria Keller',
          'links:',
          `  - ${site.url}/news/river-floods`,
          `  - ${site.url}/blog/batch-jobs#comments`,
          `  - url: ${site.url}/notes/office-closed`,
          '    category: notes',
          `  - ${site.url}/news/river-floods`,
          'settings:',
          '  per_host: 2',
          '  timeout: 10s',
        ].join('\n'),
      );
      const before = site.hits.get('/news/river-floods') ?? 0;
      const r = await runCli(['--db', url, 'crawl', '--allow-local', '--config', config]);
      expect(withoutCreatedNote(r.stderr)).toBe('');
      expect(r.code).toBe(0);
      const [summary] = ndjson(r.stdout);
      const host = new URL(site.url).host;
      expect(summary).toMatchObject({ command: 'crawl', links: 4, duplicates: 1, attempted: 3, succeeded: 3, failed: 0, inserted: 3, documents_in_store: 3 });
      expect(summary.domains[host]).toEqual({ attempted: 3, succeeded: 3, failed: 0, skipped: 0, reasons: [] });
      expect((site.hits.get('/news/river-floods') ?? 0) - before).toBe(1);

      const s = await store();
      const news = await s.getByLink(`${site.url}/news/river-floods`);
      expect(news).toMatchObject({ author: 'Maria Keller', source: '127.0.0.1', category: 'articles', title: 'River floods the old town after three days of rain' });
      expect(news!.content).toMatch(/^The river that runs through the old town/);
      expect(news!.content).not.toContain('Advertisement');
      expect(news!.metadata).toMatchObject({ crawler: 'article', published_at: '2024-03-04T07:30:00.000Z', byline: 'Maria Keller', platform: '127.0.0.1' });
      // The fragment is not part of the stored link.
      expect(await s.getByLink(`${site.url}/blog/batch-jobs`)).toMatchObject({ author: 'Maria Keller' });
      expect(await s.getByLink(`${site.url}/notes/office-closed`)).toMatchObject({ category: 'notes' });

      const [run] = await listRuns((await open()).db, { limit: 1, command: 'crawl' });
      expect(run).toMatchObject({ status: 'ok', counts: { succeeded: 3, domains: { [host]: { attempted: 3, succeeded: 3 } } } });

      const again = await runCli(['--db', url, 'crawl', '--allow-local', '--config', config]);
      expect(again.code).toBe(0);
      expect(ndjson(again.stdout)[0]).toMatchObject({ attempted: 0, skipped_existing: 3, note: 'every link is already stored (--refresh to fetch again)' });
      expect((site.hits.get('/news/river-floods') ?? 0) - before).toBe(1);

      const refreshed = await runCli(['--db', url, 'crawl', '--allow-local', '--config', config, '--refresh']);
      expect(refreshed.code).toBe(0);
      expect(ndjson(refreshed.stdout)[0]).toMatchObject({ attempted: 3, succeeded: 3, inserted: 0, unchanged: 3, documents_in_store: 3 });
    });

    it('keeps going past failing links, reports each reason per domain, stores the rest, exits 3', async () => {
      const secretHits = site.hits.get('/private/secret') ?? 0;
      const links = ['/private/secret', '/missing', '/to-ftp', '/image.png', '/huge', '/notes/office-closed'].map((p) => `${site.url}${p}`);
      const r = await runCli(['--db', url, 'crawl', '--allow-local', ...links, '--refresh', '--retries', '0', '--max-mb', '0.5']);
      expect(r.code).toBe(3);
      const [summary] = ndjson(r.stdout);
      expect(summary).toMatchObject({ attempted: 6, succeeded: 1, failed: 5 });
      const reasons = summary.domains[new URL(site.url).host].reasons;
      expect(reasons).toEqual(
        expect.arrayContaining([
          `${site.url}/private/secret: blocked by robots.txt (line 2)`,
          `${site.url}/missing: HTTP 404`,
          `${site.url}/to-ftp: redirect to a non-http(s) URL refused: ftp:`,
          `${site.url}/image.png: not an HTML page (image/png)`,
          `${site.url}/huge: response too large: over 524288 bytes`,
        ]),
      );
      expect(r.stderr).toContain(`crawl: ${site.url}/missing: HTTP 404`);
      expect(r.stderr).toContain('llmops: crawl: 5 of 6 links failed');
      const [run] = await listRuns((await open()).db, { limit: 1, command: 'crawl' });
      expect(run).toMatchObject({ status: 'partial', counts: { failed: 5 } });
      expect(site.hits.get('/private/secret') ?? 0).toBe(secretHits);
    });

    it('--ignore-robots fetches what robots.txt disallows', async () => {
      const r = await runCli(['--db', url, 'crawl', '--allow-local', `${site.url}/private/secret`, '--ignore-robots']);
      expect(r.code).toBe(0);
      expect(ndjson(r.stdout)[0]).toMatchObject({ succeeded: 1 });
    });

    it('--out - writes the documents as NDJSON and the summary on stderr', async () => {
      const r = await runCli(['--db', url, 'crawl', '--allow-local', `${site.url}/old-link`, '--author', 'Someone', '--out', '-']);
      expect(r.code).toBe(0);
      const docs = ndjson(r.stdout);
      expect(docs).toHaveLength(1);
      expect(docs[0]).toMatchObject({ link: `${site.url}/old-link`, author: 'Someone', metadata: { final_url: `${site.url}/news/river-floods` } });
      expect(r.stderr).toContain('crawl\n');
    });

    it('clones a local git repository with --allow-local into one repositories document', async () => {
      const r = await runCli(['--db', url, 'crawl', repo, '--allow-local', '--author', 'Ada']);
      expect(r.code).toBe(0);
      const [summary] = ndjson(r.stdout);
      expect(summary).toMatchObject({ succeeded: 1, domains: { local: { succeeded: 1 } } });
      const doc = (await (await store()).list({ limit: 10, category: 'repositories' }))[0];
      expect(doc).toMatchObject({ source: 'local', author: 'Ada', category: 'repositories' });
      expect((doc!.metadata.files as { path: string }[]).map((f) => f.path)).toContain('src/pipeline.py');

      const page = join(REPO, 'test/fixtures/crawl/news-article.html');
      const html = await runCli(['--db', url, 'crawl', page, '--allow-local', '--out', '-']);
      expect(html.code).toBe(0);
      expect(ndjson(html.stdout)[0]).toMatchObject({ source: 'local', category: 'articles', author: 'Maria Keller', link: `file://${page}` });
    });
  });
}

describe('llmops crawl of many pages', () => {
  it('extracts a few dozen pages in worker threads with the same result, and reads links from --links beside a global --config', async () => {
    const { url, cleanup } = await freshDatabase('sqlite');
    try {
      const links = Array.from({ length: 30 }, (_, i) => `  - ${site.url}/blog/batch-jobs?copy=${i}`);
      const linksFile = writeConfig('many.yaml', ['author: Priya Raman', 'links:', ...links].join('\n'));
      const llmopsConfig = writeConfig('llmops-test.yaml', `db: ${url}\n`);
      const r = await runCli(['--config', llmopsConfig, 'crawl', '--allow-local', '--links', linksFile, '--per-host', '4', '--out', '-']);
      expect(r.code).toBe(0);
      const docs = ndjson(r.stdout);
      expect(docs).toHaveLength(30);
      for (const d of docs) {
        expect(d).toMatchObject({ title: 'Why we moved our feature pipeline to batch jobs', author: 'Priya Raman', category: 'articles' });
        expect(d.content).toMatch(/^For two years our feature pipeline ran/);
        expect(d.content).not.toContain('micro-batches');
      }
      expect(r.stderr).toContain('documents in store  30');
    } finally {
      await cleanup();
    }
  });
});

describe('llmops crawl and local addresses', () => {
  it('a token in a failed link\'s query is masked in the summary and the per-domain reasons, on stdout and stderr', async () => {
    const { url, cleanup } = await freshDatabase('sqlite');
    try {
      const token = 'ghp_canary0123456789abcdefghij';
      for (const json of [['--json'], ['--out', '-']]) {
        const r = await runCli(['--db', url, 'crawl', `${site.url}/missing-page?access_token=${token}`, '--allow-local', '--retries', '0', ...json]);
        expect(r.code).toBe(3);
        expect(`${r.stdout}${r.stderr}`).toContain('access_token=***');
        expect(`${r.stdout}${r.stderr}`).not.toContain(token);
      }
    } finally {
      await cleanup();
    }
  });

  it('refuses 127.0.0.1 links and redirect hops by default (exit 3, the reason per link), --allow-host lets one host through, --allow-local all', async () => {
    const other = await startSiteServer();
    const { url, cleanup } = await freshDatabase('sqlite');
    try {
      const hop = `${site.url}/to-elsewhere?to=${encodeURIComponent(`${other.url}/news/river-floods`)}`;
      const metadata = `${site.url}/to-elsewhere?to=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`;
      const before = site.hits.get('/news/river-floods') ?? 0;
      const r = await runCli(['--db', url, 'crawl', `${site.url}/news/river-floods`, '--retries', '0']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`crawl: ${site.url}/news/river-floods: refused: 127.0.0.1, a loopback, private, link-local or metadata address (--allow-local to crawl it)`);
      expect(site.hits.get('/news/river-floods') ?? 0).toBe(before);

      const host = new URL(site.url).host;
      const some = await runCli(['--db', url, 'crawl', hop, metadata, `${site.url}/notes/office-closed`, '--allow-host', host, '--retries', '0', '--out', '-']);
      expect(some.code).toBe(3);
      expect(ndjson(some.stdout)).toHaveLength(1);
      expect(some.stderr).toContain(`crawl: ${hop}: refused: 127.0.0.1, a loopback`);
      expect(some.stderr).toContain(`crawl: ${metadata}: refused: 169.254.169.254, a loopback`);
      expect(other.hits.size).toBe(0);

      const all = await runCli(['--db', url, 'crawl', hop, '--allow-local', '--out', '-']);
      expect(all.code).toBe(0);
      expect(ndjson(all.stdout)[0]).toMatchObject({ metadata: { final_url: `${other.url}/news/river-floods` } });
      expect(other.hits.get('/news/river-floods')).toBe(1);
    } finally {
      await other.close();
      await cleanup();
    }
  });
});

describe('llmops crawl input errors (exit 2, nothing fetched or stored)', () => {
  const db = () => join(dir.path, `never-${Math.random().toString(36).slice(2)}.db`);

  it('names a malformed URL', async () => {
    const p = db();
    const r = await runCli(['--db', p, 'crawl', 'http://exa mple.com/x', 'example.com/post']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('http://exa mple.com/x: malformed URL');
    expect(r.stderr).toContain('example.com/post: not a URL (did you mean https://example.com/post?)');
    expect(existsSync(p)).toBe(false);
  });

  it('refuses local paths, file URLs and other schemes unless allowed', async () => {
    const r = await runCli(['--db', db(), 'crawl', repo, 'file:///etc/hostname', 'ftp://example.com/x', 'ssh://git@github.com/a/b']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${repo}: not an http(s) URL (local paths need --allow-local)`);
    expect(r.stderr).toContain('file:///etc/hostname: file URLs need --allow-local');
    expect(r.stderr).toContain('ftp://example.com/x: unsupported scheme ftp:');
  });

  it('refuses a links file that names the browser program to start (it ran whatever was named)', async () => {
    const marker = join(dir.path, 'ran-it');
    const program = join(dir.path, 'not-chromium.sh');
    writeFileSync(program, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    const p = writeConfig('program.yaml', ['author: Eve', 'links:', `  - ${site.url}/notes/office-closed`, 'settings:', '  browser:', `    executable: ${program}`, '    domains: [127.0.0.1]'].join('\n'));
    const path = db();
    const r = await runCli(['--db', path, 'crawl', '--config', p, '--allow-local']);
    expect([r.code, r.stderr.trim()]).toEqual([2, `llmops: ${p}: settings.browser.executable: a links file cannot name a program to run; use --chromium <path> or LLMOPS_CHROMIUM`]);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(path)).toBe(false);
  });

  it('reports every config problem with file and field', async () => {
    const p = writeConfig('bad.yaml', ['author: 3', 'links:', '  - https://ok.example.com/a', '  - url: not a url', '  - {href: x}', 'settings:', '  concurrency: 0', '  colour: red', '  dispatch:', "    - {pattern: '([', crawler: repository}", "    - {pattern: '^http://127.0.0.1/(a+)+$', crawler: browser}"].join('\n'));
    const r = await runCli(['--db', db(), 'crawl', '--config', p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${p}: author: `);
    expect(r.stderr).toContain(`${p}: links.2: `);
    expect(r.stderr).toContain(`${p}: settings.concurrency: `);
    expect(r.stderr).toContain(`${p}: settings.colour: unknown key`);
    expect(r.stderr).toContain(`${p}: settings.dispatch.0.pattern: invalid regular expression`);
    // A link of 40 a's and a ! held the crawl at 100% CPU for minutes on this pattern.
    expect(r.stderr).toContain(`${p}: settings.dispatch.1.pattern: a repetition inside a repetition (such as (a+)+) can take exponential time on some texts`);
  });

  it('names the link field of a config whose link is bad', async () => {
    const p = writeConfig('bad-link.yaml', ['author: A', 'links:', '  - https://ok.example.com/a', '  - url: htp//broken', '    category: x'].join('\n'));
    const r = await runCli(['--db', db(), 'crawl', '--config', p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${p}: links.1.url: htp//broken: not an http(s) URL`);
  });

  it('needs links or a config', async () => {
    const r = await runCli(['--db', db(), 'crawl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('crawl: give links to crawl, or --config <file>');
  });
});

describe.skipIf(chromiumMissing)('llmops crawl in the browser (real Chromium)', () => {
  it('renders a configured browser domain, scrolling for lazy content', async () => {
    const { url, cleanup } = await freshDatabase('sqlite');
    try {
      const r = await runCli(['--db', url, 'crawl', '--allow-local', `${site.url}/spa/lazy`, '--browser-domain', '127.0.0.1', '--chromium', CHROMIUM, '--out', '-']);
      expect(r.code).toBe(0);
      const [doc] = ndjson(r.stdout);
      expect(doc).toMatchObject({ title: 'Rendered by script: notes on lazy pages', metadata: { crawler: 'browser' } });
      expect(doc.content).toContain('Lazy section 3 arrived');
    } finally {
      await cleanup();
    }
  });
});

describe.skipIf(chromiumMissing)('llmops crawl of several browser pages at once (real Chromium)', () => {
  it('launches one Chromium and exits when done (pages starting together each launched one, and the run never exited)', { timeout: 120_000 }, async () => {
    const { url, cleanup } = await freshDatabase('sqlite');
    try {
      // --per-host 2 (the default): both pages start at once.
      const child = spawn(process.execPath, [BIN, '--db', url, 'crawl', '--allow-local', `${site.url}/spa/lazy`, `${site.url}/notes/office-closed`, '--browser-domain', '127.0.0.1', '--chromium', CHROMIUM, '--per-host', '2'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
      let code: number | null | undefined;
      child.on('close', (c) => (code = c));
      // A bound on a hang, not a timing: the summary comes within seconds, then the exit.
      for (let i = 0; i < 600 && code === undefined; i++) await sleep(100);
      const browsers = code === undefined ? execFileSync('ps', ['-o', 'comm=', '--ppid', String(child.pid)], { encoding: 'utf8' }).split('\n').filter((c) => /chrom/.test(c)) : [];
      if (code === undefined) child.kill('SIGKILL');
      expect({ code, browsers }, `summary: ${stdout}`).toEqual({ code: 0, browsers: [] });
      expect(ndjson(stdout)[0]).toMatchObject({ attempted: 2, succeeded: 2 });
    } finally {
      await cleanup();
    }
  });
});

describe.skipIf(chromiumMissing)('llmops crawl interrupted (real Chromium)', () => {
  it('on Ctrl-C stops, closes the browser, keeps what it stored and records the run as interrupted', async () => {
    const { url, cleanup } = await freshDatabase('sqlite');
    try {
      const before = site.hits.get('/slow') ?? 0;
      const child = spawn(process.execPath, [BIN, '--db', url, 'crawl', '--allow-local', `${site.url}/notes/office-closed`, `${site.url}/slow`, '--browser-domain', '127.0.0.1', '--chromium', CHROMIUM, '--per-host', '1'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      // Wait until the browser is on the slow page.
      for (let i = 0; i < 300 && (site.hits.get('/slow') ?? 0) === before; i++) await sleep(100);
      expect(site.hits.get('/slow') ?? 0).toBeGreaterThan(before);
      const browsers = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' }).split('\n').map((s) => Number(s.trim())).filter(Boolean);
      expect(browsers.length).toBeGreaterThan(0);
      child.kill('SIGINT');
      const code = await exited;
      expect(code).toBe(130); // cut short: not a success to a script or a CI step
      expect(ndjson(stdout)[0]).toMatchObject({ succeeded: 1, failed: 0, interrupted: true, note: 'interrupted: run again to crawl the rest' });
      await sleep(500);
      for (const pid of browsers) expect(() => process.kill(pid, 0)).toThrow();
      const db = await openDatabase(parseDatabaseUrl(url));
      try {
        const [run] = await listRuns(db.db, { limit: 1, command: 'crawl' });
        expect(run).toMatchObject({ status: 'interrupted' });
        expect(await new SqlDocumentStore(db.db).count()).toBe(1);
      } finally {
        await db.close();
      }
    } finally {
      await cleanup();
    }
  });
});
