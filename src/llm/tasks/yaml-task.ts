import { z } from 'zod';
import { UsageError, errorMessage } from '../../core/errors.js';
import { checkUserModuleFile, type UserModuleRef } from '../../core/user-module.js';
import { formatIssues } from '../../config/format-issues.js';
import { parseYamlFile } from '../../config/llmops-config.js';
import { defineTask, type SentenceTask } from './define-task.js';

/**
 * A task written in YAML (`llmops analyse --task ./tasks/topic.yaml`): a versioned prompt
 * template, the JSON Schema of the answer, and which of its fields a result stores as label and
 * confidence. Strict: an unknown key is an error (usually a typo), every problem one line.
 */
const taskFileSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'letters, digits, _ . -, starting with a letter'),
  /** Bump it whenever the prompt or the schema changes: results are kept per name and version. */
  version: z.number().int().positive(),
  description: z.string().optional(),
  /** Instructions, the same for every text; the answer's JSON Schema is appended to them. */
  system: z.string().min(1).optional(),
  /** The user message; `{{text}}` is replaced by the text. */
  prompt: z.string().min(1),
  /** A JSON Schema of an object: the answer must satisfy it. */
  output: z.record(z.string(), z.unknown()),
  /** The answer's field stored as the result's label. */
  label: z.string().min(1),
  /** The answer's numeric field stored as the result's confidence. */
  confidence: z.string().min(1).optional(),
  max_parse_retries: z.number().int().min(0).max(5).optional(),
});

type TaskFile = z.infer<typeof taskFileSchema>;

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

export async function loadYamlTask(ref: UserModuleRef): Promise<SentenceTask> {
  const shown = ref.spec;
  const data = await parseYamlFile(checkUserModuleFile(ref), shown);
  const parsed = taskFileSchema.safeParse(data ?? {});
  if (!parsed.success) throw new UsageError(formatIssues(shown, parsed.error.issues, { data, schema: taskFileSchema }).join('\n'));
  const t = parsed.data;
  const problems = [...templateProblems(t), ...outputProblems(t)].map((p) => `${shown}: ${p}`);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  let schema: z.ZodType<Record<string, unknown>>;
  try {
    schema = z.fromJSONSchema(t.output as z.core.JSONSchema.JSONSchema) as z.ZodType<Record<string, unknown>>;
  } catch (err) {
    throw new UsageError(`${shown}: output: not a JSON Schema zod can use: ${errorMessage(err)}`);
  }
  // The schema goes into the instructions: the model must know the shape, and OpenAI's JSON
  // mode wants the word JSON in the prompt.
  const format = `Answer with only a JSON object, no prose, matching this JSON Schema: ${JSON.stringify(t.output)}`;
  return defineTask({
    name: t.name,
    version: t.version,
    system: t.system ? `${t.system.trim()}\n\n${format}` : format,
    prompt: ({ text }) => [{ role: 'user', content: t.prompt.trimEnd().replace(PLACEHOLDER, () => text) }],
    schema,
    labelField: t.label,
    confidenceField: t.confidence,
    ...(t.max_parse_retries !== undefined ? { maxParseRetries: t.max_parse_retries } : {}),
  });
}

function templateProblems(t: TaskFile): string[] {
  const out: string[] = [];
  const names = [...t.prompt.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  for (const name of new Set(names)) if (name !== 'text') out.push(`prompt: unknown placeholder {{${name}}} (the one placeholder is {{text}})`);
  if (!names.includes('text')) out.push('prompt: no {{text}} placeholder (where the text goes)');
  if (t.system?.includes('{{')) out.push('system: placeholders go in prompt (the system text is the same for every text)');
  return out;
}

function outputProblems(t: TaskFile): string[] {
  if (t.output.type !== 'object') return ['output.type: must be "object" (the answer is a JSON object)'];
  const properties = t.output.properties;
  if (!properties || typeof properties !== 'object' || Array.isArray(properties)) return ['output.properties: missing (the fields of the answer)'];
  const props = properties as Record<string, { type?: unknown } | undefined>;
  const out: string[] = [];
  if (!(t.label in props)) out.push(`label: "${t.label}" is not one of output.properties (${Object.keys(props).join(', ')})`);
  else if (!Array.isArray(t.output.required) || !t.output.required.includes(t.label)) out.push(`output.required: must list the label field "${t.label}"`);
  if (t.confidence !== undefined) {
    const type = props[t.confidence]?.type;
    if (type !== 'number' && type !== 'integer') out.push(`confidence: "${t.confidence}" is not a number in output.properties`);
  }
  return out;
}
