import { existsSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { formatIssues } from '../config/format-issues.js';
import { parseYamlFile } from '../config/llmops-config.js';
import { regexPattern } from '../config/regex-pattern.js';

const linkSchema = z.union([
  z.string().min(1),
  z.strictObject({
    url: z.string().min(1),
    author: z.string().min(1).optional(),
    category: z.string().min(1).optional(),
  }),
]);

const duration = z.union([z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m)$/, 'expected a duration like 30s or 500ms'), z.number().positive()]);

/** `configs/<name>.yaml`: an author, her links, and optionally how to crawl them. */
const crawlConfigSchema = z.strictObject({
  author: z.string().min(1).optional(),
  category: z.string().min(1).optional(),
  links: z.array(linkSchema).min(1, 'expected at least one link'),
  settings: z
    .strictObject({
      concurrency: z.number().int().positive().optional(),
      per_host: z.number().int().positive().optional(),
      timeout: duration.optional(),
      max_mb: z.number().positive().optional(),
      retries: z.number().int().min(0).max(10).optional(),
      respect_robots: z.boolean().optional(),
      user_agent: z.string().min(1).optional(),
      dispatch: z
        .array(
          z.strictObject({
            pattern: regexPattern(),
            crawler: z.enum(['repository', 'browser', 'article']),
            platform: z.string().min(1).optional(),
          }),
        )
        .optional(),
      browser: z
        .strictObject({
          executable: z.string().min(1).optional(),
          domains: z.array(z.string().min(1)).optional(),
          max_scrolls: z.number().int().min(0).optional(),
        })
        .optional(),
      repositories: z
        .strictObject({
          ignore: z.array(z.string().min(1)).optional(),
          replace_default_ignore: z.boolean().optional(),
          max_file_kb: z.number().positive().optional(),
          max_repo_mb: z.number().positive().optional(),
          max_total_mb: z.number().positive().optional(),
        })
        .optional(),
    })
    .optional(),
});

export type CrawlConfig = z.infer<typeof crawlConfigSchema>;

/** Reads and validates a crawl config; every problem is reported at once as `file: field: message`. */
export async function loadCrawlConfig(path: string): Promise<CrawlConfig> {
  if (!existsSync(path)) throw new UsageError(`--config: no such file: ${path}`);
  const data = await parseYamlFile(path, path);
  const parsed = crawlConfigSchema.safeParse(data ?? {});
  if (!parsed.success) throw new UsageError(formatIssues(path, parsed.error.issues, { data, schema: crawlConfigSchema }).join('\n'));
  return parsed.data;
}
