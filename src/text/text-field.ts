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

/**
 * What is wrong with a record that has no text (textOf gave undefined): the field is missing,
 * or holds something other than a string (`field "text" must be a string, got number`, as ingest says).
 */
export function missingTextField(record: Record<string, unknown>, textField: string | undefined): string {
  const field = textField ?? TEXT_FIELD_CANDIDATES.find((f) => record[f] !== undefined);
  const value = field === undefined ? undefined : getPath(record, field);
  if (value === undefined) return `missing text field (${textField ?? TEXT_FIELD_CANDIDATES.join(', ')})`;
  return `field "${field}" must be a string, got ${jsonTypeName(value)}`;
}

/** A JSON value's type as a person names it: null, array, object, number, boolean, string. */
export function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
