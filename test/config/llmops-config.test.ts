import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLlmopsConfig } from '../../src/config/llmops-config.js';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

describe('llmops.yaml', () => {
  it('the shipped example is valid, for every command it sets', async () => {
    const d = tempDir();
    try {
      copyFileSync(join(REPO, 'configs/llmops.example.yaml'), join(d.path, 'llmops.yaml'));
      const { config } = await loadLlmopsConfig(undefined, d.path);
      expect(config).toMatchObject({ ingest: { text_field: 'text' }, split: { batch_size: 256 } });
      // The sections are checked against the commands' options by the CLI.
      const r = await runCli(['where'], { cwd: d.path });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    } finally {
      d.remove();
    }
  });

  it('a missing --config file is a usage error; no llmops.yaml means defaults', async () => {
    const d = tempDir();
    await expect(loadLlmopsConfig('nope.yaml', d.path)).rejects.toThrow('--config: no such file: nope.yaml');
    expect(await loadLlmopsConfig(undefined, d.path)).toEqual({ config: {} });
    d.remove();
  });

  it('a YAML syntax error names the file, line and column on one line', async () => {
    const d = tempDir();
    try {
      writeFileSync(join(d.path, 'llmops.yaml'), 'db: x.db\ningest:\n  text_field: body\n  category: posts: news\n');
      const err = await loadLlmopsConfig(undefined, d.path).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^llmops\.yaml:4:\d+: invalid YAML: Nested mappings/);
      expect((err as Error).message.split('\n')).toHaveLength(1);
    } finally {
      d.remove();
    }
  });

  it('problems are in our words, with the value given', async () => {
    const d = tempDir();
    try {
      writeFileSync(join(d.path, 'llmops.yaml'), 'db: 5\n');
      const err = (await loadLlmopsConfig(undefined, d.path).catch((e: Error) => e)) as Error;
      expect(err.message).toBe('llmops.yaml: db: expected a string; got 5');
      // A command's section: checked by the CLI against the flag's own parser.
      writeFileSync(join(d.path, 'llmops.yaml'), 'split: { batch_size: -3 }\ningest: { max_record_mb: "big" }\n');
      const r = await runCli(['inspect', 'runs'], { cwd: d.path });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('llmops.yaml: split.batch_size: expected a positive integer; got -3');
      expect(r.stderr).toContain('llmops.yaml: ingest.max_record_mb: expected a positive number; got "big"');
      expect(r.stderr).not.toMatch(/Invalid input|Too small/);
    } finally {
      d.remove();
    }
  });

  it('is found in the working folder, else in the project root that holds .llmops/', async () => {
    const d = tempDir();
    try {
      mkdirSync(join(d.path, '.llmops'));
      mkdirSync(join(d.path, 'a/b'), { recursive: true });
      writeFileSync(join(d.path, 'llmops.yaml'), 'db: root.db\n');
      expect(await loadLlmopsConfig(undefined, join(d.path, 'a/b'))).toMatchObject({ config: { db: 'root.db' }, path: join(d.path, 'llmops.yaml'), shown: '../../llmops.yaml', origin: 'project' });
      writeFileSync(join(d.path, 'a/b/llmops.yaml'), 'db: here.db\n');
      expect(await loadLlmopsConfig(undefined, join(d.path, 'a/b'))).toMatchObject({ config: { db: 'here.db' }, shown: 'llmops.yaml', origin: 'here' });
    } finally {
      d.remove();
    }
  });
});
