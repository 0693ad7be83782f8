/**
 * Text that ends up in a Postgres `text` or `jsonb` value: no NUL and no lone surrogate, which Postgres
 * refuses (SQLSTATE 22P05). Refused when a request is validated, so the store never acknowledges what the
 * database would refuse.
 */
import { z } from 'zod';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when Postgres can store `s` as text. */
export function isRowSafe(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}

export const RowText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'must not contain the NUL character (\\u0000)')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no lone surrogate)');
