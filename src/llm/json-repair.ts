import { z } from 'zod';

/**
 * Models wrap JSON in prose and code fences, leave trailing commas, and write labels in
 * another case. These helpers find and mend such answers; they never invent content.
 */

/** The first balanced {...} in the text (string-aware), or null. */
export function extractFirstJsonObject(text: string): string | null {
  let start = text.indexOf('{');
  while (start !== -1) {
    let depth = 0;
    let inString = false;
    let escaped = false;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) return text.slice(start, i + 1);
    }
    start = text.indexOf('{', start + 1);
  }
  return null;
}

function stripCodeFences(text: string): string {
  const m = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(text);
  return m ? m[1]! : text;
}

function removeTrailingCommas(json: string): string {
  return json.replace(/,\s*([}\]])/g, '$1');
}

export type ParseOutcome<T> = { ok: true; value: T; repaired: boolean } | { ok: false; error: string };

/** Strict: the whole text is JSON that satisfies the schema. */
export function parseStrict<T>(text: string, schema: z.ZodType<T>): ParseOutcome<T> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const r = schema.safeParse(data);
  return r.success ? { ok: true, value: r.data, repaired: false } : { ok: false, error: summarizeIssues(r.error) };
}

/**
 * Lenient: strict first; else the first JSON object inside fences or prose, trailing commas
 * removed, enum values matched regardless of case. `repaired` says whether mending was needed.
 */
export function parseLenient<T>(text: string, schema: z.ZodType<T>): ParseOutcome<T> {
  const strict = parseStrict(text.trim(), schema);
  if (strict.ok) return strict;
  const candidate = extractFirstJsonObject(stripCodeFences(text));
  if (candidate === null) return { ok: false, error: 'no JSON object in the answer' };
  let data: unknown;
  try {
    data = JSON.parse(candidate);
  } catch {
    try {
      data = JSON.parse(removeTrailingCommas(candidate));
    } catch (err) {
      return { ok: false, error: `invalid JSON: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  const r = schema.safeParse(normalizeEnumCase(data, schema));
  return r.success ? { ok: true, value: r.data, repaired: true } : { ok: false, error: summarizeIssues(r.error) };
}

/** "Positive" → "positive" where the schema has an enum with that value in another case. */
function normalizeEnumCase(data: unknown, schema: z.ZodType): unknown {
  if (!(schema instanceof z.ZodObject) || data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const v = out[key];
    if (typeof v === 'string' && field instanceof z.ZodEnum) {
      const match = (field.options as string[]).find((o) => o.toLowerCase() === v.trim().toLowerCase());
      if (match !== undefined) out[key] = match;
    }
  }
  return out;
}

function summarizeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ');
}
