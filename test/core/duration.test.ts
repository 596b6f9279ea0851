import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { toDuration } from '../../src/cli/serve-options.js';
import { WATCH_INTERVAL, parseDuration, parseInstant } from '../../src/core/duration.js';
import { UsageError } from '../../src/core/errors.js';

describe('parseDuration', () => {
  it('reads units, and a bare number as milliseconds where no unit is required', () => {
    expect(parseDuration('30s', '--watch', WATCH_INTERVAL)).toBe(30_000);
    expect(parseDuration('5000', '--request-timeout')).toBe(5000);
    expect(parseDuration('1h', '--every')).toBe(3_600_000);
    expect(parseDuration('1.5m', '--timeout')).toBe(90_000);
  });

  it('refuses a bare number where a unit is required, suggesting one', () => {
    expect(() => parseDuration('30', '--older-than', { unitRequired: true })).toThrow(new UsageError('--older-than: "30" has no unit: say 30d for days, 30h for hours, 30m for minutes'));
    expect(parseDuration('30d', '--older-than', { unitRequired: true })).toBe(30 * 86_400_000);
    // --watch 5 was 5 ms, refused as "too short" when the user meant five seconds
    expect(() => parseDuration('5', '--watch', WATCH_INTERVAL)).toThrow(new UsageError('--watch: "5" has no unit: say 5s for seconds, 5m for minutes'));
    expect(() => parseDuration('500ms', '--watch', WATCH_INTERVAL)).toThrow(new UsageError('--watch: 500ms is too short: at least 1s'));
  });

  it('an empty or unreadable value is a UsageError naming the flag, never ms\'s own error', () => {
    for (const v of ['', ' ', 'soon', '-5m', '0s', 'x'.repeat(200)]) expect(() => parseDuration(v, '--every'), JSON.stringify(v)).toThrow(new UsageError(`--every: "${v}" is not a duration (try 30s, 5m, 1h)`));
    expect(() => toDuration('')).toThrow(InvalidArgumentError);
  });
});

describe('parseInstant (--since, --older-than)', () => {
  it('a duration back from now, or a date', () => {
    const back = Date.now() - Date.parse(parseInstant('7d', '--since'));
    expect(back).toBeGreaterThanOrEqual(7 * 86_400_000);
    expect(back).toBeLessThan(8 * 86_400_000);
    expect(parseInstant('2025-01-31', '--since')).toBe('2025-01-31T00:00:00.000Z');
  });

  it('a bare number or nothing is a UsageError', () => {
    expect(() => parseInstant('7', '--since')).toThrow(UsageError);
    expect(() => parseInstant('', '--older-than')).toThrow(new UsageError('--older-than: "" is not a duration (try 30d, 12h, or a date: 2025-01-31)'));
  });
});
