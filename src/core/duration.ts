import ms from 'ms';
import { UsageError } from './errors.js';

/** Parses "500ms", "30s", "5m", "1h" (or plain milliseconds) for --watch and friends. */
export function parseDuration(value: string, flag: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : ms(value as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed <= 0) {
    throw new UsageError(`${flag}: "${value}" is not a duration (try 30s, 5m, 1h)`);
  }
  return parsed;
}
