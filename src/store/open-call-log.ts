import type { Db } from './database.js';
import type { CallLog } from './call-log-types.js';
import { sqlCallLogSink, sqlResponseCache } from './llm-calls-repo.js';

/**
 * The call log and response cache for a command's llm client: the llm_calls and llm_cache
 * tables of `db`, or MongoDB's `llm_calls` collection when the warehouse is MongoDB (connected
 * only once a hookset stores calls). Without a database (store-less stream mode) calls are
 * neither recorded nor cached.
 */
export function openCallLog(db: Db | undefined, opts: { warehouseUrl?: string; cache?: boolean } = {}): CallLog {
  let opened: ReturnType<CallLog['openSink']> | undefined;
  const open: CallLog['openSink'] = async () => {
    if (opts.warehouseUrl && /^mongodb(\+srv)?:\/\//i.test(opts.warehouseUrl)) {
      const { openMongoCallLogSink } = await import('./mongo-call-log-sink.js');
      return { sink: await openMongoCallLogSink(opts.warehouseUrl) };
    }
    if (!db) return null;
    const sink = sqlCallLogSink(db.db);
    return { sink, outbox: sink };
  };
  return {
    openSink: () => (opened ??= open()),
    cache: opts.cache && db ? sqlResponseCache(db.db) : undefined,
  };
}
