import { existsSync } from 'node:fs';
import { open, readdir, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CrawlError, type CrawledPage, type CrawlTarget } from './crawl-types.js';
import { assertPublicHost } from './network-guard.js';
import { makeCloneDir } from './clone-dirs.js';

export type RepositoryOptions = {
  timeoutMs: number;
  /** The clone is stopped once the checkout grows past this. */
  maxRepoBytes: number;
  maxFileBytes: number;
  /** Stop adding files once the document holds this much text. */
  maxTotalBytes: number;
  /** Names (`node_modules`), globs on the name (`*.lock`) or paths (`docs/generated`). */
  ignore: string[];
  signal?: AbortSignal;
  /** Clone from loopback, private, link-local and metadata addresses too (default: refused). */
  allowLocal?: boolean;
  allowHosts?: readonly string[];
};

export const DEFAULT_IGNORE = [
  '.git', '.hg', '.svn', 'node_modules', 'vendor', 'third_party', 'dist', 'build', 'out', 'target', '.next', '.nuxt',
  '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache', '.pytest_cache', '.idea', '.vscode', 'coverage', '.gradle',
  'package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'Cargo.lock', 'poetry.lock', 'Pipfile.lock', 'Gemfile.lock',
  'composer.lock', 'go.sum', 'uv.lock', '*.lock', '*.min.js', '*.min.css', '*.map',
  '*.png', '*.jpg', '*.jpeg', '*.gif', '*.webp', '*.bmp', '*.ico', '*.svg', '*.tiff', '*.psd',
  '*.pdf', '*.zip', '*.tar', '*.gz', '*.tgz', '*.bz2', '*.xz', '*.7z', '*.rar', '*.jar', '*.war', '*.whl',
  '*.exe', '*.dll', '*.so', '*.dylib', '*.a', '*.o', '*.class', '*.pyc', '*.bin', '*.dat', '*.db', '*.sqlite',
  '*.woff', '*.woff2', '*.ttf', '*.otf', '*.eot', '*.mp3', '*.mp4', '*.wav', '*.avi', '*.mov', '*.webm',
  '*.onnx', '*.pt', '*.pth', '*.safetensors', '*.h5', '*.pkl', '*.npy', '*.parquet', '*.ipynb_checkpoints', '.DS_Store',
];

/** True for a work tree with `.git`, or a bare repository. */
export function isGitDir(path: string): boolean {
  return existsSync(join(path, '.git')) || (existsSync(join(path, 'HEAD')) && existsSync(join(path, 'objects')) && existsSync(join(path, 'refs')));
}

/**
 * A repository as one document: a shallow clone into a temporary folder that is always
 * removed (by the next crawl, when this one is killed), repository hooks and LFS downloads
 * off, then every text file's path and content.
 */
