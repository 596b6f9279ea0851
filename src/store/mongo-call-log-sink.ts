import type { CallLogRow, CallLogSink } from './call-log-types.js';

/** The call log in MongoDB's `llm_calls` collection (when the warehouse is MongoDB). */
export async function openMongoCallLogSink(url: string): Promise<CallLogSink> {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000, appName: 'llmops' });
  await client.connect();
  const calls = client.db().collection<Omit<CallLogRow, 'id'> & { _id: string }>('llm_calls');
  return {
    async write(row) {
      const { id, ...rest } = row;
      await calls.insertOne({ _id: id, ...rest });
    },
    close: () => client.close(),
  };
}
