import { z } from 'zod';
import { isModuleSpec } from '../../core/user-module.js';
import { regexPattern } from '../../config/regex-pattern.js';

/** Built-in providers; anything else must be a module (`./providers/my.js#provider`). */
export const PROVIDERS = ['anthropic', 'openai', 'openai-compatible', 'ollama', 'local'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const isBuiltinProvider = (name: string): name is Provider => (PROVIDERS as readonly string[]).includes(name);

const parameters = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
  timeout_s: z.number().positive().optional(),
  max_retries: z.number().int().min(0).max(10).optional(),
});

export const profileSchema = z
  .strictObject({
    provider: z
      .string({ error: 'missing provider' })
      .refine((p) => isBuiltinProvider(p) || isModuleSpec(p), { error: `unknown provider (use one of: ${PROVIDERS.join(', ')}; or a module, ./providers/my.js#provider)` }),
    model: z.string({ error: 'missing model' }).min(1, 'missing model'),
    base_url: z.url().optional(),
    /** The variable holding the key, instead of the provider's own (ANTHROPIC_API_KEY, OPENAI_API_KEY). */
    api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable, e.g. OPENROUTER_API_KEY').optional(),
    parameters: parameters.default({}),
    price: z
      .strictObject({
        input_per_mtok: z.number().min(0),
        output_per_mtok: z.number().min(0),
      })
      .optional(),
    json_mode: z.boolean().optional(),
  })
  .refine((p) => p.provider !== 'openai-compatible' || p.base_url !== undefined, {
    error: "openai-compatible needs base_url (the server's OpenAI-compatible address, e.g. http://127.0.0.1:8000/v1)",
    path: ['base_url'],
  });

const hookset = z.strictObject({
  before: z.array(z.string()).default([]),
  after: z.array(z.string()).default([]),
});

export const profilesFileSchema = z.strictObject({
  // The env when neither --env nor LLMOPS_ENV names one.
  default_env: z.string().optional(),
  envs: z.record(z.string(), z.strictObject({ profile: z.string(), hookset: z.string() })),
  profiles: z.record(z.string(), profileSchema),
  hooksets: z.record(z.string(), hookset),
  redact: z.strictObject({ patterns: z.array(regexPattern()).default([]) }).optional(),
});

export type ProfilesFile = z.infer<typeof profilesFileSchema>;
export type Profile = z.infer<typeof profileSchema>;