export async function crawlRepository(target: CrawlTarget, platform: string, opts: RepositoryOptions): Promise<CrawledPage> {
  // Git resolves and connects by itself: the remote's addresses are checked just before.
  if (!target.localPath && !opts.allowLocal) await assertPublicHost(new URL(target.link), opts.allowHosts);
  const dir = await makeCloneDir();
  const checkout = join(dir, 'repo');
  try {
    await shallowClone(target, dir, checkout, opts);
    if ((await dirSize(checkout)) > opts.maxRepoBytes) throw new CrawlError(`repository larger than ${formatBytes(opts.maxRepoBytes)}`);
    const links = await symbolicLinks(checkout);
    const { files, skipped } = await readFiles(checkout, { ...opts, ignore: [...opts.ignore, ...[...links].map((l) => (l.includes('/') ? l : `./${l}`))] });
    if (files.length === 0) throw new CrawlError('no text files in the repository');
    const content = files.map((f) => `--- ${f.path} ---\n${f.text.replace(/\s+$/, '')}\n`).join('\n');
    return {
      kind: 'repository',
      platform,
      category: target.category ?? 'repositories',
      title: repoName(target),
      author: target.author ?? null,
      content,
      metadata: {
        crawler: 'repository',
        files: files.map((f) => ({ path: f.path, bytes: f.bytes })),
        skipped_files: skipped.length,
        skipped: skipped.slice(0, 200),
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** `git clone --depth 1` of the target into `checkout` (inside `dir`, which is watched for size). */
async function shallowClone(target: CrawlTarget, dir: string, checkout: string, opts: RepositoryOptions): Promise<void> {
  const { execa } = await import('execa');
  const source = target.localPath ? pathToFileURL(target.localPath).href : target.link.replace(/\/$/, '');
  // Git follows a remote's redirects by itself: every connection goes through the guard proxy,
  // which refuses local addresses on each hop (a public remote redirecting to 169.254.169.254).
  let refusal: string | undefined;
  const proxy = target.localPath || opts.allowLocal ? null : await (await import('./guard-proxy.js')).startGuardProxy(opts.allowHosts, (reason) => (refusal ??= reason));
  // Only the transports the user allowed; never ssh, ext:: or other helpers a link could smuggle in.
  const protocols = target.localPath ? ['file'] : ['https', 'http'];
  const args = [
    '-c', 'core.hooksPath=/dev/null',
    '-c', 'core.symlinks=false',
    '-c', 'core.fsmonitor=false',
    '-c', 'protocol.allow=never',
    ...protocols.flatMap((p) => ['-c', `protocol.${p}.allow=always`]),
    '-c', 'filter.lfs.smudge=',
    '-c', 'filter.lfs.process=',
    '-c', 'filter.lfs.required=false',
    '-c', 'advice.detachedHead=false',
    ...(proxy ? ['-c', `http.proxy=${proxy.url}`] : []),
    'clone', '--depth', '1', '--single-branch', '--no-tags', '--recurse-submodules=no', '--quiet', '--', source, checkout,
  ];
  const child = execa('git', args, {
    timeout: opts.timeoutMs,
    cancelSignal: opts.signal,
    reject: false,
    stdin: 'ignore',
    env: {
      GIT_TERMINAL_PROMPT: '0',
      GIT_LFS_SKIP_SMUDGE: '1',
      GIT_ASKPASS: 'true',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      // No host may skip the proxy.
      ...(proxy ? { NO_PROXY: '', no_proxy: '' } : {}),
    },
  });
  // Git has no size limit for a clone: watch the folder and stop it when it grows too big.
  let tooBig = false;
  const watcher = setInterval(async () => {
    if ((await dirSize(dir).catch(() => 0)) > opts.maxRepoBytes) {
      tooBig = true;
      child.kill('SIGKILL');
    }
  }, 250);
  const result = await child.finally(async () => {
    clearInterval(watcher);
    await proxy?.close();
  });
  if (tooBig) throw new CrawlError(`repository larger than ${formatBytes(opts.maxRepoBytes)}: clone stopped`);
  if (result.timedOut) throw new CrawlError(`git clone timed out after ${opts.timeoutMs} ms`, true);
  if (result.isCanceled) throw new CrawlError('interrupted');
  if (result.exitCode !== 0 && refusal) throw new CrawlError(refusal);
  if (result.exitCode !== 0) {
    const msg = String(result.stderr ?? '').split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? `exit ${result.exitCode}`;
    throw new CrawlError(`git clone failed: ${msg.replace(/^fatal:\s*/, '')}`, /unable to access|early EOF|RPC failed|timed out/i.test(msg));
  }
}

/** Paths of symbolic links in the checkout. With core.symlinks=false git writes each as a small
 * file holding its target: those are left out. */
async function symbolicLinks(checkout: string): Promise<Set<string>> {
  const { execa } = await import('execa');
  const listed = await execa('git', ['-C', checkout, 'ls-files', '-s', '-z'], { reject: false, timeout: 30_000, stdin: 'ignore' });
  return new Set(
    String(listed.stdout ?? '')
      .split('\0')
      .filter((l) => l.startsWith('120000 '))
      .map((l) => l.slice(l.indexOf('\t') + 1)),
  );
}

function repoName(target: CrawlTarget): string {
  const path = target.localPath ?? new URL(target.link).pathname;
  return path.replace(/\/+$/, '').replace(/\.git$/, '').split(/[\\/]/).filter(Boolean).slice(-2).join('/') || target.link;
}

type FileText = { path: string; text: string; bytes: number };

async function readFiles(root: string, opts: RepositoryOptions): Promise<{ files: FileText[]; skipped: { path: string; reason: string }[] }> {
  const matchers = opts.ignore.map(ignoreMatcher);
  const ignored = (rel: string, name: string) => matchers.some((m) => m(rel, name));
  const files: FileText[] = [];
  const skipped: { path: string; reason: string }[] = [];
  let total = 0;
  const walk = async (dir: string) => {
    // Names as bytes: one that is not UTF-8 reads back as U+FFFD, a path that does not exist,
    // and its stat failed the whole repository. Such a file is skipped.
    const entries = (await readdir(dir, { withFileTypes: true, encoding: 'buffer' })).map((e) => ({ e, name: utf8Name(e.name) }));
    entries.sort((a, b) => (a.e.name.toString() < b.e.name.toString() ? -1 : a.e.name.toString() > b.e.name.toString() ? 1 : 0));
    for (const { e, name } of entries) {
      if (name === null) {
        skipped.push({ path: relative(root, join(dir, e.name.toString())).split(sep).join('/'), reason: 'file name is not UTF-8' });
        continue;
      }
      const abs = join(dir, name);
      const rel = relative(root, abs).split(sep).join('/');
      if (ignored(rel, name)) continue;
      // Symbolic links are not followed: a link to /etc/passwd is not the repository's text.
      if (e.isDirectory()) await walk(abs);
      else if (e.isFile()) {
        const size = (await stat(abs)).size;
        if (size > opts.maxFileBytes) {
          skipped.push({ path: rel, reason: `larger than ${opts.maxFileBytes} bytes` });
          continue;
        }
        if (total + size > opts.maxTotalBytes) {
          skipped.push({ path: rel, reason: 'repository text limit reached' });
          continue;
        }
        const text = await readText(abs, size);
        if (text === null) {
          skipped.push({ path: rel, reason: 'binary' });
          continue;
        }
        if (!text.trim()) continue;
        total += size;
        files.push({ path: rel, text, bytes: size });
      }
    }
  };
  await walk(root);
  return { files, skipped };
}

function utf8Name(name: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(name);
  } catch {
    return null;
  }
}

/** The file as text, or null when it is binary (a NUL byte, or not valid UTF-8). */
async function readText(path: string, size: number): Promise<string | null> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(size);
    await fh.read(buf, 0, size, 0);
    if (buf.subarray(0, 8192).includes(0)) return null;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buf);
    } catch {
      return null;
    }
  } finally {
    await fh.close();
  }
}

function ignoreMatcher(pattern: string): (rel: string, name: string) => boolean {
  const p = pattern.replace(/\/+$/, '');
  if (p.includes('*')) {
    const re = new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
    return p.includes('/') ? (rel) => re.test(rel) : (_rel, name) => re.test(name);
  }
  if (p.startsWith('./')) return (rel) => rel === p.slice(2); // a top-level path, not a name anywhere
  return p.includes('/') ? (rel) => rel === p || rel.startsWith(`${p}/`) : (_rel, name) => name === p;
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const parent = (e as unknown as { parentPath?: string; path?: string }).parentPath ?? (e as unknown as { path: string }).path;
    total += (await stat(join(parent, e.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${Math.round(n / 1024)} KB`;
}
