import { userRegexProblem } from '../../core/user-regex.js';

/**
 * The regular expressions a JSON Schema holds (`pattern`, and each key of `patternProperties`),
 * checked as every regex in a config is (core/user-regex.ts). zod's fromJSONSchema compiles
 * them into the `matches_schema` metric, which runs them on production output: `^(a+)+$` on
 * `"aaaa…a!"` held a monitor run at 100% CPU for minutes, deaf to Ctrl-C.
 *
 * Only schema positions are walked, the keywords zod reads subschemas from (a `pattern` key in
 * a `default` or `const` is data, not a regex).
 */

/** `given`: the regex refused, when it is a key (the value at `path` is then the whole mapping). */
export type SchemaPatternProblem = { path: (string | number)[]; message: string; given?: string };

// Keywords whose value is a schema or an array of schemas (as zod's from-json-schema.js).
const SCHEMA_KEYWORDS = new Set([
  'items',
  'prefixItems',
  'additionalItems',
  'additionalProperties',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'allOf',
  'anyOf',
  'oneOf',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
]);
// Keywords whose value maps names to schemas.
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'dependentSchemas', 'dependencies', '$defs', 'definitions']);

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every pattern in `schema` that is not a regex or could take exponential time, with where it is. */
export function schemaPatternProblems(schema: unknown): SchemaPatternProblem[] {
  const out: SchemaPatternProblem[] = [];
  // Ancestors only: YAML anchors may share a subschema (walked each time), never loop it.
  const walking = new Set<unknown>();
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => walk(n, [...path, i]));
      return;
    }
    if (!isObject(node) || walking.has(node)) return;
    walking.add(node);
    // In the order the schema is written, so the problems are reported in that order.
    for (const [key, value] of Object.entries(node)) {
      if (key === 'pattern' && typeof value === 'string') {
        const problem = userRegexProblem(value);
        if (problem) out.push({ path: [...path, key], message: problem });
      }
      if (key === 'patternProperties' && isObject(value)) {
        for (const regex of Object.keys(value)) {
          const problem = userRegexProblem(regex);
          if (problem) out.push({ path: [...path, key], message: problem, given: regex });
        }
      }
      if (SCHEMA_KEYWORDS.has(key)) walk(value, [...path, key]);
      else if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) for (const [name, sub] of Object.entries(value)) walk(sub, [...path, key, name]);
    }
    walking.delete(node);
  };
  walk(schema, []);
  return out;
}
