import { z } from 'zod';
import { userRegexProblem } from '../core/user-regex.js';

/**
 * A config field holding a regular expression: refused with the other config errors when it is
 * not one, or when it could take exponential time to match (core/user-regex.ts).
 */
export const regexPattern = () =>
  z
    .string()
    .min(1)
    .superRefine((pattern, ctx) => {
      const problem = userRegexProblem(pattern);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
