import { createRequire } from 'node:module';
import type msType from 'ms';
import { UsageError } from './errors.js';

// `ms` is loaded on the first parse, not on import: option parsers are imported by every
// command's definition, and `llmops --help` must load nothing but commander.
let ms: typeof msType | undefined;
const loadMs = () => (ms ??= createRequire(import.meta.url)('ms') as typeof msType);

export type DurationOptions = {
  minMs?: number;
  /**
   * A bare number is refused, not read as milliseconds: for an age (`--older-than 30`, `--since 7`)
   * the user meant days, and 30 ms selected everything (the whole cache cleared).
   */
  unitRequired?: boolean;
  /** What a bare number is told to say instead: an age (days, hours, minutes; the default) or a wait (seconds, minutes). */
  units?: 'age' | 'wait';
  /** What to suggest after "is not a duration". */
  hint?: string;
};

/** Parses "500ms", "30s", "5m", "1h" (or plain milliseconds, unless `unitRequired`) for --watch and friends. */
export function parseDuration(value: string, flag: string, opts: DurationOptions = {}): number {
  if (opts.unitRequired && /^\d+(\.\d+)?$/.test(value)) {
    const say = opts.units === 'wait' ? `${value}s for seconds, ${value}m for minutes` : `${value}d for days, ${value}h for hours, ${value}m for minutes`;
    throw new UsageError(`${flag}: "${value}" has no unit: say ${say}`);
  }
  const parsed = /^\d+$/.test(value) ? Number(value) : msOf(value);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed <= 0) {
    throw new UsageError(`${flag}: "${value}" is not a duration (try ${opts.hint ?? '30s, 5m, 1h'})`);
  }
  if (opts.minMs !== undefined && parsed < opts.minMs) throw new UsageError(`${flag}: ${value} is too short: at least ${opts.minMs / 1000}s`);
  return parsed;
}

/** ms's reading of `value`, undefined when it has none: ms throws on an empty string, with a message of its own. */
function msOf(value: string): number | undefined {
  try {
    return loadMs()(value as msType.StringValue);
  } catch {
    return undefined;
  }
}

/** --watch's shortest interval: each poll reads the database (1ms polled it a thousand times a second). */
const MIN_WATCH_MS = 1000;

/**
 * How `--watch` is read: with a unit, as `--every` and `--timeout` are (`--watch 5` was 5 ms,
 * refused as too short when the user meant 5 seconds), and at least MIN_WATCH_MS.
 */
export const WATCH_INTERVAL: DurationOptions = { minMs: MIN_WATCH_MS, unitRequired: true, units: 'wait' };

/**
 * `--since 24h`, `--older-than 30d`: a duration back from now, or a date or ISO 8601 time
 * (`2025-01-31`, UTC when no zone is given). Returns the ISO instant, as timestamps are stored.
 */
export function parseInstant(value: string, flag: string): string {
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) || !value.includes('T') ? value : `${value}Z`);
    if (Number.isNaN(t)) throw new UsageError(`${flag}: "${value}" is not a date (try 2025-01-31 or 2025-01-31T08:00Z)`);
    return new Date(t).toISOString();
  }
  return new Date(Date.now() - parseDuration(value, flag, { unitRequired: true, hint: '30d, 12h, or a date: 2025-01-31' })).toISOString();
}
