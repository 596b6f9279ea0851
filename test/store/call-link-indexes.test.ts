import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { tempDir } from '../helpers/databases.js';

// `inspect calls <id>` and `cache stats|clear` find results and cache entries by the call they
// link to: on a large database that must be an index lookup, not a scan of the table.

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('rows linked to a call', () => {
  it('are found through an index (results and the response cache)', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const db = await openDatabase(parseDatabaseUrl(`${dir.path}/x.db`));
    cleanups.push(() => db.close());
    for (const table of ['results', 'llm_cache']) {
      const plan = await sql<{ detail: string }>`explain query plan select * from ${sql.table(table)} where llm_call_id in (${'a'}, ${'b'})`.execute(db.db);
      expect(plan.rows.map((r) => r.detail).join(' | ')).toMatch(new RegExp(`USING (COVERING )?INDEX ${table}_llm_call_id`));
    }
  });
});
