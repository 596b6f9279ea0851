import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A real git repository with the files a crawler has to sort out; returns its path. */
export function createGitRepository(root: string, name = 'sample-repo'): string {
  const repo = join(root, name);
  const write = (rel: string, content: string | Buffer) => {
    mkdirSync(join(repo, rel, '..'), { recursive: true });
    writeFileSync(join(repo, rel), content);
  };
  write('README.md', '# Sample repo\n\nA small project used by the crawl tests.\n');
  write('src/pipeline.py', 'def run(batch):\n    """Clean and embed one batch."""\n    return [x.strip() for x in batch]\n');
  write('src/config.yaml', 'batch_size: 32\n');
  write('package-lock.json', '{"lockfileVersion": 3}\n');
  write('node_modules/left-pad/index.js', 'module.exports = () => {};\n');
  write('dist/bundle.js', 'console.log("built");\n');
  write('docs/logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
  write('data/weights.dat', Buffer.from([1, 2, 0, 3]));
  write('data/blob.txt', Buffer.from([0x41, 0, 0x42]));
  write('data/huge.txt', 'x'.repeat(300 * 1024));
  write('data/skip-me.csv', 'a,b\n1,2\n');
  symlinkSync('/etc/hostname', join(repo, 'link-outside'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.email=test@example.com', '-c', 'user.name=Test', 'commit', '-q', '-m', 'initial');
  return repo;
}
