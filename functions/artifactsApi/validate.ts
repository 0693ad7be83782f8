/** Request validation with the API's zod schemas; any failure is a 400 problem naming the fields. */
import type { z } from 'zod';
import { formatIssues } from '../../shared/store-request';
import { HttpProblem } from './problem';

export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpProblem('bad_request', `invalid ${what}: ${formatIssues(result.error)}`);
  return result.data;
}
