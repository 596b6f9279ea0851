import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ndjson, runCli } from '../helpers/cli.js';
import { ENGINES, engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';

// Traces as production sends them: valid JSON that no store keeps as it is (a NUL, which
// PostgreSQL refuses; a lone surrogate, which UTF-8 cannot encode).
const HOSTILE = [
  { id: 'nul-in-text', input: 'que\u0000stion', output: 'ans\u0000wer', meta: { k: 'v' } },
  { id: 'nul-in-metadata', input: 'q', output: 'a', meta: { k: 'v\u0000x', 'ke\u0000y': ['\u0000'] } },
  { id: 'nul\u0000in-id', input: 'q', output: 'a', meta: {} },
  { id: 'surrogate-\ud800-in-id', input: 'q', output: 'a', meta: {} },
];

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`monitor on hostile traces (${engine})`, () => {
    it('a NUL in text, metadata or id and a lone surrogate in an id: every trace scored and stored once, exit 0; the rerun scores nothing', async () => {
      const dir = tempDir();
      const target = await freshDatabase(engine);
      try {
        writeFileSync(join(dir.path, 't.jsonl'), HOSTILE.map((t) => JSON.stringify(t)).join('\n') + '\n');
        const cfg = join(dir.path, 'm.yaml');
        writeFileSync(cfg, 'name: hostile\nsource: { type: jsonl, path: t.jsonl }\nextractor: { fields: { metadata: { meta: meta } } }\nmetrics: [{ name: length }]\npublish: [{ type: sql }]\n');
        const first = await runCli(['monitor', cfg, '--db', target.url]);
        expect(first.stderr.replace(/^llmops: created .*\n/, '')).toBe('');
        expect(first.code).toBe(0);
        expect(ndjson(first.stdout)[0]).toMatchObject({ fetched: 4, scored_items: 4, scores: 4, failed: 0 });
        const second = await runCli(['monitor', cfg, '--db', target.url]);
        expect(second.code).toBe(0);
        expect(ndjson(second.stdout)[0]).toMatchObject({ fetched: 4, already_scored: 4, scored_items: 0, scores: 0 });

        const db = await openDatabase(parseDatabaseUrl(target.url));
        try {
          const ids = ['nul-in-text', 'nul-in-metadata', 'nulin-id', 'surrogate-\ufffd-in-id'].sort();
          const items = await db.db.selectFrom('monitor_items').select(['item_id', 'input', 'output', 'metadata']).orderBy('item_id').execute();
          expect(items.map((r) => r.item_id)).toEqual(ids);
          const byId = new Map(items.map((r) => [r.item_id, r]));
          expect(byId.get('nul-in-text')).toMatchObject({ input: 'question', output: 'answer' });
          const meta = byId.get('nul-in-metadata')!.metadata;
          expect((typeof meta === 'string' ? JSON.parse(meta) : meta).meta).toEqual({ k: 'vx', key: [''] });
          const scores = await db.db.selectFrom('monitor_scores').select('item_id').orderBy('item_id').execute();
          expect(scores.map((r) => r.item_id)).toEqual(ids);
        } finally {
          await db.close();
        }
      } finally {
        await target.cleanup();
        dir.remove();
      }
    });
  });
}
