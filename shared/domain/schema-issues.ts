/** zod validation failures as one line: `path: message` for each issue, for a log line, a quarantine record or a 400. */
import type { z } from 'zod';

export function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 20)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
