import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';

const RECORDER = fileURLToPath(new URL('../helpers/record-imports.mjs', import.meta.url));

function importsOf(args: string[]): string[] {
  const r = spawnSync(process.execPath, ['--import', RECORDER, BIN, ...args], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stderr
    .split('\n')
    .filter((l) => l.startsWith('IMPORT '))
    .map((l) => l.slice(7));
}

describe('start-up', () => {
  it('`llmops --help` loads commander and nothing heavy', () => {
    const urls = importsOf(['--help']);
    const packages = new Set(urls.map((u) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(u)?.[1]).filter(Boolean));
    expect([...packages]).toEqual(['commander']);
  });

  it('`llmops analyse --help` does not load the LLM SDKs, the database or the browser', () => {
    const urls = importsOf(['analyse', '--help']).join('\n');
    for (const heavy of ['kysely', 'better-sqlite3', '@anthropic-ai', '/openai/', 'playwright', '@huggingface', 'mongodb', '@langfuse', 'zod']) {
      expect(urls).not.toContain(heavy);
    }
  });
});
