import { inspect } from 'node:util';

type LogFn = (message: string, ...rest: unknown[]) => void;

/**
 * The provider SDKs' logger, pointed at ours at debug level (-v): by default they print to the
 * console, e.g. the raw text of an event they cannot parse, in the middle of a command's output.
 * What they report still reaches the caller as the error we throw. Our logger redacts.
 */
export function sdkLogger(logger?: { debug(message: string): void }): { error: LogFn; warn: LogFn; info: LogFn; debug: LogFn } {
  const log: LogFn = (message, ...rest) =>
    logger?.debug(['sdk:', message, ...rest.map((r) => (typeof r === 'string' ? r : inspect(r, { depth: 2, breakLength: Infinity })))].join(' '));
  return { error: log, warn: log, info: log, debug: log };
}
