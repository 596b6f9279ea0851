import { existsSync } from 'node:fs';
import { redactUrl } from '../core/redact.js';
import type { DatabaseTarget } from '../store/database-url.js';
import type { Context } from './context.js';
import { locateConfig, type Located } from './locations.js';
import { printRows } from './print.js';
import { databaseTarget } from './stores.js';

type Place = { what: string; location: string; source: Located['origin']; why: string; exists: boolean | null };

const NOT_CHECKED = null; // a server: `where` opens no connection

/**
 * `llmops where` (also `llmops inspect path`): the database, warehouse, vector store and config
 * a command run here would use, why each was chosen, and whether it exists. Opens nothing and
 * creates nothing.
 */
export async function where(ctx: Context): Promise<void> {
  const { db, warehouse, project } = ctx.sources;
  const target = await databaseTarget(ctx);
  const dbExists = target.engine === 'sqlite' ? target.path === ':memory:' || existsSync(target.path) : NOT_CHECKED;
  const config = locateConfig(project);
  const rows: Place[] = [
    { what: 'database', location: target.display, source: db.origin, why: db.why, exists: dbExists },
    warehouse.value
      ? { what: 'warehouse', location: redactUrl(warehouse.value), source: warehouse.origin, why: warehouse.why, exists: NOT_CHECKED }
      : { what: 'warehouse', location: target.display, source: warehouse.origin, why: warehouse.why, exists: dbExists },
    vectorStore(target, dbExists),
    { what: 'config', location: config.value ?? '(none)', source: config.origin, why: config.why, exists: config.value !== undefined },
  ];
  printRows(ctx, ctx.json ? rows : rows.map((r) => ({ ...r, exists: r.exists === null ? 'not checked (server)' : r.exists ? 'yes' : 'no' })));
}

/** Where `featurize --vectors auto` writes and `inspect` reads. */
function vectorStore(target: DatabaseTarget, dbExists: boolean | null): Place {
  const qdrant = process.env.QDRANT_URL;
  if (qdrant) return { what: 'vectors', location: `qdrant ${redactUrl(qdrant)}`, source: 'env', why: 'QDRANT_URL', exists: NOT_CHECKED };
  if (target.engine === 'postgres') {
    return { what: 'vectors', location: '(none)', source: 'default', why: 'with PostgreSQL as the database, vectors live in Qdrant: set QDRANT_URL', exists: false };
  }
  return { what: 'vectors', location: `sqlite-vec in ${target.display}`, source: 'default', why: 'default: inside the SQLite database', exists: dbExists };
}
