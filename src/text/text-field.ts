import { getPath } from '../core/dot-path.js';

/** Where a record's text is looked for when no --text-field names it, in this order. */
export const TEXT_FIELD_CANDIDATES = ['text', 'content', 'body'];

/**
 * The text of a stream record (split --in, analyse --in): the named field (a dot path), or
 * the first candidate field that holds a string. Undefined when there is no string there.
 */
export function textOf(record: Record<string, unknown>, textField: string | undefined): string | undefined {
  const field = textField ?? TEXT_FIELD_CANDIDATES.find((f) => typeof record[f] === 'string');
  const text = field ? getPath(record, field) : undefined;
  return typeof text === 'string' ? text : undefined;
}

/** The problem to report for a record without text. */
export function missingTextField(textField: string | undefined): string {
  return `missing text field (${textField ?? TEXT_FIELD_CANDIDATES.join(', ')})`;
}
