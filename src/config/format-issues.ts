import type { z } from 'zod';
import { didYouMean } from '../core/did-you-mean.js';

/**
 * Every zod issue as `file: path.to.field: message`, one line each, all at once, in our words
 * ("expected one of jsonl, slack; got \"jsonll\"", "missing") rather than zod's ("Invalid
 * discriminator value", "Invalid input: expected string, received undefined"). `data` is the
 * parsed file, so a line can show the value that was given. With `schema`, an unknown key is
 * a line of its own with the key it was probably meant to be, as llmops.yaml's are
 * (`source.pth: unknown key; did you mean path?`).
 */
export function formatIssues(file: string, issues: z.core.$ZodIssue[], source?: { data: unknown; schema?: z.ZodType }): string[] {
  return tightestBounds(issues).flatMap((issue) => {
    if (issue.code === 'unrecognized_keys' && source?.schema) {
      const known = knownKeysAt(source.schema, issue.path, source.data);
      return issue.keys.map((key) => `${file}: ${[...issue.path, key].map(String).join('.')}: unknown key${didYouMean(key, known)}`);
    }
    const path = issue.path.map(String).join('.');
    const at = source ? { value: valueAt(source.data, issue.path) } : undefined;
    return [`${file}: ${path || '(top level)'}: ${describeIssue(issue, at)}`];
  });
}

/**
 * One bound per field: `.int().max(256)` on 1e100 failed both the safe-integer bound and 256,
 * two lines for one value; the tighter one says it all.
 */
function tightestBounds(issues: z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const bound = (i: z.core.$ZodIssue) => Number((i as { maximum?: unknown }).maximum);
  return issues.filter((i) => i.code !== 'too_big' || !issues.some((o) => o !== i && o.code === 'too_big' && o.path.join('.') === i.path.join('.') && bound(o) < bound(i)));
}

type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType; options?: z.ZodType[]; in?: z.ZodType; getter?: () => z.ZodType; discriminator?: string };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/**
 * The keys the schema allows in the mapping at `path` (for a union, those of the option the
 * data picks by its discriminator, else of every option). Empty where the walk cannot tell.
 */
function knownKeysAt(schema: z.ZodType, path: PropertyKey[], data: unknown): string[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return knownKeysAt(def.innerType!, path, data);
    case 'pipe':
      return knownKeysAt(def.in!, path, data);
    case 'lazy':
      return knownKeysAt(def.getter!(), path, data);
    case 'union': {
      const tag = def.discriminator && data !== null && typeof data === 'object' ? (data as Record<string, unknown>)[def.discriminator] : undefined;
      const picked = def.options!.filter((o) => tag === undefined || defOf(o).shape?.[def.discriminator!] === undefined || defOf(o).shape![def.discriminator!]!.safeParse(tag).success);
      return [...new Set(picked.flatMap((o) => knownKeysAt(o, path, data)))];
    }
    case 'object': {
      if (path.length === 0) return Object.keys(def.shape ?? {});
      const child = def.shape?.[String(path[0])];
      return child ? knownKeysAt(child, path.slice(1), valueAt(data, [path[0]!])) : [];
    }
    case 'array':
      return path.length === 0 ? [] : knownKeysAt(def.element!, path.slice(1), valueAt(data, [path[0]!]));
    default:
      return [];
  }
}

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let cur = data;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number' && !Number.isFinite(v)) return `${v} (a number too large to hold)`; // JSON would say null
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  record: 'a mapping (key: value)',
};

function oneOf(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

/** How zod's own (English) messages begin; anything else was written in a schema. */
const ZOD_WORDING = /^(Invalid |Too (small|big)|Unrecognized keys?:|Number must be|Expected )/;

/** `at` is the value found at the issue's path, when the data was at hand. */
function describeIssue(issue: z.core.$ZodIssue, at: { value: unknown } | undefined): string {
  // A check may say which value it refused when that is not the one at its path (a mapping's key).
  if (at && issue.code === 'custom' && issue.params && Object.hasOwn(issue.params, 'given')) at = { value: issue.params.given };
  const value = at?.value;
  const given = !at ? '' : value === undefined ? '; missing' : `; got ${shown(value)}`;
  // A schema's own message ("unknown provider (use one of: …)") is already in our words.
  if (!ZOD_WORDING.test(issue.message)) return at && value !== undefined ? `${issue.message}${given}` : issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (at && value === undefined) return `missing (expected ${TYPE_WORDS[issue.expected] ?? issue.expected})`;
      return `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}${given}`;
    case 'invalid_union': {
      const u = issue as z.core.$ZodIssueInvalidUnion & { options?: unknown[] };
      if (u.options) return `expected one of ${oneOf(u.options)}${given}`;
      return `does not match any of the allowed forms${given}`;
    }
    case 'invalid_value':
      return issue.values.length === 1 ? `expected ${shown(issue.values[0])}${given}` : `expected one of ${oneOf(issue.values)}${given}`;
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
      const inclusive = issue.inclusive !== false;
      const n = Number(bound);
      if (issue.origin === 'string') {
        if (small && n === 1) return 'must not be empty';
        return `must have ${small ? 'at least' : 'at most'} ${n} character${n === 1 ? '' : 's'}`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') return `must have ${small ? 'at least' : 'at most'} ${n} item${n === 1 ? '' : 's'}`;
      return `must be ${small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than'} ${n}${given}`;
    }
    case 'invalid_format':
      if (issue.format === 'regex') return `not in the expected form${given}`;
      return `not a valid ${issue.format === 'url' ? 'URL' : issue.format === 'datetime' ? 'ISO date-time (2026-01-31T12:00:00Z)' : issue.format}${given}`;
    case 'unrecognized_keys':
      // Without the schema (formatIssues' `source.schema`), in zod's words, already plain.
      return issue.message;
    default:
      return issue.message;
  }
}
