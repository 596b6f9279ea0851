import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLlmopsConfig } from '../../src/config/llmops-config.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

describe('llmops.yaml', () => {
  it('the shipped example is valid', async () => {
    const d = tempDir();
    copyFileSync(join(REPO, 'configs/llmops.example.yaml'), join(d.path, 'llmops.yaml'));
    const { config } = await loadLlmopsConfig(undefined, d.path);
    expect(config.ingest?.text_field).toBe('text');
    expect(config.split?.batch_size).toBe(256);
    d.remove();
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

  it('schema problems are in our words, with the value given', async () => {
    const d = tempDir();
    try {
      writeFileSync(join(d.path, 'llmops.yaml'), 'split: { batch_size: -3 }\ningest: { max_record_mb: "big" }\n');
      const err = (await loadLlmopsConfig(undefined, d.path).catch((e: Error) => e)) as Error;
      expect(err.message).toContain('llmops.yaml: split.batch_size: must be more than 0; got -3');
      expect(err.message).toContain('llmops.yaml: ingest.max_record_mb: expected a number; got "big"');
      expect(err.message).not.toMatch(/Invalid input|Too small/);
    } finally {
      d.remove();
    }
  });
});
