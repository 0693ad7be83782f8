/**
 * RFC 9457 problem details: every error of the API is `application/problem+json` `{type, title, status,
 * detail}`. `type` is a stable URN per kind of problem, so clients can branch on it.
 */
import type { Response } from '@google-cloud/functions-framework';

export const PROBLEM_TYPES = {
  bad_request: { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  unavailable: { status: 503, title: 'Service unavailable' },
  internal: { status: 500, title: 'Internal error' },
} as const;

export type ProblemKind = keyof typeof PROBLEM_TYPES;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  request_id?: string;
}

export class HttpProblem extends Error {
  readonly kind: ProblemKind;
  constructor(kind: ProblemKind, detail: string) {
    super(detail);
    this.kind = kind;
  }
}

export function problemOf(kind: ProblemKind, detail: string, requestId?: string): Problem {
  const { status, title } = PROBLEM_TYPES[kind];
  return {
    type: `urn:artifact-store:problem:${kind}`,
    title,
    status,
    detail,
    ...(requestId ? { request_id: requestId } : {}),
  };
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  res.status(problem.status);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', 'application/problem+json');
  res.send(JSON.stringify(problem));
}

/** The one "not found" every lookup answers, whatever the reason (missing, deleted, expired, other tenant). */
export const notFound = (what = 'artifact') => new HttpProblem('not_found', `${what} not found`);
