import { createClientFromEnv } from '../../src/llm/create-client.js';
import type { ResolvedEnv } from '../../src/llm/profiles/load-profiles.js';
import type { Logger } from '../../src/core/logger.js';
import type { Db } from '../../src/store/database.js';
import { openCallLog } from '../../src/store/open-call-log.js';

/** What the app layer gives a monitor: judges' calls logged and cached in `db`. */
export const judgeClientIn = (db: Db, logger: Logger) => (env: ResolvedEnv) => createClientFromEnv(env, { logger, callLog: openCallLog(db, { cache: true }) });
