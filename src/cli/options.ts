import { InvalidArgumentError } from 'commander';

// Past 2^53 a count means "all" (and SQL's LIMIT takes at most a 64-bit integer: 1e20 was a
// "datatype mismatch").
export function toPositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return Math.min(n, Number.MAX_SAFE_INTEGER);
}

export function toNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return Math.min(n, Number.MAX_SAFE_INTEGER);
}

export function toPositiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function toPort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number (0-65535)');
  return n;
}

/** Text that says something: an empty or blank value is a typo (`--query "$UNSET"`), refused. */
export function toText(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected text, got an empty value');
  return value;
}
