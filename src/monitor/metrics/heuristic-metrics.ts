import { z } from 'zod';
import type { EvalItem, ScoreValue } from '../types.js';
import type { MetricDefinition } from './metric.js';
import { regexPattern } from '../../config/regex-pattern.js';
import { schemaPatternProblems } from './json-schema-patterns.js';

/** Fast checks on the text itself: no model, no network. */

const field = z.enum(['output', 'input', 'context']).default('output');
type Field = z.infer<typeof field>;
const textOf = (item: EvalItem, f: Field) => item[f] ?? '';

const bool = (ok: boolean, comment?: string): ScoreValue => ({ value: ok ? 1 : 0, pass: ok, comment });

/** The first JSON value in the text: whole text, else a fenced ```json block. */
function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const candidates = [text.trim()];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced) candidates.push(fenced[1]!.trim());
  let error = 'empty';
  for (const c of candidates) {
    if (c === '') continue;
    // A thrown SyntaxError costs far more than this check; most non-JSON fails it.
    if (!/^[[{"\d-]|^(?:true|false|null)$/.test(c)) {
      error = `Unexpected token '${c[0]}'`;
      continue;
    }
    try {
      return { ok: true, value: JSON.parse(c) };
    } catch (err) {
      error = (err as Error).message.split('\n')[0]!.slice(0, 120);
    }
  }
  return { ok: false, error };
}

export const jsonValid: MetricDefinition<{ field: Field }> = {
  implVersion: 1,
  params: z.strictObject({ field }),
  create: (p) => (item) => {
    const r = parseJsonText(textOf(item, p.field));
    return r.ok ? bool(true) : bool(false, `not JSON: ${r.error}`);
  },
};

export const matchesSchema: MetricDefinition<{ field: Field; schema: Record<string, unknown> }> = {
  implVersion: 1,
  params: z.strictObject({
    field,
    // Its patterns run on production output: checked with the config, as every regex in it is.
    schema: z.record(z.string(), z.unknown()).superRefine((schema, ctx) => {
      for (const p of schemaPatternProblems(schema)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message, ...(p.given === undefined ? {} : { params: { given: p.given } }) });
    }),
  }),
  create: async (p) => {
    const { z: zod } = await import('zod');
    let schema: z.ZodType;
    try {
      schema = zod.fromJSONSchema(p.schema as Parameters<typeof zod.fromJSONSchema>[0]);
    } catch (err) {
      throw new Error(`schema: not a JSON Schema zod understands: ${(err as Error).message.split('\n')[0]}`);
    }
    return (item) => {
      const r = parseJsonText(textOf(item, p.field));
      if (!r.ok) return bool(false, `not JSON: ${r.error}`);
      const v = schema.safeParse(r.value);
      if (v.success) return bool(true);
      const first = v.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      return bool(false, first.join('; '));
    };
  },
};

export const regex: MetricDefinition<{ field: Field; pattern: string; flags: string; must_match: boolean }> = {
  implVersion: 1,
  params: z.strictObject({
    field,
    pattern: regexPattern(),
    flags: z.string().regex(/^[imsu]*$/, 'only the flags i, m, s, u').default(''),
    must_match: z.boolean().default(true),
  }),
  create: (p) => {
    const re = new RegExp(p.pattern, p.flags);
    return (item) => {
      const hit = re.test(textOf(item, p.field));
      return bool(hit === p.must_match, hit ? 'matches' : 'no match');
    };
  },
};

const containsParams = z.strictObject({
  field,
  values: z.array(z.string().min(1)).min(1),
  case_sensitive: z.boolean().default(false),
  /** contains: every value must appear (all) or at least one (any). */
  mode: z.enum(['any', 'all']).default('any'),
});
type ContainsParams = z.infer<typeof containsParams>;

function found(item: EvalItem, p: ContainsParams): string[] {
  const hay = p.case_sensitive ? textOf(item, p.field) : textOf(item, p.field).toLowerCase();
  return p.values.filter((v) => hay.includes(p.case_sensitive ? v : v.toLowerCase()));
}

export const contains: MetricDefinition<ContainsParams> = {
  implVersion: 1,
  params: containsParams,
  create: (p) => (item) => {
    const hits = found(item, p);
    const ok = p.mode === 'all' ? hits.length === p.values.length : hits.length > 0;
    return { value: hits.length / p.values.length, pass: ok, comment: hits.length ? `found: ${hits.join(', ')}` : 'none found' };
  },
};

export const notContains: MetricDefinition<ContainsParams> = {
  implVersion: 1,
  params: containsParams,
  create: (p) => (item) => {
    const hits = found(item, p);
    return bool(hits.length === 0, hits.length ? `found: ${hits.join(', ')}` : undefined);
  },
};

export const length: MetricDefinition<{ field: Field; unit: 'chars' | 'words'; min?: number; max?: number }> = {
  implVersion: 1,
  params: z.strictObject({ field, unit: z.enum(['chars', 'words']).default('chars'), min: z.number().int().nonnegative().optional(), max: z.number().int().positive().optional() }),
  create: (p) => (item) => {
    const text = textOf(item, p.field);
    const n = p.unit === 'words' ? (text.match(/\S+/g)?.length ?? 0) : [...text].length;
    const ok = (p.min === undefined || n >= p.min) && (p.max === undefined || n <= p.max);
    return { value: n, pass: p.min === undefined && p.max === undefined ? undefined : ok, comment: `${n} ${p.unit}` };
  },
};

export const latency: MetricDefinition<{ max_ms?: number }> = {
  implVersion: 1,
  params: z.strictObject({ max_ms: z.number().positive().optional() }),
  create: (p) => (item) => {
    if (item.latency_ms === undefined) throw new Error('no latency on this item (map extractor.fields.latency_ms)');
    return { value: item.latency_ms, pass: p.max_ms === undefined ? undefined : item.latency_ms <= p.max_ms, comment: `${Math.round(item.latency_ms)} ms` };
  },
};

// Phrases assistants use to decline; anchored loosely so "I can't wait" does not count.
const REFUSAL_PATTERNS = [
  /\bI(?:'m| am) (?:sorry|afraid)[,.]? (?:but )?I (?:can(?:'|no)t|cannot|am unable to|won't|will not)\b/i,
  /\bI (?:can(?:'|no)t|cannot|am unable to|won't|will not|am not able to) (?:help|assist|provide|do that|answer|comply|share|discuss|support)\b/i,
  /\bI(?:'m| am) (?:not able|unable) to (?:help|assist|provide|answer|comply|share|discuss)\b/i,
  /\bas an AI(?: language model)?\b/i,
  /\b(?:that|this) (?:request )?(?:is|would be) against (?:my|our) (?:policy|policies|guidelines)\b/i,
  /\bI must (?:decline|refuse)\b/i,
];

export const refusal: MetricDefinition<{ field: Field; extra_patterns: string[] }> = {
  implVersion: 1,
  params: z.strictObject({ field, extra_patterns: z.array(regexPattern()).default([]) }),
  create: (p) => {
    const patterns = [...REFUSAL_PATTERNS, ...p.extra_patterns.map((s) => new RegExp(s, 'i'))];
    return (item) => {
      const text = textOf(item, p.field);
      const hit = patterns.find((re) => re.test(text));
      // value 1 = the answer is a refusal; pass = it is not.
      return { value: hit ? 1 : 0, pass: !hit, comment: hit ? `refusal: "${hit.exec(text)![0]}"` : undefined };
    };
  },
};
