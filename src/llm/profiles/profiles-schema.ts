import { z } from 'zod';

export const PROVIDERS = ['anthropic', 'openai', 'ollama', 'local'] as const;
export type Provider = (typeof PROVIDERS)[number];

const parameters = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
  timeout_s: z.number().positive().optional(),
  max_retries: z.number().int().min(0).max(10).optional(),
});

export const profileSchema = z.strictObject({
  provider: z.enum(PROVIDERS, { error: `unknown provider (use one of: ${PROVIDERS.join(', ')})` }),
  model: z.string({ error: 'missing model' }).min(1, 'missing model'),
  base_url: z.url().optional(),
  parameters: parameters.default({}),
  price: z
    .strictObject({
      input_per_mtok: z.number().min(0),
      output_per_mtok: z.number().min(0),
    })
    .optional(),
  json_mode: z.boolean().optional(),
});

const hookset = z.strictObject({
  before: z.array(z.string()).default([]),
  after: z.array(z.string()).default([]),
});

export const profilesFileSchema = z.strictObject({
  default_env: z.string(),
  envs: z.record(z.string(), z.strictObject({ profile: z.string(), hookset: z.string() })),
  profiles: z.record(z.string(), profileSchema),
  hooksets: z.record(z.string(), hookset),
  redact: z.strictObject({ patterns: z.array(z.string()).default([]) }).optional(),
});

export type ProfilesFile = z.infer<typeof profilesFileSchema>;
export type Profile = z.infer<typeof profileSchema>;
