import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlRepository, DEFAULT_IGNORE } from '../../src/crawl/repository-crawler.js';
import { sweepStaleClones } from '../../src/crawl/clone-dirs.js';
import type { CrawlTarget } from '../../src/crawl/crawl-types.js';
import { tempDir } from '../helpers/databases.js';
import { createGitRepository } from './git-fixture.js';
import { startGitHttpServer } from './git-http-server.js';

const dir = tempDir('llmops-repo-test-');
const clones = join(dir.path, 'tmp');
let repo: string;
const savedTmp = process.env.TMPDIR;

beforeAll(() => {
  repo = createGitRepository(dir.path);
  mkdirSync(clones);
  // Clones go here, so the test can see that none is left behind.
  process.env.TMPDIR = clones;
});
afterAll(() => {
  process.env.TMPDIR = savedTmp;
  dir.remove();
});

const target = (): CrawlTarget => ({ link: pathToFileURL(repo).href, input: repo, domain: 'local', localPath: repo, author: 'Ada' });
const options = (over = {}) => ({
  timeoutMs: 20_000,
  maxRepoBytes: 50 * 1024 * 1024,
  maxFileBytes: 256 * 1024,
  maxTotalBytes: 20 * 1024 * 1024,
  ignore: [...DEFAULT_IGNORE, '*.csv'],
  ...over,
});

