// The thread that checkpoints a bulk writer's WAL (wal-checkpoints.ts): a checkpoint is mostly
// waiting on the disk (copying the WAL into the file and two fsyncs: ~70 ms of CPU in ~220 ms
// for 50 MB), so it gets a thread of its own instead of stalling one that has CPU work to do.
import { serveWorkerJobs } from '../core/worker-pool.js';
import { checkpointWal, workerConnection } from './worker-sqlite.js';

/** The file to checkpoint. */
export type CheckpointWorkerData = { file: string };

/** Answers with the frames in the WAL (-1: the checkpoint failed). */
serveWorkerJobs<null, number>(async (_input, raw) => {
  const { file } = raw as CheckpointWorkerData;
  return { output: checkpointWal(await workerConnection(file)) };
});
