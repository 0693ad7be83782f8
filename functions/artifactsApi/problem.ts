/**
 * RFC 9457 problem details: every error of the API is `application/problem+json` `{type, title, status,
 * detail, request_id}`. `type` is a stable URN per kind of problem, so clients can branch on it.
 */
import type { Response } from '@google-cloud/functions-framework';
import type { Problem } from './schemas';

export const PROBLEM_TYPES = {
  bad_request: { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ProblemKind = keyof typeof PROBLEM_TYPES;

export class HttpProblem extends Error {
  readonly kind: ProblemKind;
  constructor(kind: ProblemKind, detail: string) {
    super(detail);
    this.kind = kind;
  }
}

export function problemOf(kind: ProblemKind, detail: string, requestId: string): Problem {
  const { status, title } = PROBLEM_TYPES[kind];
  return { type: `urn:artifact-store:problem:${kind}`, title, status, detail, request_id: requestId };
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  res.status(problem.status);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', 'application/problem+json');
  res.setHeader('Cache-Control', 'no-store');
  // end(), not send(): send() would append `; charset=utf-8`, a parameter this media type does not define.
  const body = Buffer.from(JSON.stringify(problem));
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}

/** The one "not found" every lookup answers, whatever the reason (missing, deleted, expired, other tenant). */
export const notFound = (what = 'artifact') => new HttpProblem('not_found', `${what} not found`);
