import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '../../src/core/logger.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { loadMonitorConfig } from '../../src/monitor/monitor-config.js';
import { openMonitor } from '../../src/monitor/open-monitor.js';
import { runMonitor } from '../../src/monitor/run-monitor.js';
import { ENGINES, engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';
import type { Publisher } from '../../src/monitor/publish/publishers.js';
import { judgeClientIn } from '../helpers/judge-client.js';

const quiet = new Logger('quiet');

function traces(n: number) {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ id: `t${i}`, input: `question ${i}`, output: i % 5 === 0 ? '{"ok": true}' : `answer number ${i}`, latency_ms: 100 + i })).join('\n') + '\n';
}

function config(dir: string, version = 1) {
  const file = join(dir, 'm.yaml');
  writeFileSync(
    file,
    `name: t\nsource: { type: jsonl, path: traces.jsonl }\nmetrics:\n  - name: json_valid\n    version: ${version}\n  - name: latency\n    params: { max_ms: 120 }\npublish: [{ type: sql }]\n`,
  );
  return file;
}

async function run(db: Db, file: string, extra: Publisher[] = [], logger = quiet) {
  const m = await loadMonitorConfig(file);
  const o = await openMonitor(m, { db, openClient: judgeClientIn(db, quiet), logger: quiet, dryRun: false });
  try {
    return await runMonitor({ monitor: m, db, source: o.source(), extractor: o.extractor, metrics: o.metrics, publishers: [...o.publishers, ...extra], dryRun: false, logger, batchSize: 7 });
  } finally {
    await o.close();
  }
}

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`monitor ledger (${engine})`, () => {
    it('a rerun scores nothing; a changed metric version re-scores only that metric', async () => {
      const dir = tempDir();
      const target = await freshDatabase(engine);
      const db = await openDatabase(parseDatabaseUrl(target.url));
      try {
        writeFileSync(join(dir.path, 'traces.jsonl'), traces(30));
        const file = config(dir.path);
        const first = await run(db, file);
        expect(first.scores).toBe(60);
        const again = await run(db, file);
        expect(again.scores).toBe(0);
        expect(again.already_scored).toBe(30);
        writeFileSync(join(dir.path, 'traces.jsonl'), traces(35));
        expect((await run(db, file)).scores).toBe(10);
        config(dir.path, 2);
        const bumped = await run(db, file);
        expect(bumped.metrics.find((m) => m.metric === 'json_valid')!.count).toBe(35);
        expect(bumped.metrics.find((m) => m.metric === 'latency')!.count).toBe(0);
        const rows = await db.db.selectFrom('monitor_scores').select(['metric', 'metric_version']).execute();
        expect(rows.length).toBe(35 * 2 + 35);
      } finally {
        await db.close();
        await target.cleanup();
        dir.remove();
      }
    });

    it('two overlapping runs never score an item twice', async () => {
      const dir = tempDir();
      const target = await freshDatabase(engine);
      const a = await openDatabase(parseDatabaseUrl(target.url));
      const b = await openDatabase(parseDatabaseUrl(target.url));
      try {
        writeFileSync(join(dir.path, 'traces.jsonl'), traces(200));
        const file = config(dir.path);
        const [ra, rb] = await Promise.all([run(a, file), run(b, file)]);
        expect(ra.scores + rb.scores).toBe(400);
        const rows = await a.db.selectFrom('monitor_scores').select(['item_id', 'metric']).execute();
        expect(rows.length).toBe(400);
        expect(new Set(rows.map((r) => `${r.item_id}/${r.metric}`)).size).toBe(400);
      } finally {
        await a.close();
        await b.close();
        await target.cleanup();
        dir.remove();
      }
    });

    it('a bad line is reported by the first run only (invalid, exit 3 once), not retried forever; a line rewritten there is new', async () => {
      const dir = tempDir();
      const target = await freshDatabase(engine);
      const db = await openDatabase(parseDatabaseUrl(target.url));
      try {
        const lines = traces(5).trimEnd().split('\n');
        lines.splice(2, 0, '{"id": broken');
        writeFileSync(join(dir.path, 'traces.jsonl'), `${lines.join('\n')}\n`);
        const file = config(dir.path);
        const first = await run(db, file);
        expect(first).toMatchObject({ scored_items: 5, failed: 0, invalid: 1, invalid_seen_before: 0 });
        const rows = await db.db.selectFrom('monitor_items').select(['item_id', 'status', 'error']).where('status', '=', 'invalid').execute();
        expect(rows).toEqual([{ item_id: expect.stringMatching(/^invalid:traces\.jsonl:3:/), status: 'invalid', error: expect.stringMatching(/^invalid JSON/) }]);
        const again = await run(db, file);
        expect(again).toMatchObject({ scored_items: 0, failed: 0, invalid: 0, invalid_seen_before: 1 });
        lines[2] = '{"id": still broken';
        writeFileSync(join(dir.path, 'traces.jsonl'), `${lines.join('\n')}\n`);
        expect(await run(db, file)).toMatchObject({ invalid: 1, invalid_seen_before: 0 });
      } finally {
        await db.close();
        await target.cleanup();
        dir.remove();
      }
    });

    it('more bad lines than a run keeps rows for: only those with a row are remembered, the rest are reported by the next run', async () => {
      const dir = tempDir();
      const target = await freshDatabase(engine);
      const db = await openDatabase(parseDatabaseUrl(target.url));
      try {
        const bad = Array.from({ length: 1005 }, (_, i) => `{"id": "bad-${i}", broken`);
        writeFileSync(join(dir.path, 'traces.jsonl'), `${[...bad, ...traces(3).trimEnd().split('\n')].join('\n')}\n`);
        const file = config(dir.path);
        const reported = () => db.db.selectFrom('monitor_items').select('item_id').where('status', '=', 'invalid').execute();
        const remembered = async () => (await db.db.selectFrom('monitor_ledger').select('item_id').where('item_id', 'like', 'invalid:%').execute()).map((r) => r.item_id);
        expect(await run(db, file)).toMatchObject({ scored_items: 3, invalid: 1005, invalid_seen_before: 0 });
        // 1,000 rows a run: the ledger holds those, never a line without its row.
        expect((await reported()).length).toBe(1000);
        expect(new Set(await remembered())).toEqual(new Set((await reported()).map((r) => r.item_id)));
        expect(await run(db, file)).toMatchObject({ scored_items: 0, invalid: 5, invalid_seen_before: 1000 });
        expect(new Set(await remembered())).toEqual(new Set((await reported()).map((r) => r.item_id)));
        expect((await remembered()).length).toBe(1005);
        expect(await run(db, file)).toMatchObject({ invalid: 0, invalid_seen_before: 1005 });
      } finally {
        await db.close();
        await target.cleanup();
        dir.remove();
      }
    });

    it('a failed publish leaves the items unscored, and the next run scores them', async () => {
      const dir = tempDir();
      const target = await freshDatabase(engine);
      const db = await openDatabase(parseDatabaseUrl(target.url));
      try {
        writeFileSync(join(dir.path, 'traces.jsonl'), traces(20));
        const file = config(dir.path);
        let calls = 0;
        const flaky: Publisher = {
          name: 'flaky',
          async publish() {
            if (++calls === 2) throw new Error('Langfuse 503');
          },
          async close() {},
        };
        const log = new PassThrough();
        let logged = '';
        log.on('data', (b) => (logged += b));
        const r = await run(db, file, [flaky], new Logger('normal', log));
        expect(r.failed).toBe(7); // the second batch of 7 items
        // One line for the batch, not one per item.
        expect(logged.trimEnd().split('\n')).toEqual(['monitor t: 7 items (t7 … t13): publish failed: Langfuse 503']);
        const done = await db.db.selectFrom('monitor_ledger').select('item_id').execute();
        expect(new Set(done.map((d) => d.item_id)).size).toBe(13);
        const failedRows = await db.db.selectFrom('monitor_items').selectAll().where('status', '=', 'failed').execute();
        expect(failedRows.length).toBe(7);
        expect(failedRows[0]!.error).toMatch(/publish failed: Langfuse 503/);
        const next = await run(db, file);
        expect(next.scored_items).toBe(7);
      } finally {
        await db.close();
        await target.cleanup();
        dir.remove();
      }
    });
  });
}
