import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The installed package's folder (where profiles/ and configs/ ship), wherever the bundler put us. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'llmops') return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the llmops package folder');
    dir = parent;
  }
}
