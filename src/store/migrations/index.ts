import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-llm.js';
import * as m0003 from './0003-featurize.js';
import * as m0004 from './0004-monitor.js';
import * as m0005 from './0005-one-queue-one-runs-table.js';
import * as m0006 from './0006-call-link-indexes.js';
import * as m0007 from './0007-call-time-to-first-token.js';
import * as m0008 from './0008-chat-sessions-and-accounts.js';
import * as m0009 from './0009-sentence-offsets-only.js';
import * as m0010 from './0010-chunks-without-collection-index.js';
import * as m0011 from './0011-lexical-index-written-per-batch.js';

/** Append-only: the key orders the migrations; landed entries are frozen. */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-llm': m0002,
  '0003-featurize': m0003,
  '0004-monitor': m0004,
  '0005-one-queue-one-runs-table': m0005,
  '0006-call-link-indexes': m0006,
  '0007-call-time-to-first-token': m0007,
  '0008-chat-sessions-and-accounts': m0008,
  '0009-sentence-offsets-only': m0009,
  '0010-chunks-without-collection-index': m0010,
  '0011-lexical-index-written-per-batch': m0011,
};
