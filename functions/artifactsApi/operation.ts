/**
 * An API operation as the route table declares it (routes.ts): method and OpenAPI path template, its path
 * parameters and query as zod schemas, what it answers, and its handler. The router (router.ts) and the
 * OpenAPI document (openapi.ts) are both derived from the table, so a route exists in one place.
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import type { z } from 'zod';
import type { Logger } from '../../shared/platform/log';
import type { Principal } from './auth';
import type { ApiDeps } from './context';
import type { ProblemResponseId, ResponseHeaderName } from './responses';
import type { PathParamName } from './schemas';

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** One documented response: a description, its headers, and a body (a component schema or raw content). */
export interface ResponseSpec {
  description: string;
  headers?: ResponseHeaderName[];
  /** A component schema's id. */
  schema?: string;
  content?: Record<string, unknown>;
}

export interface OperationContext<Params, Query, Body = undefined> {
  req: Request;
  res: Response;
  /** Present on operations with `auth: true`. */
  principal: Principal;
  params: Params;
  query: Query;
  /** The validated JSON body (operations that declare `body`; undefined otherwise). */
  body: Body;
  deps: ApiDeps;
  log: Logger;
}

type ParamsOf<N extends readonly PathParamName[]> = { [K in N[number]]: string };

/** What the router hands any operation; `operation()` narrows it to the declared parameters. */
export type AnyOperation = Omit<Operation, 'handler'> & {
  handler: (ctx: OperationContext<Record<string, string>, unknown, unknown>) => Promise<void>;
};

export interface Operation<
  N extends readonly PathParamName[] = readonly PathParamName[],
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType<undefined>,
> {
  operationId: string;
  method: Method;
  /** The OpenAPI path template, e.g. `/api/artifacts/{id}`; parameters in `params`, in order. */
  path: string;
  params: N;
  query: Q;
  /**
   * The request body, when the operation takes one: JSON only (`application/json`; any other type is a 415, no
   * body or one this schema refuses a 400), validated before the handler runs (validate.ts).
   */
  body?: B;
  /** false: no token needed (only the OpenAPI document). */
  auth: boolean;
  summary: string;
  description?: string;
  tags: string[];
  /** Request headers worth documenting (If-None-Match). */
  requestHeaders?: Array<{ name: string; description: string }>;
  responses: Record<string, ResponseSpec>;
  problems: ProblemResponseId[];
  /** Documented separately for HEAD (GET operations answer HEAD in any case). */
  head?: { operationId: string; summary: string; description?: string };
  handler: (ctx: OperationContext<ParamsOf<N>, z.output<Q>, z.output<B>>) => Promise<void>;
}

/** Declares an operation with its parameter, query and body types inferred for the handler. */
export function operation<
  const N extends readonly PathParamName[],
  Q extends z.ZodType,
  B extends z.ZodType = z.ZodType<undefined>,
>(op: Operation<N, Q, B>): AnyOperation {
  return op as unknown as AnyOperation;
}

/** The regex a path template matches (a trailing slash allowed), capturing each parameter. */
export function templatePattern(path: string): RegExp {
  const escaped = path
    .split(/\{[a-z_]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('([^/]+)');
  return new RegExp(`^${escaped}${path.endsWith('.json') ? '' : '/?'}$`);
}
