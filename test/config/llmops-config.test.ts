import { copyFileSync } from 'node:fs';
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
});
