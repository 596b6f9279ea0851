import { UsageError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { loadUserFactory } from '../core/user-module.js';
import type { CallLog, CallOutbox } from '../store/call-log-types.js';
import type { ResolvedEnv } from './profiles/load-profiles.js';
import { createRedactor } from './secrets.js';
import type { Hook } from './types.js';

export type HookDeps = { logger: Logger; callLog?: CallLog };

/** The env's hookset as instances, in order; a hook listed in both phases is one instance. */
export async function createHooks(env: ResolvedEnv, deps: HookDeps): Promise<{ before: Hook[]; after: Hook[]; outbox?: CallOutbox }> {
  const instances = new Map<string, Hook | null>();
  const lists: { before: Hook[]; after: Hook[]; outbox?: CallOutbox } = { before: [], after: [] };
  for (const phase of ['before', 'after'] as const) {
    for (const [i, spec] of env.hookset[phase].entries()) {
      if (!instances.has(spec)) {
        const where = `${env.shown}: hooksets.${env.hookset.name}.${phase}[${i}]`;
        try {
          instances.set(spec, await createHook(spec, where, env, deps, lists));
        } catch (err) {
          if (err instanceof UsageError) throw err;
          throw new UsageError(`${where}: hook "${spec}" cannot start: ${createRedactor()(errorMessage(err))}`);
        }
      }
      const hook = instances.get(spec);
      if (hook) lists[phase].push(hook);
    }
  }
  return lists;
}

async function createHook(spec: string, where: string, env: ResolvedEnv, deps: HookDeps, found: { outbox?: CallOutbox }): Promise<Hook | null> {
  switch (spec) {
    case 'log': {
      const { createLogHook } = await import('./hooks/log-hook.js');
      return createLogHook(deps.logger);
    }
    case 'guard': {
      const { createGuardHook } = await import('./hooks/guard-hook.js');
      return createGuardHook();
    }
    case 'redact': {
      const { createRedactHook } = await import('./hooks/redact-hook.js');
      return createRedactHook(env.redactPatterns);
    }
    case 'store': {
      const opened = await deps.callLog?.openSink();
      if (!opened) {
        deps.logger.debug('store hook: no database in stream mode; calls are not recorded');
        return null;
      }
      // The SQL call log: cache entries wait there for their call rows.
      found.outbox = opened.outbox;
      const { createStoreHook } = await import('./hooks/store-hook.js');
      return createStoreHook(opened.sink);
    }
    case 'langfuse': {
      const { createLangfuseHook } = await import('./hooks/langfuse-hook.js');
      return createLangfuseHook({ environment: env.env, logger: deps.logger });
    }
    default: {
      // `./hooks/my-hook.js#fn`: a Hook, or a function ({logger}) returning one.
      const isHook = (v: unknown) => Boolean(v) && typeof v === 'object' && ('before' in (v as object) || 'after' in (v as object));
      const hook = await loadUserFactory<Omit<Hook, 'name'>>({ kind: 'hook', spec, baseDir: env.baseDir, where }, 'a hook (an object with before or after)', isHook, { logger: deps.logger });
      return { name: spec, ...hook };
    }
  }
}
