import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes `content` to `name` under `root`, making the folders on the way; returns the path. */
export function writeFileIn(root: string, name: string, content: string | Buffer): string {
  const p = join(root, name);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}
