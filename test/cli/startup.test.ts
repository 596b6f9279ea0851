import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BIN, REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

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

  it('`inspect search` on a hashing collection does not load the tokenizer (only chunking counts tokens)', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'w.db');
      expect((await runCli(['--db', db, '-q', 'ingest', join(REPO, 'data')])).code).toBe(0);
      expect((await runCli(['--db', db, '-q', 'featurize', '--embedder', 'hashing', '--category', 'articles'])).code).toBe(0);
      // Peak memory, as the process reports it on exit: cl100k's ranks alone are ~100 MB.
      const peak = spawnSync(
        process.execPath,
        ['--import', 'data:text/javascript,process.on("exit",()=>process.stderr.write("MAXRSS "+process.resourceUsage().maxRSS+"\\n"))', BIN, '--db', db, '--json', 'inspect', 'search', 'embedded_articles', '--query', 'market growth', '--mode', 'hybrid', '--k', '2'],
        { encoding: 'utf8' },
      );
      expect(peak.status).toBe(0);
      expect(peak.stdout.trim().split('\n')).toHaveLength(2);
      const maxRssMb = Number(/MAXRSS (\d+)/.exec(peak.stderr)?.[1]) / 1024;
      expect(maxRssMb).toBeGreaterThan(10);
      expect(maxRssMb).toBeLessThan(120);
    } finally {
      dir.remove();
    }
  });
});

describe('--help of every command and subcommand', () => {
  /** The command names listed under "Commands:" in a help text. */
  const commandsIn = (help: string) => {
    const section = (help.split('\nCommands:\n')[1] ?? '').split('\n\n')[0]!; // up to the blank line (examples follow)
    return [...section.matchAll(/^ {2}(\w[\w-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
  };

  it('says each default once (not "(default 20) (default: 20)") and ends with no error', async () => {
    const seen: string[] = [];
    const walk = async (path: string[]): Promise<void> => {
      const r = await runCli([...path, '--help']);
      expect(r.code, `${path.join(' ')} --help`).toBe(0);
      seen.push(path.join(' '));
      // Whitespace collapsed: a long description wraps between the two.
      expect(r.stdout.replace(/\s+/g, ' '), `${path.join(' ')} --help`).not.toMatch(/\(default [^)]*\) \(default: /);
      await Promise.all(commandsIn(r.stdout).map((c) => walk([...path, c])));
    };
    await walk([]);
    expect(seen).toEqual(expect.arrayContaining(['inspect results', 'dedup ledger', 'serve user add', 'monitor webhook']));
  }, 120_000);
});
