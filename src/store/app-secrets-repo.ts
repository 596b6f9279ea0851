import type { Kysely } from 'kysely';
import type { Database } from './types.js';

/**
 * The secret kept under `name`, made by `make` the first time. Two processes starting at once
 * (two `serve` replicas on one database) may both make one: the first insert wins, the other
 * is dropped by ON CONFLICT DO NOTHING, and both read back the winner, so they sign alike.
 */
export async function getOrCreateSecret(db: Kysely<Database>, name: string, make: () => string): Promise<string> {
  const found = await readSecret(db, name);
  if (found !== undefined) return found;
  await db
    .insertInto('app_secrets')
    .values({ name, value: make(), created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const kept = await readSecret(db, name);
  if (kept === undefined) throw new Error(`app secret ${name} vanished while being created`);
  return kept;
}

async function readSecret(db: Kysely<Database>, name: string): Promise<string | undefined> {
  const row = await db.selectFrom('app_secrets').select('value').where('name', '=', name).executeTakeFirst();
  return row?.value;
}