describe('crawlRepository', () => {
  it('keeps the path and text of each source file and skips ignored, binary and oversized ones', async () => {
    const page = await crawlRepository(target(), 'local', options());
    expect(page.category).toBe('repositories');
    expect(page.title).toBe(`${dir.path.split('/').at(-1)}/sample-repo`);
    expect(page.author).toBe('Ada');
    const files = (page.metadata.files as { path: string }[]).map((f) => f.path);
    expect(files).toEqual(['README.md', 'src/config.yaml', 'src/pipeline.py']);
    expect(page.content).toContain('--- src/pipeline.py ---\ndef run(batch):');
    expect(page.metadata.skipped).toEqual(
      expect.arrayContaining([
        { path: 'data/blob.txt', reason: 'binary' },
        { path: 'data/huge.txt', reason: 'larger than 262144 bytes' },
      ]),
    );
    for (const ignored of ['package-lock.json', 'node_modules', 'dist/bundle.js', 'logo.png', 'weights.dat', 'skip-me.csv', 'link-outside']) {
      expect(page.content).not.toContain(ignored);
    }
    expect(readdirSync(clones)).toEqual([]);
  });

  it('runs no hook, even one configured in the environment', async () => {
    const hooks = join(dir.path, 'hooks');
    const marker = join(dir.path, 'HOOK_RAN');
    mkdirSync(hooks, { recursive: true });
    writeFileSync(join(hooks, 'post-checkout'), `#!/bin/sh\ntouch ${marker}\n`);
    chmodSync(join(hooks, 'post-checkout'), 0o755);
    const env = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.hooksPath', GIT_CONFIG_VALUE_0: hooks };
    Object.assign(process.env, env);
    try {
      await crawlRepository(target(), 'local', options());
    } finally {
      for (const k of Object.keys(env)) delete process.env[k];
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('removes the clone folders a killed crawl left (its process gone), never a live one\'s', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid names no process
    const left = join(clones, `llmops-clone-${gone}-aB3dEf`);
    const live = join(clones, `llmops-clone-${process.ppid}-xY9zQw`); // the test runner: alive
    for (const d of [left, live]) mkdirSync(join(d, 'repo', 'src'), { recursive: true });
    writeFileSync(join(left, 'repo', 'src', 'big.txt'), 'x'.repeat(10_000));
    expect(await sweepStaleClones(clones)).toEqual([`llmops-clone-${gone}-aB3dEf`]);
    expect(readdirSync(clones)).toEqual([`llmops-clone-${process.ppid}-xY9zQw`]);
    rmSync(live, { recursive: true });
  });

  it('stops a clone that grows past the size cap and removes it', async () => {
    await expect(crawlRepository(target(), 'local', options({ maxRepoBytes: 10_000 }))).rejects.toThrow(/^repository larger than 10 KB/);
    expect(readdirSync(clones)).toEqual([]);
  });

  it('skips a file whose name is not UTF-8 and keeps the rest of the repository', async () => {
    const odd = join(dir.path, 'odd-names');
    mkdirSync(odd);
    writeFileSync(join(odd, 'README.md'), '# Odd names\n');
    writeFileSync(Buffer.concat([Buffer.from(`${odd}/bad`), Buffer.from([0xff, 0xfe]), Buffer.from('name.txt')]), 'text\n');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: odd, stdio: 'pipe', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('-c', 'user.email=test@example.com', '-c', 'user.name=Test', 'commit', '-q', '-m', 'initial');
    // Its name read back with U+FFFD, a path that is not there: the whole repository failed with ENOENT.
    const page = await crawlRepository({ link: pathToFileURL(odd).href, input: odd, domain: 'local', localPath: odd }, 'local', options());
    expect(page.content).toContain('--- README.md ---\n# Odd names');
    expect(page.metadata.skipped).toEqual([{ path: 'bad\ufffd\ufffdname.txt', reason: 'file name is not UTF-8' }]);
    expect(readdirSync(clones)).toEqual([]);
  });

  it('reports a link that is not a repository', async () => {
    const notRepo = join(dir.path, 'plain');
    mkdirSync(notRepo);
    const t: CrawlTarget = { link: pathToFileURL(notRepo).href, input: notRepo, domain: 'local', localPath: notRepo };
    await expect(crawlRepository(t, 'local', options())).rejects.toThrow(/^git clone failed: /);
    expect(readdirSync(clones)).toEqual([]);
  });

  it('refuses a remote on a local or private address unless allowed, before git runs', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const link = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acme/tinyqueue`;
      const t: CrawlTarget = { link, input: link, domain: '127.0.0.1' };
      await expect(crawlRepository(t, 'github', options())).rejects.toThrow(/^refused: 127\.0\.0\.1, a loopback, private, link-local or metadata address/);
      const meta: CrawlTarget = { link: 'https://169.254.169.254/acme/repo', input: '', domain: '169.254.169.254' };
      await expect(crawlRepository(meta, 'github', options())).rejects.toThrow(/^refused: 169\.254\.169\.254/);
      expect(hits).toBe(0);
      expect(readdirSync(clones)).toEqual([]);
      // Allowed, git does reach it (and fails: it is no git server).
      await expect(crawlRepository(t, 'github', options({ allowLocal: true }))).rejects.toThrow(/^git clone failed/);
      expect(hits).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });

  it("clones over http from a host allowed by name, and refuses the remote's redirect to another local address", async () => {
    const bare = join(dir.path, 'served');
    mkdirSync(bare, { recursive: true });
    execFileSync('git', ['clone', '-q', '--bare', repo, join(bare, 'sample.git')], { stdio: 'pipe', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
    const served = await startGitHttpServer({ root: bare });
    // A remote that redirects to the git server, which the user did not allow (as a public host might to 169.254.169.254).
    const redirecting = await startGitHttpServer({ redirectTo: served.url.replace('127.0.0.1', 'localhost') });
    try {
      const at = (host: string): CrawlTarget => ({ link: `http://${host}/sample.git`, input: '', domain: host });
      const page = await crawlRepository(at(served.host), 'git', options({ allowHosts: [served.host] }));
      expect(page.content).toContain('--- src/pipeline.py ---');
      const before = served.hits.length;
      await expect(crawlRepository(at(redirecting.host), 'git', options({ allowHosts: [redirecting.host] }))).rejects.toThrow(
        /^refused: localhost resolves to 127\.0\.0\.1, a loopback, private, link-local or metadata address/,
      );
      expect(redirecting.hits.length).toBeGreaterThan(0);
      expect(served.hits.length).toBe(before); // git followed the redirect to it before
      expect(readdirSync(clones)).toEqual([]);
    } finally {
      await redirecting.close();
      await served.close();
    }
  });
});
