import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planCrawl } from '../../src/crawl/crawl-plan.js';
import { tempDir } from '../helpers/databases.js';

const timeoutOf = async (flags: { timeout?: string; config?: string }) => (await planCrawl(['https://example.com/a'], flags, undefined, undefined)).options.timeoutMs;

describe('crawl timeouts', () => {
  it('--timeout wants a unit: a bare 30 was 30 ms, where the config\'s timeout: 30 is 30 s', async () => {
    await expect(timeoutOf({ timeout: '30' })).rejects.toThrow('--timeout: "30" has no unit: say 30s for seconds, 30m for minutes');
    expect(await timeoutOf({ timeout: '30s' })).toBe(30_000);
    expect(await timeoutOf({ timeout: '1500ms' })).toBe(1500);
    expect(await timeoutOf({})).toBe(30_000);
  });

  it('settings.timeout: a number is seconds, else a duration', async () => {
    const dir = tempDir();
    try {
      for (const [value, ms] of [['30', 30_000], ['2.5', 2500], ['1m', 60_000], ['"500ms"', 500]] as const) {
        const config = join(dir.path, 'c.yaml');
        writeFileSync(config, `author: A\nlinks: [https://example.com/a]\nsettings:\n  timeout: ${value}\n`);
        expect(await timeoutOf({ config }), value).toBe(ms);
      }
    } finally {
      dir.remove();
    }
  });
});
