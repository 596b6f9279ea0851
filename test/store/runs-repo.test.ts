import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { finishRun, listRuns, startRun } from '../../src/store/runs-repo.js';
import { ENGINES, engineMissing, freshDatabase } from '../helpers/databases.js';

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`runs (${engine})`, () => {
    it('a run left "running" by a process of this host that is gone reads as died; a live or finished one as it is', async () => {
      const target = await freshDatabase(engine);
      const db = await openDatabase(parseDatabaseUrl(target.url));
      try {
        const gone = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid names no process
        const dead = await startRun(db.db, 'featurize', ['featurize']);
        await db.db.updateTable('runs').set({ pid: gone }).where('id', '=', dead).execute();
        const live = await startRun(db.db, 'split', ['split']); // this process
        const done = await startRun(db.db, 'ingest', ['ingest']);
        await db.db.updateTable('runs').set({ pid: gone }).where('id', '=', done).execute();
        await finishRun(db.db, done, { status: 'ok', counts: {} });
        const status = new Map((await listRuns(db.db, { limit: 10 })).map((r) => [r.id, r.status]));
        expect(status.get(dead)).toBe('died');
        expect(status.get(live)).toBe('running');
        expect(status.get(done)).toBe('ok');
      } finally {
        await db.close();
        await target.cleanup();
      }
    });

    it('masks a URL password holding a space in the arguments of a row stored before that mask existed', async () => {
      const target = await freshDatabase(engine);
      const db = await openDatabase(parseDatabaseUrl(target.url));
      try {
        const id = await startRun(db.db, 'split', ['split']);
        // As an older llmops stored them: a URL password with a space passed through unmasked.
        const url = 'postgres://app:my secret pw@db.example/prod';
        await db.db.updateTable('runs').set({ args: JSON.stringify(['--db', url, 'split']) }).where('id', '=', id).execute();
        const [run] = await listRuns(db.db, { limit: 1 });
        expect(JSON.stringify(run)).not.toContain('secret');
        expect(run!.args).toEqual(['--db', 'postgres://app:***@db.example/prod', 'split']);
      } finally {
        await db.close();
        await target.cleanup();
      }
    });
  });
}
