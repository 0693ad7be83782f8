/** Request validation with the API's zod schemas; any failure is a 400 problem naming the fields. */
import type { Request } from '@google-cloud/functions-framework';
import type { z } from 'zod';
import { formatIssues } from '../../shared/domain/schema-issues';
import type { AnyOperation } from './operation';
import { HttpProblem } from './problem';
import { PATH_PARAMS } from './schemas';

export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpProblem('bad_request', `invalid ${what}: ${formatIssues(result.error)}`);
  return result.data;
}

/**
 * The query string, validated: every parameter at most once (Express gives a repeated one as an array),
 * then the route's strict schema (an unknown parameter is a 400, not silently ignored).
 */
export function validateQuery<S extends z.ZodType>(schema: S, query: Record<string, unknown>): z.infer<S> {
  for (const [name, value] of Object.entries(query)) {
    if (typeof value !== 'string') {
      throw new HttpProblem(
        'bad_request',
        `invalid query: ${safeName(name)} must be given once, as a string`,
      );
    }
  }
  return validate(schema, query, 'query');
}

/** A parameter name fit to quote back (names are the caller's; keep them short and printable). */
function safeName(name: string): string {
  return /^[A-Za-z0-9_.-]{1,40}$/.test(name) ? name : '(a parameter)';
}

/** The operation's path parameters, each validated by its schema (a 400 naming it otherwise). */
export function validateParams(operation: AnyOperation, raw: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of operation.params) {
    const param = PATH_PARAMS[name];
    out[name] = validate(param.schema, raw[name], param.label);
  }
  return out;
}

/** Whether the request carries a body at all (RFC 9112 6.3: a Transfer-Encoding, or a non-zero length). */
function hasBody(req: Request): boolean {
  const length = req.header('content-length');
  return req.header('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}

/**
 * The JSON body of an operation that takes one. functions-framework has parsed it already (an
 * `application/json` body that is not JSON never reaches the function: the framework answers 400 itself).
 * No body: 400. Another media type: 415. A body the schema refuses: 400 naming the fields.
 */
export function validateBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  if (!hasBody(req)) throw new HttpProblem('bad_request', 'invalid body: a JSON body is required');
  if (!req.is('application/json')) {
    throw new HttpProblem('unsupported_media_type', 'the body must be application/json');
  }
  return validate(schema, req.body, 'body');
}
