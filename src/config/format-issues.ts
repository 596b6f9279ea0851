import type { z } from 'zod';

/** Every zod issue as `file: path.to.field: message`, one line each, all at once. */
export function formatIssues(file: string, issues: z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${file}: ${path || '(top level)'}: ${issue.message}`;
  });
}
