import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';

// Detaching one ArrayBuffer (a postMessage transfer) invalidates V8's ArrayBufferDetaching
// protector for its thread: every optimized function reading typed arrays there is thrown away
// and compiled again (worker-pool.ts). V8 says when it happens; no worker of ours may make it.

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function records(): string {
  const lines: string[] = [];
  for (let i = 0; i < 120; i++) {
    const words = Array.from({ length: 60 + (i % 50) }, (_, j) => `word${(i * 7 + j * 3) % 97}`).join(' ');
    const category = ['articles', 'posts', 'repositories'][i % 3];
    lines.push(JSON.stringify({ id: `d${i}`, category, text: `${words}. Another sentence here! And a third one? ${words}.` }));
  }
  return `${lines.join('\n')}\n`;
}

describe('worker threads hand their results back', () => {
  it('without detaching a buffer (featurize and split with 2 workers, small batches so that many go back)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmops-buffers-'));
    dirs.push(dir);
    const db = join(dir, 'w.db');
    const ingest = await runCli(['--db', db, 'ingest', '-'], { input: records() });
    expect(ingest.code, ingest.stderr).toBe(0);
    for (const args of [
      ['featurize', '--embedder', 'hashing', '--workers', '2', '--batch-size', '8'],
      ['split', '--workers', '2', '--batch-size', '8'],
    ]) {
      const run = spawnSync(process.execPath, ['--trace-protector-invalidation', BIN, '--db', db, '--json', ...args], { encoding: 'utf8', timeout: 120_000 });
      expect(run.status, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout.split('\n').filter((l) => l.startsWith('{')).at(-1)!) as { documents: number; workers: number };
      expect(summary).toMatchObject({ documents: 120, workers: 2 });
      // V8 writes its traces to stdout.
      expect(run.stdout + run.stderr, args[0]).not.toMatch(/Invalidating protector cell ArrayBufferDetaching/);
    }
  });
});
