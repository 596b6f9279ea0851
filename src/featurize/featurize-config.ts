import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import { formatIssues } from '../config/format-issues.js';
import { parseYamlFile } from '../config/llmops-config.js';
import type { ChunkStrategy } from './chunk-text.js';
import type { CleanerName } from './clean-text.js';

const chunkSchema = z.discriminatedUnion('strategy', [
  z.strictObject({ strategy: z.literal('tokens'), size: z.number().int().positive(), overlap: z.number().int().min(0) }),
  z.strictObject({ strategy: z.literal('sentences'), min_chars: z.number().int().positive(), max_chars: z.number().int().positive() }),
  z.strictObject({ strategy: z.literal('code'), size: z.number().int().positive(), overlap: z.number().int().min(0) }),
]);

const categorySchema = z
  .strictObject({ clean: z.enum(['article', 'social', 'code', 'plain']), chunk: chunkSchema })
  .refine((c) => c.chunk.strategy === 'sentences' || c.chunk.overlap < c.chunk.size, { message: 'overlap must be smaller than size', path: ['chunk', 'overlap'] })
  .refine((c) => c.chunk.strategy !== 'sentences' || c.chunk.min_chars <= c.chunk.max_chars, { message: 'min_chars must not exceed max_chars', path: ['chunk', 'min_chars'] });

const featurizeConfigSchema = z.strictObject({
  categories: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'category names: letters, digits, _ and -'), categorySchema).default({}),
  default: categorySchema,
});

export type CategoryPlan = { clean: CleanerName; chunk: ChunkStrategy };
export type FeaturizeConfig = { categories: Record<string, CategoryPlan>; default: CategoryPlan; path: string };

const FEATURIZE_CONFIG = join('configs', 'featurize.yaml');

/** The named file, else ./configs/featurize.yaml, else the one shipped with llmops. */
export async function loadFeaturizeConfig(explicit?: string, cwd = process.cwd()): Promise<FeaturizeConfig> {
  let path: string;
  if (explicit) {
    path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new UsageError(`--featurize-config: no such file: ${explicit}`);
  } else {
    const local = resolve(cwd, FEATURIZE_CONFIG);
    path = existsSync(local) ? local : join(packageRoot(), FEATURIZE_CONFIG);
  }
  const shown = explicit ?? path;
  const data = (await parseYamlFile(path, shown)) ?? {};
  const parsed = featurizeConfigSchema.safeParse(data);
  if (!parsed.success) throw new UsageError(formatIssues(shown, parsed.error.issues, { data, schema: featurizeConfigSchema }).join('\n'));
  return { ...(parsed.data as Omit<FeaturizeConfig, 'path'>), path };
}

export function planFor(config: FeaturizeConfig, category: string): CategoryPlan {
  return config.categories[category] ?? config.default;
}
