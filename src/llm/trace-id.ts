import { randomUUID } from 'node:crypto';

/**
 * A trace id in the W3C / OpenTelemetry shape Langfuse expects: 32 lowercase hex digits.
 * From randomUUID, which draws on Node's cached entropy instead of a system call per id.
 */
export function newTraceId(): string {
  return randomUUID().replaceAll('-', '');
}
